from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.core.navigation import add_nav_entry

bp = Blueprint("showroom_reports", __name__, url_prefix="/reports")
add_nav_entry("showroom_reports.showroom_day", _l("Reports"), role="manager", order=40, group="reports")

from pos.showroom_reports import views  # noqa: E402,F401
