"""Scans of the public product page, counted per product, lot, serial and day. No personal data: no IP
address, no cookie, no user agent — only how many times a label was looked at."""

from datetime import date

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pos.core.extensions import db
from pos.models.base import positive


class LabelScanDaily(db.Model):
    __tablename__ = "label_scans_daily"
    __table_args__ = (
        UniqueConstraint("product_id", "lot_code", "serial", "day"),
        positive("scans"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    lot_code: Mapped[str] = mapped_column(String(20), default="")  # '' when the label has no lot
    serial: Mapped[str] = mapped_column(String(20), default="", server_default="")  # '' for a label without one
    day: Mapped[date] = mapped_column(index=True)  # local (Asia/Ho_Chi_Minh) day
    scans: Mapped[int] = mapped_column(default=1)
