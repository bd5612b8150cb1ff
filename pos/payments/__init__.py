"""VietQR confirmed by the bank's side: the providers' webhooks, the transfers a showroom takes from central, the
till's wait for them and the unmatched transfers list. Registered on a showroom; central receives the same
webhooks through pos/central/api.py."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.core.navigation import add_nav_entry

bp = Blueprint("payments", __name__, cli_group=None)
add_nav_entry("payments.transfers_page", _l("Bank transfers"), role="cashier", order=4, group="sales")

from pos.payments import api, views  # noqa: E402,F401
