"""Do central's numbers match ours? Per local day: our count and total of sales and returns next to
what central says it received (GET /api/v1/sync/reconcile)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from pos.core.clock import LOCAL_TZ, utc_bounds
from pos.core.extensions import db
from pos.models import Sale, SaleReturn
from pos.sync.client import CentralClient, CentralUnavailable

FIGURES = ("sales_count", "sales_total", "returns_count", "returns_total")


@dataclass
class DayCheck:
    day: date
    ours: dict
    central: dict | None  # None: central could not be asked

    @property
    def matches(self) -> bool | None:
        if self.central is None:
            return None
        return all(self.ours[f] == self.central.get(f) for f in FIGURES)


def local_figures(day: date) -> dict:
    start, end = utc_bounds(day)
    sales = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Sale.total), 0)).where(
            Sale.created_at >= start, Sale.created_at < end
        )
    ).one()
    returns = db.session.execute(
        select(func.count(), func.coalesce(func.sum(SaleReturn.total), 0)).where(
            SaleReturn.created_at >= start, SaleReturn.created_at < end
        )
    ).one()
    return {
        "sales_count": sales[0],
        "sales_total": int(sales[1]),
        "returns_count": returns[0],
        "returns_total": int(returns[1]),
    }


def recent_days(days: int = 7, client: CentralClient | None = None) -> list[DayCheck]:
    today = datetime.now(LOCAL_TZ).date()
    checks, reachable = [], True
    for offset in range(days):
        day = today - timedelta(days=offset)
        central = None
        if reachable:
            try:
                central = (client or CentralClient.from_config()).reconcile(day.isoformat())
            except CentralUnavailable:
                reachable = False  # one failure is enough: don't wait on every day's timeout
        checks.append(DayCheck(day, local_figures(day), central))
    return checks
