"""The shop manager's own reports, from the showroom's database: they work without central.

Gross profit (lãi gộp) of a day's sales, per product and in total: for goods the showroom owns, what they sold for
less their cost at the weighted-average cost the sale recorded on its line (pos/inventory/valuation.py's rule, read
when the sale took the stock); for consigned goods, the showroom's commission on them (the lot's rate of what they
sold for, rounded half up per movement, as pos/inventory/consignment.py and the sale itself reckon it). A line of
owned goods with no cost on record (nothing was ever received at a cost) has no profit to show: its product's
profit is left blank and the total counts only what is known. Returns are the refunds line, as for revenue."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from pos.core.clock import utc_bounds
from pos.core.extensions import db
from pos.core.money import round_half_up_div
from pos.models import Lot, Payment, Product, Sale, SaleLine, SaleReturn, StockMovement


@dataclass
class ProductRow:
    sku: str
    name_vi: str
    stars: int | None
    units: int
    revenue: int
    profit: int | None = None


@dataclass
class DayReport:
    day: date
    sales_count: int
    revenue: int
    units: int
    vat: int
    refunds: int
    cash_rounding: int  # sales' cash rounding less cash refunds': the payments are revenue + this − refunds
    by_method: dict
    vat_by_rate: dict
    products: list  # ProductRow: sku, name_vi, stars, units, revenue, profit (None: a cost unknown)

    @property
    def gross_profit(self) -> int:
        """The known profit of the day's sales (products with an unknown cost left out)."""
        return sum(row.profit for row in self.products if row.profit is not None)

    @property
    def costed_revenue(self) -> int:
        return sum(row.revenue for row in self.products if row.profit is not None)

    @property
    def margin_percent(self) -> float | None:
        return 100 * self.gross_profit / self.costed_revenue if self.costed_revenue else None

    @property
    def uncosted(self) -> bool:
        return any(row.profit is None for row in self.products)

    @property
    def net(self) -> int:
        return self.revenue - self.refunds

    @property
    def average_basket(self) -> int:
        return self.revenue // self.sales_count if self.sales_count else 0


def day_report(day: date, shift_id: int | None = None) -> DayReport:
    start, end = utc_bounds(day)
    in_scope = [Sale.created_at >= start, Sale.created_at < end]
    if shift_id:
        in_scope = [Sale.shift_id == shift_id]
    count, revenue, vat, sales_rounding = db.session.execute(
        select(
            func.count(Sale.id),
            func.coalesce(func.sum(Sale.total), 0),
            func.coalesce(func.sum(Sale.vat_total), 0),
            func.coalesce(func.sum(Sale.cash_rounding), 0),
        ).where(*in_scope)
    ).one()
    units = db.session.scalar(select(func.coalesce(func.sum(SaleLine.quantity), 0)).join(Sale).where(*in_scope))
    by_method = dict(
        db.session.execute(
            select(Payment.method, func.sum(Payment.amount)).join(Sale).where(*in_scope).group_by(Payment.method)
        ).all()
    )
    vat_by_rate = dict(
        db.session.execute(
            select(SaleLine.vat_rate, func.sum(SaleLine.vat_amount))
            .join(Sale)
            .where(*in_scope)
            .group_by(SaleLine.vat_rate)
        ).all()
    )
    products = [
        ProductRow(*row)
        for row in db.session.execute(
            select(
                SaleLine.sku,
                SaleLine.name_vi,
                func.max(SaleLine.stars).label("stars"),
                func.sum(SaleLine.quantity).label("units"),
                func.sum(SaleLine.amount).label("revenue"),
            )
            .join(Sale)
            .where(*in_scope)
            .group_by(SaleLine.sku, SaleLine.name_vi)
            .order_by(func.sum(SaleLine.amount).desc())
        ).all()
    ]
    profits = gross_profit_by_sku(in_scope)
    for row in products:
        row.profit = profits.get(row.sku)
    return_scope = (
        [SaleReturn.shift_id == shift_id] if shift_id else [SaleReturn.created_at >= start, SaleReturn.created_at < end]
    )
    refunds, refunds_rounding = db.session.execute(
        select(
            func.coalesce(func.sum(SaleReturn.total), 0), func.coalesce(func.sum(SaleReturn.cash_rounding), 0)
        ).where(*return_scope)
    ).one()
    return DayReport(
        day=day,
        sales_count=count,
        revenue=revenue,
        units=units,
        vat=vat,
        refunds=refunds,
        cash_rounding=sales_rounding - refunds_rounding,
        by_method=by_method,
        vat_by_rate=vat_by_rate,
        products=products,
    )


def gross_profit_by_sku(in_scope: list) -> dict[str, int | None]:
    """sku → gross profit of the sales in scope; None for a product with owned units sold at no known cost.
    Read from the stock the sales took (their movements, each from one lot: owned or consigned at a rate)."""
    line_cost = (
        select(SaleLine.unit_cost)
        .where(SaleLine.sale_id == Sale.id, SaleLine.product_id == StockMovement.product_id)
        .order_by(SaleLine.line_no)
        .limit(1)
        .correlate(Sale, StockMovement)
        .scalar_subquery()
    )
    movements = db.session.execute(
        select(
            Product.sku,
            -StockMovement.quantity,
            func.coalesce(StockMovement.amount, 0),
            Lot.ownership,
            Lot.commission_rate,
            line_cost,
        )
        .join(Sale, (StockMovement.document_type == "sale") & (StockMovement.document_id == Sale.uuid))
        .join(Lot, Lot.id == StockMovement.lot_id)
        .join(Product, Product.id == StockMovement.product_id)
        .where(StockMovement.kind == "sale", *in_scope)
    ).all()
    profits: dict[str, int | None] = {}
    for sku, units, amount, ownership, rate, unit_cost in movements:
        if ownership == "consignment":
            profit = round_half_up_div(amount * (rate or 0), 100)
        elif unit_cost is None:
            profit = None
        else:
            profit = amount - units * unit_cost
        known = profits.get(sku, 0)
        profits[sku] = None if profit is None or known is None else known + profit
    return profits
