"""Cash-register e-invoices: settings (settings.py), issuing an invoice in each sale's and return's transaction
(service.py, words.py), and sending them to the tax authority through a provider: the queue (sender.py), the
provider interface and its adapters (provider.py, vnpt.py), the day's invoices page and corrections (views.py,
corrections.py), `flask einvoice …` (cli.py). Models: pos/models/einvoice.py. Registered only when
POS_ROLE=showroom."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.core.navigation import add_nav_entry

bp = Blueprint("einvoice", __name__, cli_group="einvoice")
add_nav_entry("einvoice.day_page", _l("E-invoices"), role="manager", order=5, group="sales")

from pos.einvoice import cli, views  # noqa: E402,F401
