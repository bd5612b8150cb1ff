"""Human labels for the outbox's event kinds, in the UI language."""

from flask_babel import lazy_gettext as _l

EVENT_LABELS = {"sale": _l("Sale"), "return": _l("Return"), "shift_close": _l("Shift closed")}
