"""Counting views of the public page per product, lot and day (one upsert, no personal data),
and the manager's report of scans beside units sold."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from pos.database import atomic
from pos.extensions import db
from pos.i18n import LOCAL_TZ
from pos.models import LabelScanDaily, Product, StockMovement


def local_today() -> date:
    return datetime.now(timezone.utc).astimezone(LOCAL_TZ).date()


def count_scan(product_id: int, lot_code: str = "", day: date | None = None) -> None:
    """scans += 1 for (product, lot, day), inserting the row the first time (one statement)."""
    day = day or local_today()
    values = dict(product_id=product_id, lot_code=lot_code or "", day=day, scans=1)
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(LabelScanDaily).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["product_id", "lot_code", "day"],
        set_={"scans": LabelScanDaily.scans + 1})
    with atomic():
        db.session.execute(statement)


def scans_report(days: int = 30, today: date | None = None) -> list[dict]:
    """Per product with scans or sales in the last `days` days: scans, units sold, scans per unit."""
    today = today or local_today()
    since = today - timedelta(days=days - 1)
    since_utc = datetime.combine(since, datetime.min.time(), LOCAL_TZ).astimezone(timezone.utc).replace(tzinfo=None)
    scans = dict(db.session.execute(
        select(LabelScanDaily.product_id, func.sum(LabelScanDaily.scans))
        .where(LabelScanDaily.day >= since).group_by(LabelScanDaily.product_id)).all())
    sold = dict(db.session.execute(
        select(StockMovement.product_id, -func.sum(StockMovement.quantity))
        .where(StockMovement.kind == "sale", StockMovement.at >= since_utc)
        .group_by(StockMovement.product_id)).all())
    ids = set(scans) | set(sold)
    products = db.session.scalars(select(Product).where(Product.id.in_(ids))).all() if ids else []
    rows = [{"product": p, "scans": int(scans.get(p.id) or 0), "sold": int(sold.get(p.id) or 0)} for p in products]
    rows.sort(key=lambda r: (-r["scans"], -r["sold"], r["product"].sku))
    return rows
