from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pos.core.clock import utcnow
from pos.core.extensions import db


class CustomerDisplay(db.Model):
    """A screen facing the shopper (/display) and its pairing with one till (pos/display/service.py).

    A display that is not paired waits with a short code; a cashier types it at the till, which pairs the two:
    the code is cleared (it pairs once) and the till gets a token of its own. Only the till holding that token
    writes `state`, and only the display holding its cookie reads it. Tokens are kept as sha256 digests."""

    __tablename__ = "customer_displays"
    id: Mapped[int] = mapped_column(primary_key=True)
    display_token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # the display's cookie
    code: Mapped[str | None] = mapped_column(String(6), unique=True)  # shown while waiting; None once used
    code_expires_at: Mapped[datetime | None]
    requested_from: Mapped[str] = mapped_column(String(64), default="")  # the waiting display's address
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    till_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # the paired till's token
    paired_at: Mapped[datetime | None]
    paired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None]
    state: Mapped[dict | None] = mapped_column(JSON)  # what the shopper sees, as the till last sent it
    version: Mapped[int] = mapped_column(default=0)  # +1 each time the till sends it
    state_at: Mapped[datetime | None]
