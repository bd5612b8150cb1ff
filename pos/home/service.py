"""The figures of the morning page, each read the way the page it links to reads it (the day report, the shift's
X report, the low-stock and expiring-lot lists, the product list filtered by rating status, the sync page), so the
home page and that page never disagree."""

import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from pos.catalog.service import search_products
from pos.checkout.shifts import current_shift, shift_report
from pos.core.extensions import db
from pos.inventory.stock import expiring_lots, low_stock
from pos.showroom_reports.service import day_report
from pos.sync.reconcile import recent_days
from pos.sync.sender import sync_status

TOP_PRODUCTS = 5
LIST_ROWS = 5  # low stock and expiring lots: the first few, with a link to the whole list
RATING_STATUSES = ("expiring", "expired", "revoked")


@dataclass
class Figure:
    """Today's figure beside the same weekday last week's."""

    key: str
    today: int
    last_week: int

    @property
    def change(self) -> float | None:
        """Percent change against last week; None when last week had nothing to compare with."""
        return (self.today - self.last_week) * 100 / self.last_week if self.last_week else None


@dataclass
class Morning:
    today: date
    last_week_day: date
    figures: list[Figure] = field(default_factory=list)
    top_products: list = field(default_factory=list)
    shift: object = None
    shift_report: dict | None = None
    low_stock: list = field(default_factory=list)
    low_stock_count: int = 0
    expiring_lots: list = field(default_factory=list)
    expiring_lot_count: int = 0
    expiring_lot_days: int = 30
    ratings: dict = field(default_factory=dict)  # status → number of products whose latest rating is in it
    sync: object = None
    mismatched_days: list = field(default_factory=list)
    central_unreachable: bool = False


def sales_figures(today: date) -> tuple[list[Figure], list]:
    now, before = day_report(today), day_report(today - timedelta(days=7))
    figures = [
        Figure("revenue", now.revenue, before.revenue),
        Figure("sales", now.sales_count, before.sales_count),
        Figure("average", now.average_basket, before.average_basket),
        Figure("units", now.units, before.units),
    ]
    return figures, now.products[:TOP_PRODUCTS]


def rating_counts() -> dict[str, int]:
    """How many products' latest rating is expiring, expired or revoked: the product list's status filter."""
    return {
        status: db.session.scalar(select(func.count()).select_from(search_products(status=status).subquery()))
        for status in RATING_STATUSES
    }


def reconciled_days() -> list:
    """The last 7 days next to central's figures (pos/sync/reconcile.py), remembered by the app for
    HOME_RECONCILE_EVERY_S so the home page does not wait on central at every visit."""
    cache = current_app.extensions.setdefault("home_reconciled", {})
    every = current_app.config["HOME_RECONCILE_EVERY_S"]
    if "at" in cache and time.monotonic() - cache["at"] < every:
        return cache["checks"]
    checks = recent_days(7)
    cache.update(at=time.monotonic(), checks=checks)
    return checks


def morning(today: date, *, manager: bool) -> Morning:
    """What the home page shows; a cashier gets today's sales and the shift, not the stock, ratings or sync."""
    page = Morning(today=today, last_week_day=today - timedelta(days=7))
    page.shift = current_shift()
    page.shift_report = shift_report(page.shift) if page.shift else None
    if not manager:
        return page
    page.figures, page.top_products = sales_figures(today)
    low = low_stock(today=today)
    page.low_stock, page.low_stock_count = low[:LIST_ROWS], len(low)
    page.expiring_lot_days = current_app.config["EXPIRING_LOT_DAYS"]
    lots = expiring_lots(page.expiring_lot_days, today)
    page.expiring_lots, page.expiring_lot_count = lots[:LIST_ROWS], len(lots)
    page.ratings = rating_counts()
    page.sync = sync_status()
    if page.sync.configured:
        checks = reconciled_days()
        page.central_unreachable = any(check.matches is None for check in checks)
        page.mismatched_days = [check.day for check in checks if check.matches is False]
    return page
