"""The stock ledger. Every change of stock is a StockMovement; Lot.on_hand and StockLevel.on_hand
are kept equal to the sum of the ledger in the same transaction (pos.inventory.ledger)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos.core.clock import utcnow
from pos.core.extensions import db
from pos.models.base import Count, Money, between, not_negative, not_zero, one_of, positive
from pos.models.catalog import Producer, Product
from pos.models.core import User

MOVEMENT_KINDS = ("receipt", "sale", "return", "adjustment", "count", "transfer_out", "transfer_in", "write_off")
OWNERSHIPS = ("purchased", "consignment")


class Lot(db.Model):
    """A batch of one product. Goods received without a lot code go to the lot with code ''."""

    __tablename__ = "lots"
    __table_args__ = (
        UniqueConstraint("product_id", "code", "ownership"),
        not_negative("on_hand"),
        one_of("ownership", OWNERSHIPS),
        Index("ix_lots_product_expiry", "product_id", "expiry_date"),
        Index("ix_lots_expiry", "expiry_date"),  # the expiring-lots list reads a range of dates, all products
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    code: Mapped[str] = mapped_column(String(20), default="")
    production_date: Mapped[date | None]
    expiry_date: Mapped[date | None]
    ownership: Mapped[str] = mapped_column(String(12), default="purchased")
    commission_rate: Mapped[int] = mapped_column(default=0)  # consignment: showroom's share, percent
    on_hand: Mapped[Count] = mapped_column(default=0)

    product: Mapped[Product] = relationship()


class StockLevel(db.Model):
    """Stock on hand per product, with its weighted-average unit cost."""

    __tablename__ = "stock_levels"
    __table_args__ = (not_negative("on_hand"),)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    on_hand: Mapped[Count] = mapped_column(default=0)
    average_cost: Mapped[Money] = mapped_column(default=0)  # đồng per unit


class StockMovement(db.Model):
    __tablename__ = "stock_movements"
    __table_args__ = (
        not_zero("quantity"),
        one_of("kind", MOVEMENT_KINDS),
        # Covers valuation as of a date (pos.inventory.valuation): each product's quantity before a moment, and
        # which of its movements left the last average cost, found in this index without reading the table.
        Index("ix_stock_movements_product_at", "product_id", "at", "quantity", "average_cost_after"),
        Index("ix_stock_movements_document", "document_type", "document_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    quantity: Mapped[int]  # signed: + into stock, - out of stock
    kind: Mapped[str] = mapped_column(String(16))
    unit_cost: Mapped[Money | None]
    # Goods in at a known cost (receipts, transfers in): the product's weighted-average cost once this movement
    # is applied, as move_stock set it. NULL on every other movement, which leaves the average as it was.
    average_cost_after: Mapped[Money | None]
    # Sales and returns: the money the goods moved for (đồng, after discounts); consignment settlement sums it.
    amount: Mapped[Money | None]
    document_type: Mapped[str] = mapped_column(String(20), default="")  # receipt, sale, return, count, transfer…
    document_id: Mapped[str] = mapped_column(String(40), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(String(300), default="")

    lot: Mapped[Lot] = relationship()


GOODS_RECEIPT_STATUSES = ("draft", "posted", "reversed")


class GoodsReceipt(db.Model):
    """Goods received from a producer. Draft, then posted once; a posted receipt is corrected only by a
    reversing receipt, never edited."""

    __tablename__ = "goods_receipts"
    __table_args__ = (one_of("status", GOODS_RECEIPT_STATUSES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    status: Mapped[str] = mapped_column(String(8), default="draft")
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("goods_receipts.id"), unique=True)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None]

    lines: Mapped[list["GoodsReceiptLine"]] = relationship(back_populates="receipt", order_by="GoodsReceiptLine.id")
    producer: Mapped[Producer] = relationship()


class GoodsReceiptLine(db.Model):
    __tablename__ = "goods_receipt_lines"
    __table_args__ = (
        positive("quantity"),
        CheckConstraint("unit_cost >= 0", name="cost_not_negative"),
        between("commission_rate", 0, 100),
        CheckConstraint(
            "expiry_date IS NULL OR production_date IS NULL OR expiry_date >= production_date",
            name="expiry_after_production",
        ),
        one_of("ownership", OWNERSHIPS),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("goods_receipts.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_code: Mapped[str] = mapped_column(String(20), default="")
    production_date: Mapped[date | None]
    expiry_date: Mapped[date | None]
    quantity: Mapped[int]
    unit_cost: Mapped[Money]
    ownership: Mapped[str] = mapped_column(String(12), default="purchased")
    commission_rate: Mapped[int] = mapped_column(default=0)

    receipt: Mapped[GoodsReceipt] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


COUNT_STATUSES = ("open", "posted")


class StockCount(db.Model):
    """A count sheet (kiểm kê); see pos.inventory.counts for how counting and selling go together."""

    __tablename__ = "stock_counts"
    __table_args__ = (one_of("status", COUNT_STATUSES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    scope: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(8), default="open")
    # Blind: the counter does not see what the books say until the sheet is posted.
    blind: Mapped[bool] = mapped_column(default=False, server_default=false())
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None]

    lines: Mapped[list["StockCountLine"]] = relationship(back_populates="count", order_by="StockCountLine.id")


class StockCountLine(db.Model):
    """One lot of a product on a count sheet. Sheets opened before lots were counted have product lines
    (lot_id NULL), posted as they always were."""

    __tablename__ = "stock_count_lines"
    __table_args__ = (
        UniqueConstraint("count_id", "product_id", "lot_id"),  # a lot once per sheet
        CheckConstraint("counted IS NULL OR counted >= 0", name="counted_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    count_id: Mapped[int] = mapped_column(ForeignKey("stock_counts.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"))
    expected: Mapped[Count]  # on the books when the sheet was opened, then when the count was entered
    unit_cost: Mapped[Money]  # average cost then, to value the variance
    counted: Mapped[Count | None]

    count: Mapped[StockCount] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()
    lot: Mapped[Lot | None] = relationship()

    @property
    def variance(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected


TRANSFER_DIRECTIONS = ("out", "in")
STOCK_TRANSFER_STATUSES = ("draft", "posted")
SHOWROOM_CODE_PATTERN = r"^[A-Z0-9]{2,10}$"


class Transfer(db.Model):
    """Goods moved between showrooms (chuyển kho). A transfer-out takes stock here by FEFO; the receiving
    showroom records the matching transfer-in with the sender's code and transfer number. Draft, then
    posted once."""

    __tablename__ = "transfers"
    __table_args__ = (
        one_of("status", STOCK_TRANSFER_STATUSES),
        one_of("direction", TRANSFER_DIRECTIONS),
        # A transfer-in names the sender's transfer; the same one is never received twice (NULL for transfers out).
        UniqueConstraint("other_showroom", "their_number"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    direction: Mapped[str] = mapped_column(String(3))
    other_showroom: Mapped[str] = mapped_column(String(10))  # to (out) or from (in), by showroom code
    their_number: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(8), default="draft")
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    posted_at: Mapped[datetime | None]

    created_by: Mapped[User] = relationship()
    lines: Mapped[list["TransferLine"]] = relationship(back_populates="transfer", order_by="TransferLine.id")


class TransferLine(db.Model):
    """Out: product and quantity in the draft; posting fills in the lots taken (one line per lot) and their
    cost. In: everything as the sender's transfer note says."""

    __tablename__ = "transfer_lines"
    __table_args__ = (
        positive("quantity"),
        CheckConstraint("unit_cost IS NULL OR unit_cost >= 0", name="cost_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_code: Mapped[str] = mapped_column(String(20), default="")
    expiry_date: Mapped[date | None]
    quantity: Mapped[int]
    unit_cost: Mapped[Money | None]

    transfer: Mapped[Transfer] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class ConsignmentSettlement(db.Model):
    """What the showroom owed a consigning producer for a period, settled once. The movements it covers are
    linked in consignment_settlement_movements, where a movement may appear only once."""

    __tablename__ = "consignment_settlements"
    __table_args__ = (CheckConstraint("period_to >= period_from", name="period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("producers.id"), index=True)
    period_from: Mapped[date]  # local dates (Asia/Ho_Chi_Minh), both included
    period_to: Mapped[date]
    units: Mapped[Count]
    revenue: Mapped[Money]
    commission: Mapped[Money]
    payable: Mapped[Money]
    settled_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    settled_at: Mapped[datetime] = mapped_column(default=utcnow)

    producer: Mapped[Producer] = relationship()
    settled_by: Mapped[User] = relationship()


class ConsignmentSettlementMovement(db.Model):
    __tablename__ = "consignment_settlement_movements"
    settlement_id: Mapped[int] = mapped_column(ForeignKey("consignment_settlements.id"), index=True)
    # The primary key is the movement: settled once, never again.
    movement_id: Mapped[int] = mapped_column(ForeignKey("stock_movements.id"), primary_key=True)
