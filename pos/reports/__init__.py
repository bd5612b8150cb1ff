from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.core.navigation import add_nav_entry

bp = Blueprint("reports", __name__, url_prefix="/reports")
add_nav_entry("reports.showroom_day", _l("Reports"), role="manager", order=40)

from pos.reports import views  # noqa: E402,F401
