"""Central's data: the showrooms it trusts, the sales they sent, and the daily rollup reports read.

Sales arrive as the payloads of docs/sync-payloads.md. Each is stored once (UNIQUE uuid) with its
lines; the rollup rows are updated in the same transaction (pos.central.ingest), so reports never
disagree with the sales they summarise."""

from datetime import date, datetime

from sqlalchemy import DDL, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.functions import ReturnTypeFromArgs

from pos.core.clock import utcnow
from pos.core.extensions import db
from pos.models.base import Money, _in, not_negative, one_of
from pos.models.catalog import OCOP_GROUPS
from pos.models.core import Showroom


class ShowroomKey(db.Model):
    """A showroom's shared secret for signing sync requests, and what central knows of its contact.
    After a rotation the previous secret keeps working until `previous_valid_until`, so the showroom
    can be reconfigured without losing a batch."""

    __tablename__ = "showroom_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    showroom_id: Mapped[int] = mapped_column(ForeignKey("showrooms.id"), unique=True)
    secret: Mapped[str] = mapped_column(String(128))
    previous_secret: Mapped[str | None] = mapped_column(String(128))
    previous_valid_until: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The earliest moment (UTC) of an event central takes from this showroom: the start of the local day it was
    # registered, or earlier for a showroom that sold before it was paired. An event dated before is refused.
    events_from: Mapped[datetime] = mapped_column(default=utcnow)
    last_contact_at: Mapped[datetime | None]
    last_sale_at: Mapped[datetime | None]  # created_at of the newest sale received: the lag is measured from it
    # What the showroom last reported of its e-invoices (POST /api/v1/sync/status): not yet accepted by the provider
    # (pending), refused by it, and of today's (the showroom's local day) not yet sent; when it reported.
    einvoices_pending: Mapped[int] = mapped_column(default=0, server_default="0")
    einvoices_refused: Mapped[int] = mapped_column(default=0, server_default="0")
    einvoices_unsent_today: Mapped[int] = mapped_column(default=0, server_default="0")
    status_at: Mapped[datetime | None]

    showroom: Mapped[Showroom] = relationship()


# The sync_state key whose value ingest replaces in the same transaction as any change to remote_products: the
# reports keep the products' descriptions until it changes (pos.central.reports.product_descriptions).
PRODUCTS_REVISION = "remote_products_revision"
REMOTE_SALE_KINDS = ("sale", "return")  # a return is stored with negative figures


