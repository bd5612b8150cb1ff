"""Serials of serialized products: one per unit, printed on its label (GS1 Digital Link /21/…).

A serial is issued at the showroom when labels are printed for a goods receipt, with its product, lot and showroom.
Whether it is sold is its sale line's (sale_lines.serial, unique among lines not returned); central keeps every
showroom's serials in remote_serials."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos.core.clock import utcnow
from pos.core.extensions import db
from pos.models.catalog import Product

SERIAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0, O, 1, I, L: read aloud or typed, never mistaken
SERIAL_LENGTH = 10
MAX_SERIALS_ISSUED = 5000  # serials issued at once (a goods receipt's labels; the labels area's MAX_LABELS)


class Serial(db.Model):
    __tablename__ = "serials"
    __table_args__ = (Index("ix_serials_product_receipt", "product_id", "receipt_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    lot_code: Mapped[str] = mapped_column(String(20), default="")
    receipt_id: Mapped[int] = mapped_column(ForeignKey("goods_receipts.id"), index=True)
    receipt_line_id: Mapped[int] = mapped_column(ForeignKey("goods_receipt_lines.id"))
    showroom: Mapped[str] = mapped_column(String(10))  # the issuing showroom's code
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    product: Mapped[Product] = relationship()
