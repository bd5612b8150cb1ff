"""The shopper's page behind each QR label: GET /01/<gtin14>[/10/<lot>] (GS1 Digital Link), no login."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from pos.public import views  # noqa: E402,F401
