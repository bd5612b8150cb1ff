"""Central: receives every showroom's sales, keeps the rollups reports read, serves the master catalog.
Registered only when POS_ROLE=central."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.core.navigation import add_nav_entry

bp = Blueprint("central", __name__, cli_group="central")
add_nav_entry("central.report_overview", _l("Reports"), role="manager", order=40, group="reports")
add_nav_entry("central.showrooms", _l("Showrooms"), role="manager", order=45, group="reports")
add_nav_entry("central.suspect_labels", _l("Suspect labels"), role="manager", order=46, group="reports")

from pos.central import api, cli, views  # noqa: E402,F401
