"""Showroom → central sync: the outbox sender, the catalog pull, and the page that shows both.
Registered only when POS_ROLE=showroom."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from pos.core.formatting import register_labels
from pos.core.navigation import add_nav_entry
from pos.sync.names import EVENT_LABELS

bp = Blueprint("sync", __name__, cli_group="sync")
register_labels("event", EVENT_LABELS)
add_nav_entry("sync.status_page", _l("Sync"), role="manager", order=48, group="admin")

from pos.sync import cli, views  # noqa: E402,F401
