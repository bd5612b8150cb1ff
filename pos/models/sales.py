"""The till's records: shifts, sales with their lines and payments, returns, print jobs."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pos.core.clock import utcnow
from pos.core.extensions import db
from pos.models.base import Money, not_negative, not_zero, one_of, positive
from pos.models.catalog import Product
from pos.models.core import User

PAYMENT_METHODS = ("cash", "card", "vietqr")
SHIFT_STATUSES = ("open", "closed")


class Shift(db.Model):
    __tablename__ = "shifts"
    __table_args__ = (
        CheckConstraint("opening_float >= 0", name="float_not_negative"),
        one_of("status", SHIFT_STATUSES),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(8), default="open")
    # 1 while open, NULL once closed: the unique index allows one open shift at a time.
    open_marker: Mapped[int | None] = mapped_column(unique=True, default=1)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opening_float: Mapped[Money] = mapped_column(default=0)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    counted_cash: Mapped[Money | None]
    expected_cash: Mapped[Money | None]
    denominations: Mapped[dict | None] = mapped_column(JSON)
    z_report: Mapped[dict | None] = mapped_column(JSON)

    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])


class CashMovement(db.Model):
    """Cash put into or taken out of the drawer outside a sale."""

    __tablename__ = "cash_movements"
    __table_args__ = (not_zero("amount"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    amount: Mapped[Money]  # + in, - out
    reason: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SaleNumber(db.Model):
    """Every sale number is handed out here first, so a VietQR transfer can carry the number
    before the sale is recorded. A number reserved for a cart that was then voided stays unused."""

    __tablename__ = "sale_numbers"
    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Sale(db.Model):
    __tablename__ = "sales"
    __table_args__ = (
        not_negative("total"),
        Index("ix_sales_created_at", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)  # made by the till: retries never double a sale
    number: Mapped[str] = mapped_column(String(32), unique=True)  # TH-20261123-0042
    lookup_code: Mapped[str] = mapped_column(String(16), unique=True)  # the buyer's receipt/e-invoice lookup
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    cashier_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    subtotal: Mapped[Money]  # before discounts
    discount_total: Mapped[Money]
    total: Mapped[Money]  # VAT included: the goods, what VAT is computed on
    vat_total: Mapped[Money]
    # What paying in cash added to the total (− or +): the cash due rounded to CASH_ROUNDING. The payments add
    # up to total + cash_rounding; 0 when no cash was paid.
    cash_rounding: Mapped[int] = mapped_column(default=0, server_default="0")
    approved_by: Mapped[str] = mapped_column(String(64), default="")  # manager who approved an override
    payload_hash: Mapped[str] = mapped_column(String(64))  # what the till sent, to tell a retry from a reuse

    lines: Mapped[list["SaleLine"]] = relationship(back_populates="sale", order_by="SaleLine.line_no")
    payments: Mapped[list["Payment"]] = relationship(back_populates="sale", order_by="Payment.id")
    cashier: Mapped[User] = relationship()


class SaleLine(db.Model):
    """A sold product with its price, VAT rate and OCOP stars as they were at sale time."""

    __tablename__ = "sale_lines"
    __table_args__ = (
        UniqueConstraint("sale_id", "line_no"),
        positive("quantity"),
        CheckConstraint("returned_quantity >= 0 AND returned_quantity <= quantity", name="returned_within_sold"),
        Index("ix_sale_lines_product", "product_id"),
        CheckConstraint("serial IS NULL OR quantity = 1", name="serial_one_unit"),
        # A serial is out of the shop on one line at a time: two tills selling the same label, one fails here.
        # A return (returned_quantity 1) puts it back in stock, to be sold again.
        Index(
            "uq_sale_lines_serial_sold",
            "serial",
            unique=True,
            sqlite_where=text("serial IS NOT NULL AND returned_quantity = 0"),
            postgresql_where=text("serial IS NOT NULL AND returned_quantity = 0"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"))
    line_no: Mapped[int]
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(40))
    name_vi: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    unit_price: Mapped[Money]
    discount: Mapped[Money]  # line discount plus its share of the order discount
    amount: Mapped[Money]  # quantity × unit_price − discount
    vat_rate: Mapped[int]
    vat_amount: Mapped[Money]
    stars: Mapped[int | None]
    potential_5_star: Mapped[bool] = mapped_column(default=False)
    unit_cost: Mapped[Money | None]
    consignment: Mapped[bool] = mapped_column(default=False)  # taken from a producer's consigned lot
    returned_quantity: Mapped[int] = mapped_column(default=0)
    serial: Mapped[str | None] = mapped_column(String(20))  # the unit's serial (GS1 AI 21), read from its label

    sale: Mapped[Sale] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    @property
    def returnable_quantity(self) -> int:
        return self.quantity - self.returned_quantity


class Payment(db.Model):
    __tablename__ = "payments"
    __table_args__ = (
        one_of("method", PAYMENT_METHODS),
        positive("amount"),
        not_negative("change"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    method: Mapped[str] = mapped_column(String(8))
    amount: Mapped[Money]  # what this payment contributes to the total
    tendered: Mapped[Money] = mapped_column(default=0)  # cash handed over
    change: Mapped[Money] = mapped_column(default=0)
    reference: Mapped[str] = mapped_column(String(80), default="")

    sale: Mapped[Sale] = relationship(back_populates="payments")


class SaleReturn(db.Model):
    __tablename__ = "sale_returns"
    __table_args__ = (
        not_negative("total"),
        one_of("refund_method", PAYMENT_METHODS),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(300))
    approved_by: Mapped[str] = mapped_column(String(64))
    refund_method: Mapped[str] = mapped_column(String(8))
    total: Mapped[Money]  # the goods refunded, VAT included
    vat_total: Mapped[Money]
    cash_rounding: Mapped[int] = mapped_column(default=0, server_default="0")  # a cash refund, rounded like a sale

    @property
    def refunded(self) -> int:
        """What was handed back."""
        return self.total + self.cash_rounding

    lines: Mapped[list["SaleReturnLine"]] = relationship(back_populates="sale_return")
    sale: Mapped[Sale] = relationship()


class SaleReturnLine(db.Model):
    __tablename__ = "sale_return_lines"
    __table_args__ = (positive("quantity"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("sale_returns.id"), index=True)
    sale_line_id: Mapped[int] = mapped_column(ForeignKey("sale_lines.id"))
    quantity: Mapped[int]
    amount: Mapped[Money]
    vat_amount: Mapped[Money]

    sale_return: Mapped[SaleReturn] = relationship(back_populates="lines")
    sale_line: Mapped[SaleLine] = relationship()


PRINT_STATUSES = ("printed", "failed")


class PrintJob(db.Model):
    """Each attempt to print a receipt; a failed one is offered for reprint. `printer` is where it was sent
    (PRINTER_URL), `error` what the printer or the network answered."""

    __tablename__ = "print_jobs"
    __table_args__ = (one_of("status", PRINT_STATUSES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("sales.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    printer: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8))
    error: Mapped[str] = mapped_column(String(500), default="")
