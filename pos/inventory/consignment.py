"""Consignment settlement (đối soát hàng ký gửi): what the showroom owes a producer for their consigned goods sold.

For a producer and a period of local dates (Asia/Ho_Chi_Minh, both days included; times are stored in UTC):
sale and return movements on that producer's consignment lots. Units are sales minus returns; revenue is the
movements' `amount` (the money the goods moved for, after discounts), returns taking theirs back. Commission is
the lot's commission rate (percent) of the revenue, rounded half up to whole đồng once per product and rate —
so the statement's rows add up to its total exactly; the amount payable is revenue − commission.

Settling stores the figures and links every movement it covers (a movement's link is its primary key), so a
movement settled once is left out of every later statement: an overlapping period counts only the sales not
yet settled, and a double click settles once."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pos.catalog.service import parse_date
from pos.core.audit import record_audit
from pos.core.clock import utc_bounds
from pos.core.database import atomic
from pos.core.errors import Conflict, NotFound, Text, ValidationError, problem_list
from pos.core.extensions import db
from pos.core.money import round_half_up_div
from pos.inventory.documents import RowTotal
from pos.inventory.problems import field_name
from pos.models import (
    ConsignmentSettlement,
    ConsignmentSettlementMovement,
    Lot,
    Producer,
    Product,
    StockMovement,
)

MAX_DAYS = 3660


class Payable:
    """A row's or a statement's `payable`: what the producer is owed, the revenue less the showroom's commission."""

    @property
    def payable(self) -> int:
        return self.revenue - self.commission


@dataclass
class StatementRow(Payable):
    product: Product
    commission_rate: int
    units: int = 0
    revenue: int = 0

    @property
    def commission(self) -> int:
        return commission_of(self.revenue, self.commission_rate)


@dataclass
class Statement(Payable):
    producer: Producer
    date_from: date
    date_to: date
    rows: list[StatementRow]
    stock: list[tuple[Product, Lot]]  # consigned lots still on the shelf
    movement_ids: list[int] = field(default_factory=list)

    units = RowTotal("units")
    revenue = RowTotal("revenue")
    commission = RowTotal("commission")

    @property
    def units_on_hand(self) -> int:
        return sum(lot.on_hand for _, lot in self.stock)


def commission_of(revenue: int, rate: int) -> int:
    """rate percent of revenue, whole đồng, half rounded away from zero (a net refund gives a negative one)."""
    if revenue < 0:
        return -round_half_up_div(-revenue * rate, 100)
    return round_half_up_div(revenue * rate, 100)


def clean_period(producer_id, date_from, date_to) -> tuple[Producer, date, date]:
    errors: dict = {}
    producer = db.session.get(Producer, producer_id) if isinstance(producer_id, int) else None
    if producer is None:
        errors["producer_id"] = Text("choose the producer")
    start = parse_date(date_from, "date_from", errors)
    end = parse_date(date_to, "date_to", errors)
    if start and end and end < start:
        errors["date_to"] = Text("before the start of the period")
    elif start and end and (end - start).days > MAX_DAYS:
        errors["date_to"] = Text("a period of at most ten years")
    if start and start.year < 2000:
        errors["date_from"] = Text("not before 2000")
    if end and end.year > 2999:
        errors["date_to"] = Text("not after 2999")
    if errors:
        raise ValidationError(
            "Statement not made: %(problems)s.", problems=problem_list(errors, field_name), fields=errors
        )
    return producer, start, end


def consigning_producers() -> list[Producer]:
    """Producers with goods ever received on consignment."""
    return db.session.scalars(
        select(Producer)
        .where(
            Producer.id.in_(
                select(Product.producer_id)
                .join(Lot, Lot.product_id == Product.id)
                .where(Lot.ownership == "consignment")
            )
        )
        .order_by(Producer.name)
    ).all()


def consignment_statement(producer_id, date_from, date_to) -> Statement:
    """The statement of the sales not yet settled, for the producer's consigned goods in the period."""
    producer, start, end = clean_period(producer_id, date_from, date_to)
    since, _ = utc_bounds(start)
    _, until = utc_bounds(end)
    settled = (
        select(ConsignmentSettlementMovement.movement_id)
        .where(ConsignmentSettlementMovement.movement_id == StockMovement.id)
        .exists()
    )
    movements = db.session.execute(
        select(StockMovement.id, *_STATEMENT_COLUMNS)
        .join(Lot, Lot.id == StockMovement.lot_id)
        .join(Product, Product.id == StockMovement.product_id)
        .where(
            Product.producer_id == producer.id,
            Lot.ownership == "consignment",
            StockMovement.kind.in_(("sale", "return")),
            StockMovement.at >= since,
            StockMovement.at < until,
            ~settled,
        )
        .order_by(StockMovement.id)
    ).all()
    stock = db.session.execute(
        select(Product, Lot)
        .join(Lot, Lot.product_id == Product.id)
        .where(Product.producer_id == producer.id, Lot.ownership == "consignment", Lot.on_hand > 0)
        .order_by(Product.name_vi, Lot.expiry_date, Lot.id)
    ).all()
    return Statement(
        producer,
        start,
        end,
        _rows(movements),
        [tuple(row) for row in stock],
        [m.id for m in movements],
    )


