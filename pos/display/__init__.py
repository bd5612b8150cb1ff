"""The customer display: a second screen (or a cheap tablet) facing the shopper, paired with one till."""

from flask import Blueprint

bp = Blueprint("display", __name__)


@bp.after_request
def _never_cached(response):
    """What a display shows changes with every scan at the till: no answer of this blueprint is kept."""
    response.headers["Cache-Control"] = "no-store"
    return response


from pos.display import api, views  # noqa: E402,F401
