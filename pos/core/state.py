"""The background senders' bookmarks (the sync's catalog cursor, scans sent, last error; the e-invoice queue's
last success and error): one key-value row each in sync_state."""

from pos.core.extensions import db
from pos.models import SyncState


def get_state(key: str, default: str = "") -> str:
    row = db.session.get(SyncState, key)
    return row.value if row else default


def set_state(key: str, value: str) -> None:
    """Call inside atomic()."""
    row = db.session.get(SyncState, key)
    if row is None:
        db.session.add(SyncState(key=key, value=value))
    else:
        row.value = value