# What a statement reads of each consigned movement (its lot joined), for _rows.
_STATEMENT_COLUMNS = (
    StockMovement.product_id,
    StockMovement.kind,
    StockMovement.quantity,
    func.coalesce(StockMovement.amount, 0).label("amount"),
    Lot.commission_rate,
)


def _rows(movements) -> list[StatementRow]:
    """Movements (product_id, kind, quantity, amount, commission_rate) → one row per product and rate."""
    product_ids = {m.product_id for m in movements}
    products = {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(product_ids)))}
    rows: dict[tuple[int, int], StatementRow] = {}
    for m in movements:
        key = (m.product_id, m.commission_rate)
        row = rows.setdefault(key, StatementRow(products[m.product_id], m.commission_rate))
        row.units -= m.quantity  # a sale takes stock out (negative quantity), a return puts it back
        row.revenue += m.amount if m.kind == "sale" else -m.amount
    return sorted(rows.values(), key=lambda r: (r.product.name_vi, r.commission_rate))


def settle(producer_id, date_from, date_to, user, *, expected_revenue=None) -> ConsignmentSettlement:
    """Store the statement as settled and link its movements, in one transaction. `expected_revenue` is the
    revenue the manager saw: if sales came in since, the statement changed and is shown again instead."""
    try:
        with atomic():
            statement = consignment_statement(producer_id, date_from, date_to)
            if not statement.movement_ids:
                raise Conflict(
                    "Nothing to settle: every sale of this period is already settled.",
                    fields={"period": "already settled"},
                )
            if expected_revenue not in (None, "") and str(expected_revenue).strip() != str(statement.revenue):
                raise Conflict(
                    "The statement changed since it was shown (new sales or returns). Check it again.",
                    fields={"revenue": "changed"},
                )
            count = db.session.scalar(select(func.count(ConsignmentSettlement.id))) + 1
            settlement = ConsignmentSettlement(
                number=f"DS-{count:06d}",
                producer_id=statement.producer.id,
                period_from=statement.date_from,
                period_to=statement.date_to,
                units=statement.units,
                revenue=statement.revenue,
                commission=statement.commission,
                payable=statement.payable,
                settled_by_id=user.id,
            )
            db.session.add(settlement)
            db.session.flush()
            db.session.execute(
                ConsignmentSettlementMovement.__table__.insert(),
                [{"settlement_id": settlement.id, "movement_id": m} for m in statement.movement_ids],
            )
            record_audit(
                "settle",
                "consignment",
                settlement.number,
                user=user,
                after={
                    "producer_id": settlement.producer_id,
                    "revenue": settlement.revenue,
                    "payable": settlement.payable,
                    "movements": len(statement.movement_ids),
                },
            )
    except IntegrityError:  # another desk settled the same sales at the same moment
        raise Conflict("These sales were just settled by someone else.", fields={"period": "already settled"}) from None
    return settlement


def settlement_statement(settlement_id: int) -> tuple[ConsignmentSettlement, list[StatementRow]]:
    """A stored settlement with the rows of the movements it covers."""
    settlement = db.session.get(ConsignmentSettlement, settlement_id)
    if settlement is None:
        raise NotFound("No such settlement.")
    movements = db.session.execute(
        select(*_STATEMENT_COLUMNS)
        .join(ConsignmentSettlementMovement, ConsignmentSettlementMovement.movement_id == StockMovement.id)
        .join(Lot, Lot.id == StockMovement.lot_id)
        .where(ConsignmentSettlementMovement.settlement_id == settlement.id)
    ).all()
    return settlement, _rows(movements)


def settlements(producer_id: int | None = None, limit: int = 500) -> list[ConsignmentSettlement]:
    query = select(ConsignmentSettlement).order_by(ConsignmentSettlement.id.desc()).limit(limit)
    if producer_id:
        query = query.where(ConsignmentSettlement.producer_id == producer_id)
    return db.session.scalars(query).all()
