from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos.core.clock import utcnow
from pos.core.extensions import db
from pos.models.base import one_of

OUTBOX_KINDS = ("sale", "return", "shift_close", "serials")
OUTBOX_STATES = ("pending", "sent", "dead")


class OutboxEntry(db.Model):
    """A business event waiting to reach central. Written in the same transaction as the event;
    its payload follows docs/sync-payloads.md."""

    __tablename__ = "outbox"
    __table_args__ = (
        one_of("kind", OUTBOX_KINDS),
        one_of("status", OUTBOX_STATES),
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    uuid: Mapped[str] = mapped_column(String(36), unique=True)  # the event's own UUID (a sale's UUID)
    payload: Mapped[str] = mapped_column(Text)  # JSON
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    faults: Mapped[int] = mapped_column(default=0, server_default="0")  # central failed on it alone (not offline)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None]


class SyncState(db.Model):
    """Sync bookmarks: at a showroom `catalog_cursor`, `last_success_at`, `last_error`...; at central the revision of
    its report products (PRODUCTS_REVISION)."""

    __tablename__ = "sync_state"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
