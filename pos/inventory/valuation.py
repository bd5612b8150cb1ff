"""Stock value at weighted-average cost (giá vốn bình quân gia quyền), now and as of a past date.

Now: each product's StockLevel.on_hand × StockLevel.average_cost, as the ledger keeps them.

As of a date D (a local Asia/Ho_Chi_Minh day, counted to its end): the ledger is replayed from its first
movement, product by product, over every movement recorded before local midnight after D, in the order the
ledger applied them (movement id). The rule is exactly pos.inventory.ledger.move_stock's:

    quantity on hand  q ← q + movement.quantity                         (every kind, signed)
    average cost      a ← round((q × a + n × c) / (q + n))              (only movements bringing n > 0 units
                                                                          in with a unit cost c: receipts and
                                                                          transfers in)

with q and a taken before the movement and Python's round() on the quotient, like move_stock. Movements out
(sales, write-offs, transfers out, reversing receipts) and counts or returns without a cost change q, never a.
The value as of D is q × a per product, summed for the total. Because it is the same rule over the same
movements, the value as of today equals the value now. Nothing is replayed when a valuation is asked for:
move_stock keeps each costed movement's resulting average on the row (see ledger_positions)."""

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import func, select

from pos.core.clock import utc_bounds
from pos.core.extensions import db
from pos.inventory.documents import RowTotal
from pos.models import Product, StockLevel, StockMovement

PRODUCT_COLUMNS = (Product.id, Product.sku, Product.name_vi)


class ProductRef(NamedTuple):
    id: int
    sku: str
    name_vi: str


@dataclass
class ValuationRow:
    product: ProductRef
    on_hand: int
    average_cost: int

    @property
    def value(self) -> int:
        return self.on_hand * self.average_cost


@dataclass
class Valuation:
    as_of: date | None  # None: now
    rows: list[ValuationRow]

    total = RowTotal("value")
    units = RowTotal("on_hand")


def valuation_now() -> Valuation:
    rows = db.session.execute(
        select(*PRODUCT_COLUMNS, StockLevel.on_hand, StockLevel.average_cost)
        .join(StockLevel, StockLevel.product_id == Product.id)
        .where(StockLevel.on_hand != 0)
        .order_by(Product.sku)
    ).all()
    return Valuation(
        None, [ValuationRow(ProductRef(row.id, row.sku, row.name_vi), row.on_hand, row.average_cost) for row in rows]
    )


def ledger_positions(day: date) -> dict[int, tuple[int, int]]:
    """product id → (quantity on hand, weighted-average cost) at the end of local day `day`, from the ledger.

    The quantity is the sum of the product's movements before local midnight after `day`; the average cost is
    the one its last movement bringing goods in at a cost left (`average_cost_after`, set by move_stock as it
    applies the rule above), or 0. The sums and each product's last costed movement are found in
    ix_stock_movements_product_at alone; of the movements themselves only those last ones are read. This equals
    replaying the ledger because goods come in at a cost only through move_stock, stamped with the time they are
    recorded: no movement recorded before one of them is dated after it. (A sale recovered after a restore keeps
    its own earlier time, but takes goods out and moves no average.)"""
    _, until = utc_bounds(day)
    movements = StockMovement.__table__.c
    connection = db.session.connection()
    quantities = connection.execute(
        select(movements.product_id, func.sum(movements.quantity))
        .where(movements.at < until)
        .group_by(movements.product_id)
    )
    positions = {product_id: (on_hand, 0) for product_id, on_hand in quantities}
    # SQLite and PostgreSQL alike: each product's costed movement with the highest id before the moment.
    last_costed = (
        select(func.max(movements.id))
        .where(movements.at < until, movements.average_cost_after.is_not(None))
        .group_by(movements.product_id)
    )
    averages = connection.execute(
        select(movements.product_id, movements.average_cost_after).where(movements.id.in_(last_costed))
    )
    for product_id, average_cost in averages:
        positions[product_id] = (positions[product_id][0], average_cost)
    return positions


def valuation_as_of(day: date) -> Valuation:
    positions = {pid: (on_hand, cost) for pid, (on_hand, cost) in ledger_positions(day).items() if on_hand != 0}
    # Most products hold stock: reading the three columns of all of them beats a long IN (…) list.
    products = db.session.connection().execute(select(*PRODUCT_COLUMNS).order_by(Product.sku))
    return Valuation(day, [ValuationRow(ProductRef(*p), *positions[p.id]) for p in products if p.id in positions])
