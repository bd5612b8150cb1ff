from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.core.navigation import add_nav_entry

bp = Blueprint("catalog", __name__, url_prefix="/catalog", cli_group="catalog")
add_nav_entry("catalog.dashboard", _l("Overview"), role="manager", order=10)
add_nav_entry("catalog.products", _l("Products"), role="manager", order=20)
add_nav_entry("catalog.producers", _l("Producers"), role="manager", order=21)

from pos.catalog import cli, views  # noqa: E402,F401
