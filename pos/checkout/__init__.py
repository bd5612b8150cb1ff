from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.checkout.names import PAYMENT_LABELS
from pos.core.formatting import register_labels
from pos.core.navigation import add_nav_entry

bp = Blueprint("checkout", __name__, cli_group=None)
register_labels("payment", PAYMENT_LABELS)
add_nav_entry("checkout.till", _l("Till"), role="cashier", order=1, group="sales")
add_nav_entry("checkout.shift", _l("Shift"), role="cashier", order=2, group="sales")
add_nav_entry("checkout.sales", _l("Sales"), role="cashier", order=3, group="sales")

from pos.checkout import api, cli, views  # noqa: E402,F401