class RemoteProduct(db.Model):
    """The reports' product dimension. A product of central's master catalog (`owner` empty) is described
    by that catalog, never by what a showroom's sale line says; a SKU the catalog does not know is that
    showroom's own product (`owner` = its code), described by its latest line, and never merged with
    another showroom's product of the same SKU."""

    __tablename__ = "remote_products"
    __table_args__ = (
        one_of("ocop_group", OCOP_GROUPS),
        UniqueConstraint("owner", "sku"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(16), default="")  # "" = central's catalog, else a showroom code
    sku: Mapped[str] = mapped_column(String(40))
    gtin: Mapped[str] = mapped_column(String(14), default="")
    name_vi: Mapped[str] = mapped_column(String(200))
    producer: Mapped[str] = mapped_column(String(200), index=True)
    producer_tax_code: Mapped[str] = mapped_column(String(20), default="")
    ocop_group: Mapped[str] = mapped_column(String(30), index=True)
    search_text: Mapped[str] = mapped_column(String(500), default="")  # lower-case, no diacritics


class RemoteSale(db.Model):
    """A sale or a return received from a showroom. Returns are stored with negative figures."""

    __tablename__ = "remote_sales"
    __table_args__ = (
        one_of("kind", REMOTE_SALE_KINDS),
        Index("ix_remote_sales_showroom_day", "showroom_id", "day"),
        Index("ix_remote_sales_sale_uuid", "sale_uuid"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    showroom_id: Mapped[int] = mapped_column(ForeignKey("showrooms.id"))
    number: Mapped[str] = mapped_column(String(32))
    sale_uuid: Mapped[str | None] = mapped_column(String(36))  # a return: the sale it refunds
    created_at: Mapped[datetime]  # at the showroom, UTC
    day: Mapped[date]  # created_at's local (Asia/Ho_Chi_Minh) day
    cashier: Mapped[str] = mapped_column(String(64), default="")
    total: Mapped[Money]  # VAT included; negative for a return
    vat_total: Mapped[Money]
    payload_hash: Mapped[str] = mapped_column(String(64))  # tells a resend from a conflicting reuse of the uuid
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The event as received (canonical JSON): what a showroom restored from an older backup takes back.
    payload: Mapped[str | None] = mapped_column(Text, deferred=True)

    showroom: Mapped[Showroom] = relationship()
    lines: Mapped[list["RemoteSaleLine"]] = relationship(order_by="RemoteSaleLine.line_no")


class RemoteSaleLine(db.Model):
    __tablename__ = "remote_sale_lines"
    __table_args__ = (Index("ix_remote_sale_lines_product_sale", "product_id", "sale_id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("remote_sales.id"), index=True)
    line_no: Mapped[int]
    product_id: Mapped[int] = mapped_column(ForeignKey("remote_products.id"))
    # What was sold, as the showroom sold it: reports go by product_id (central's catalog), these are the record.
    sku: Mapped[str] = mapped_column(String(40), default="")
    name_vi: Mapped[str] = mapped_column(String(200), default="")
    unit_price: Mapped[Money] = mapped_column(default=0)  # VAT included; 0 on a return's line
    vat_rate: Mapped[int] = mapped_column(default=0)
    stars: Mapped[int] = mapped_column(default=0)  # as sold; 0 = sold without a valid rating
    potential_5_star: Mapped[bool] = mapped_column(default=False)
    quantity: Mapped[int]  # negative for a return
    amount: Mapped[Money]
    vat_amount: Mapped[Money]
    cost: Mapped[Money | None]  # quantity × unit cost, when the showroom knew the cost
    commission: Mapped[Money] = mapped_column(default=0)  # consignment: the showroom's commission in amount
    consignment: Mapped[bool] = mapped_column(default=False)
    serial: Mapped[str | None] = mapped_column(String(20))  # the unit's serial, for a serialized product's label


class _RatedProduct:
    """What every rollup is per, besides its day or month (and showroom): the product, and its rating as sold."""

    product_id: Mapped[int] = mapped_column(ForeignKey("remote_products.id"), primary_key=True)
    stars: Mapped[int] = mapped_column(primary_key=True)
    potential_5_star: Mapped[bool] = mapped_column(primary_key=True)


class _ProductFigures:
    """The figures every rollup carries."""

    units: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue: Mapped[int] = mapped_column(BigInteger, default=0)
    vat: Mapped[int] = mapped_column(BigInteger, default=0)
    cost: Mapped[int] = mapped_column(BigInteger, default=0)  # of the lines whose cost is known
    costed_revenue: Mapped[int] = mapped_column(BigInteger, default=0)  # revenue of those lines, for the margin
    consignment_revenue: Mapped[int] = mapped_column(BigInteger, default=0)
    commission: Mapped[int] = mapped_column(BigInteger, default=0)


# The figure columns, in order: the one list ingest writes and reports read (pos.central.rollup.Figures).
ROLLUP_FIGURES = tuple(_ProductFigures.__annotations__)

# PostgreSQL sums bigints as numeric, and making a numeric of each sum costs more than reading a showroom's month of
# rollup rows (docs/benchmarks.md). int8_sum adds them as bigints with int8pl, which raises on overflow rather than
# wrap, so a sum is exact or an error. Made by migration 0024, and here for tables made by create_all.
INT8_SUM = "CREATE OR REPLACE AGGREGATE int8_sum(bigint) (SFUNC = int8pl, STYPE = bigint)"
event.listen(db.metadata, "after_create", DDL(INT8_SUM).execute_if(dialect="postgresql"))


class whole_sum(ReturnTypeFromArgs):  # noqa: N801 - named like SQLAlchemy's func.sum
    """SUM of whole numbers as a whole number: int8_sum on PostgreSQL, sum elsewhere (SQLite's is an integer)."""

    name = "sum"
    identifier = "whole_sum"  # registered under its own name: func.sum stays SQL's sum
    inherit_cache = True


@compiles(whole_sum, "postgresql")
def _int8_sum(element, compiler, **kw):
    return f"int8_sum({compiler.process(element.clauses, **kw)})"


class SalesRollupDaily(_RatedProduct, _ProductFigures, db.Model):
    """Net sales per local day, showroom, product and star rating as sold. Reports read this (or its sums
    over months, SalesRollupMonthly, or over showrooms, ProductDaily and ProductMonthly), or the lines where a
    filter leaves few of them."""

    __tablename__ = "sales_rollup_daily"
    __table_args__ = (
        Index("ix_sales_rollup_daily_product_day", "product_id", "day"),
        Index("ix_sales_rollup_daily_showroom_day", "showroom_id", "day"),
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    showroom_id: Mapped[int] = mapped_column(ForeignKey("showrooms.id"), primary_key=True)


class ProductDaily(_RatedProduct, _ProductFigures, db.Model):
    """SalesRollupDaily summed over showrooms: reports across all showrooms read far fewer rows."""

    __tablename__ = "product_daily"
    day: Mapped[date] = mapped_column(primary_key=True)


class ProductMonthly(_RatedProduct, _ProductFigures, db.Model):
    """ProductDaily summed per calendar month (`month` is its first day): a year is twelve rows a product."""

    __tablename__ = "product_monthly"
    month: Mapped[date] = mapped_column(primary_key=True)


class SalesRollupMonthly(_RatedProduct, _ProductFigures, db.Model):
    """SalesRollupDaily summed per calendar month (`month` is its first day), per showroom: a showroom's year is
    twelve rows a product it sold, not 365."""

    __tablename__ = "sales_rollup_monthly"
    __table_args__ = (Index("ix_sales_rollup_monthly_showroom_month", "showroom_id", "month"),)
    month: Mapped[date] = mapped_column(primary_key=True)
    showroom_id: Mapped[int] = mapped_column(ForeignKey("showrooms.id"), primary_key=True)


class ShowroomDaily(db.Model):
    """Per showroom and local day: what reconciliation compares with the showroom's own books."""

    __tablename__ = "showroom_daily"
    day: Mapped[date] = mapped_column(primary_key=True)
    showroom_id: Mapped[int] = mapped_column(ForeignKey("showrooms.id"), primary_key=True)
    sales_count: Mapped[int] = mapped_column(default=0)
    sales_total: Mapped[int] = mapped_column(BigInteger, default=0)
    returns_count: Mapped[int] = mapped_column(default=0)
    returns_total: Mapped[int] = mapped_column(BigInteger, default=0)  # positive: money refunded
    vat_total: Mapped[int] = mapped_column(BigInteger, default=0)  # net of returns


class RemoteScanDaily(db.Model):
    """Per local day, showroom and product: how often shoppers opened the product's page from its QR label.
    The showroom sends its running total for a day; the latest total replaces the one before."""

    __tablename__ = "remote_scans_daily"
    __table_args__ = (
        not_negative("scans"),
        Index("ix_remote_scans_daily_product_day", "product_id", "day"),
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    showroom_id: Mapped[int] = mapped_column(ForeignKey("showrooms.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("remote_products.id"), primary_key=True)
    scans: Mapped[int]


class RemoteShiftClose(db.Model):
    __tablename__ = "remote_shift_closes"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    showroom_id: Mapped[int] = mapped_column(ForeignKey("showrooms.id"), index=True)
    closed_at: Mapped[datetime]
    payload: Mapped[str] = mapped_column(Text)
    payload_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class RefusedRequests(db.Model):
    """Requests refused before anyone could be trusted (unknown showroom, stale timestamp, bad signature),
    counted per minute, the showroom code they claimed (kept only if it is a registered one: it is a claim,
    never counted as that showroom's) and reason. Bounded: at most one row per key, pruned after a week, so a
    flood of forged requests grows a counter, not the table."""

    __tablename__ = "sync_refused_requests"
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    claimed_code: Mapped[str] = mapped_column(String(16), primary_key=True)  # "" when no registered code
    reason: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class SyncRejection(db.Model):
    """Central's log of the events it refused from an authenticated showroom: a conflicting uuid, an invalid
    payload, a return beyond its sale."""

    __tablename__ = "sync_rejections"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    showroom_code: Mapped[str] = mapped_column(String(16), default="")
    uuid: Mapped[str] = mapped_column(String(36), default="")
    reason: Mapped[str] = mapped_column(String(500))


SERIAL_FLAGS = ("sold_elsewhere", "scanned_elsewhere", "sold_not_issued")


class RemoteSerial(db.Model):
    """Every showroom's serials, as central knows them: where each was issued (a showroom's serials event) and
    where it is sold (a sale line carrying it; a return clears it). A serial issued in one showroom and sold or
    scanned at another is flagged: a copied label, or goods moved without telling anyone."""

    __tablename__ = "remote_serials"
    __table_args__ = (CheckConstraint(f"flag = '' OR {_in('flag', SERIAL_FLAGS)}", name="flag"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True)
    gtin: Mapped[str] = mapped_column(String(14), default="")
    sku: Mapped[str] = mapped_column(String(40), default="")
    lot_code: Mapped[str] = mapped_column(String(20), default="")
    issued_showroom_id: Mapped[int | None] = mapped_column(ForeignKey("showrooms.id"), index=True)
    issued_at: Mapped[datetime | None]
    sold_showroom_id: Mapped[int | None] = mapped_column(ForeignKey("showrooms.id"))
    sold_at: Mapped[datetime | None]  # the sale's time while sold; None in stock (or returned)
    sale_uuid: Mapped[str | None] = mapped_column(String(36))
    flag: Mapped[str] = mapped_column(String(20), default="")
    flagged_showroom_id: Mapped[int | None] = mapped_column(ForeignKey("showrooms.id"))
    flagged_at: Mapped[datetime | None]

    issued_showroom: Mapped[Showroom | None] = relationship(foreign_keys=[issued_showroom_id])
    sold_showroom: Mapped[Showroom | None] = relationship(foreign_keys=[sold_showroom_id])
    flagged_showroom: Mapped[Showroom | None] = relationship(foreign_keys=[flagged_showroom_id])


class RemoteSerialScanDaily(db.Model):
    """Per local day, showroom and serial: how often the serial's page was opened (running totals, as products')."""

    __tablename__ = "remote_serial_scans_daily"
    __table_args__ = (not_negative("scans"),)
    serial: Mapped[str] = mapped_column(String(20), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    showroom_id: Mapped[int] = mapped_column(ForeignKey("showrooms.id"), primary_key=True)
    scans: Mapped[int]
