"""The showroom's home page: the manager's morning at a glance (today's sales against the same weekday last week,
the open shift, top products, stock to act on, ratings, the sync); a cashier sees the parts they may open.
Registered only when POS_ROLE=showroom."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.core.navigation import add_nav_entry

bp = Blueprint("home", __name__)
add_nav_entry("home.index", _l("Overview"), role="manager", order=5, group="home")

from pos.home import views  # noqa: E402,F401
