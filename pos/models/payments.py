"""Bank transfers a provider (payOS, SePay) told us about, and the VietQR each till showed for a sale.

The same table serves both roles: central stores each notice once (status received or ignored) for its
showroom to take; a showroom stores each it took (or received directly) and matches it to a sale."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pos.core.clock import utcnow
from pos.core.extensions import db
from pos.models.base import Money, one_of, positive

TRANSFER_PROVIDERS = ("payos", "sepay")
# central: received (for a showroom to take) or ignored (money going out); a showroom: matched to a sale by its
# number, attached to one by a cashier, unmatched (in the list a cashier or manager works through), handled
# (a manager dealt with it outside a sale) or ignored.
MONEY_DIRECTIONS = ("in", "out")
TRANSFER_STATUSES = ("received", "ignored", "matched", "attached", "unmatched", "handled")


class BankTransfer(db.Model):
    __tablename__ = "bank_transfers"
    __table_args__ = (
        UniqueConstraint("provider", "provider_ref"),
        positive("amount"),
        one_of("direction", MONEY_DIRECTIONS),
        one_of("status", TRANSFER_STATUSES),
        Index("ix_bank_transfers_status", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(8))
    provider_ref: Mapped[str] = mapped_column(String(64))  # the provider's transaction id: stored once
    bank_reference: Mapped[str] = mapped_column(String(64), default="")  # the bank's own reference
    account_number: Mapped[str] = mapped_column(String(32), default="")  # the receiving account
    amount: Mapped[Money]
    direction: Mapped[str] = mapped_column(String(3), default="in")
    content: Mapped[str] = mapped_column(String(500), default="")  # what the buyer's bank carried
    order_code: Mapped[int | None] = mapped_column(BigInteger)  # payOS: the payment request's
    transacted_at: Mapped[str] = mapped_column(String(40), default="")  # as the provider wrote it
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    showroom_code: Mapped[str] = mapped_column(String(16), default="")  # central: whose, from the content
    status: Mapped[str] = mapped_column(String(10))
    sale_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    sale_number: Mapped[str] = mapped_column(String(32), default="")
    problem: Mapped[str] = mapped_column(String(200), default="")  # why it is unmatched, in English
    handled_by: Mapped[str] = mapped_column(String(64), default="")  # who attached it or marked it handled
    handled_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(String(300), default="")


class VietQRRequest(db.Model):
    """A VietQR a till showed for a sale: the amount asked, and for payOS its payment request."""

    __tablename__ = "vietqr_requests"
    __table_args__ = (positive("amount"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_uuid: Mapped[str] = mapped_column(String(36), index=True)
    sale_number: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Money]
    provider: Mapped[str] = mapped_column(String(8))  # none, payos or sepay (payos unreachable: none)
    order_code: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    payment_link_id: Mapped[str] = mapped_column(String(64), default="")
    qr_payload: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
