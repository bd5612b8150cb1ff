"""Stock: the ledger (ledger.py) is shared by every area that moves goods; receipts, expiry and stock pages here."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.core.navigation import add_nav_entry

bp = Blueprint("inventory", __name__, url_prefix="/inventory")
add_nav_entry("inventory.stock", _l("Stock on hand"), role="manager", order=30, group="stock")
add_nav_entry("inventory.receipts", _l("Receipts"), role="manager", order=31, group="stock")
add_nav_entry("inventory.expiring", _l("Expiring"), role="manager", order=32, group="stock")
add_nav_entry("inventory.counts", _l("Counts"), role="manager", order=33, group="stock")
add_nav_entry("inventory.low_stock_page", _l("Low stock"), role="manager", order=34, group="stock")
add_nav_entry("inventory.transfers", _l("Transfers"), role="manager", order=35, group="stock")
add_nav_entry("inventory.consignment", _l("Consignment"), role="manager", order=36, group="stock")
add_nav_entry("inventory.valuation", _l("Valuation"), role="manager", order=37, group="stock")

from pos.inventory import views  # noqa: E402,F401
from pos.inventory.counts import describe_scope  # noqa: E402

bp.add_app_template_filter(describe_scope, "count_scope")
