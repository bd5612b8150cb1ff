from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.catalog import names
from pos.core.formatting import register_labels
from pos.core.navigation import add_nav_entry

bp = Blueprint("catalog", __name__, url_prefix="/catalog", cli_group="catalog")
register_labels("group", names.GROUP_LABELS)
register_labels("producer_type", names.PRODUCER_TYPE_LABELS)
register_labels("level", names.LEVEL_LABELS)
register_labels("rating_status", names.STATUS_LABELS)
register_labels("unit", names.UNIT_LABELS)
add_nav_entry("catalog.dashboard", _l("Overview"), role="manager", order=10, group="home")
add_nav_entry("catalog.products", _l("Products"), role="manager", order=20, group="catalog")
add_nav_entry("catalog.producers", _l("Producers"), role="manager", order=21, group="catalog")

from pos.catalog import cli, views  # noqa: E402,F401
