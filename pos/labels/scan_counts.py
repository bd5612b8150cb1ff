"""Counting views of the public page per product, lot, serial and day (one upsert, no personal data),
and the manager's report of scans beside units sold."""

import logging
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from pos.core.clock import LOCAL_TZ, local_today
from pos.core.database import atomic, dialect_insert
from pos.core.extensions import db
from pos.models import LabelScanDaily, Product, StockMovement

log = logging.getLogger(__name__)


# Views are counted in memory and written in one transaction every SCAN_FLUSH_SECONDS (default 10;
# 0 writes each view at once), so a burst of shoppers never queues on the database's write lock.
# A crash loses at most those seconds of counts, which are statistics, not money.
_pending: Counter = Counter()
_lock = threading.Lock()
_last_flush = [time.monotonic()]


def _upsert(product_id: int, lot_code: str, serial: str, day: date, scans: int) -> None:
    """scans += n for (product, lot, serial, day), inserting the row the first time (one statement)."""
    statement = dialect_insert(LabelScanDaily).values(
        product_id=product_id, lot_code=lot_code, serial=serial, day=day, scans=scans
    )
    statement = statement.on_conflict_do_update(
        index_elements=["product_id", "lot_code", "serial", "day"],
        set_={"scans": LabelScanDaily.scans + statement.excluded.scans},
    )
    db.session.execute(statement)


def flush_scans() -> int:
    """Write the counted views; returns how many (product, lot, day) rows were touched."""
    with _lock:
        pending = dict(_pending)
        _pending.clear()
        _last_flush[0] = time.monotonic()
    if not pending:
        return 0
    try:
        with atomic():
            for (product_id, lot_code, serial, day), scans in pending.items():
                _upsert(product_id, lot_code, serial, day, scans)
    except Exception:
        with _lock:
            _pending.update(pending)
        log.warning("Label scans not written yet; will retry", exc_info=True)
        return 0
    return len(pending)


def count_scan(product_id: int, lot_code: str = "", day: date | None = None, serial: str = "") -> None:
    """One view of a product's page (no personal data: just product, lot, serial and day)."""
    interval = current_app.config["SCAN_FLUSH_SECONDS"]
    with _lock:
        _pending[(product_id, lot_code or "", serial or "", day or local_today())] += 1
        due = time.monotonic() - _last_flush[0] >= interval or len(_pending) >= 500
    if due:
        flush_scans()


def scans_report(days: int = 30, today: date | None = None) -> list[dict]:
    """Per product with scans or sales in the last `days` days: scans, units sold, scans per unit."""
    flush_scans()
    today = today or local_today()
    since = today - timedelta(days=days - 1)
    since_utc = datetime.combine(since, datetime.min.time(), LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)
    scans = dict(
        db.session.execute(
            select(LabelScanDaily.product_id, func.sum(LabelScanDaily.scans))
            .where(LabelScanDaily.day >= since)
            .group_by(LabelScanDaily.product_id)
        ).all()
    )
    sold = dict(
        db.session.execute(
            select(StockMovement.product_id, -func.sum(StockMovement.quantity))
            .where(StockMovement.kind == "sale", StockMovement.at >= since_utc)
            .group_by(StockMovement.product_id)
        ).all()
    )
    ids = set(scans) | set(sold)
    products = db.session.scalars(select(Product).where(Product.id.in_(ids))).all() if ids else []
    rows = [{"product": p, "scans": int(scans.get(p.id) or 0), "sold": int(sold.get(p.id) or 0)} for p in products]
    rows.sort(key=lambda r: (-r["scans"], -r["sold"], r["product"].sku))
    return rows
