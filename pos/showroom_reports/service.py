"""The shop manager's own reports, from the showroom's database: they work without central."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from pos.core.clock import utc_bounds
from pos.core.extensions import db
from pos.models import Payment, Sale, SaleLine, SaleReturn


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
    products: list

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
    products = db.session.execute(
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
