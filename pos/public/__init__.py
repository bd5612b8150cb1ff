"""The GS1-Conformant resolver behind each QR label (GET /01/<gtin14>[/22/…][/10/…][/21/…]) and the shopper's
page it redirects to (/p/01/…), no login."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from pos.public import views  # noqa: E402,F401
