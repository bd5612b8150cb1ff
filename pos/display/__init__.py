"""The customer display: a second screen (or a cheap tablet) facing the shopper, paired with one till."""

from flask import Blueprint

bp = Blueprint("display", __name__)

from pos.display import api, views  # noqa: E402,F401
