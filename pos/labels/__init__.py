from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.navigation import add_nav_entry

bp = Blueprint("labels", __name__, url_prefix="/labels", cli_group="labels")


@bp.record_once
def _configure(state):
    # Views of the public page are written every SCAN_FLUSH_SECONDS; at once in tests.
    state.app.config.setdefault("SCAN_FLUSH_SECONDS", 0 if state.app.testing else 10)
    # The public page is cached this long per product, lot and language; not in tests.
    state.app.config.setdefault("PUBLIC_PAGE_CACHE_SECONDS", 0 if state.app.testing else 30)


add_nav_entry("labels.index", _l("QR labels"), role="manager", order=60)

from pos.labels import cli, views  # noqa: E402,F401
