from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.core.navigation import add_nav_entry

bp = Blueprint("labels", __name__, url_prefix="/labels", cli_group="labels")


add_nav_entry("labels.index", _l("QR labels"), role="manager", order=60, group="labels")

from pos.labels import cli, views  # noqa: E402,F401
