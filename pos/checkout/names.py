"""Human labels for the till's codes, in the UI language."""

from flask_babel import lazy_gettext as _l

PAYMENT_LABELS = {"cash": _l("Cash"), "card": _l("Card"), "vietqr": "VietQR"}
