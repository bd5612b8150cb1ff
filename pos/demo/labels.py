"""Demo data for labels: two lots with dates (one of them expired, to show the shopper's warning)
and a few days of scan counts. Safe to run twice."""

from datetime import date, timedelta

from sqlalchemy import select

from pos.core.clock import local_today
from pos.core.database import atomic
from pos.core.extensions import db
from pos.inventory.ledger import find_or_create_lot
from pos.labels.scan_counts import count_scan, flush_scans
from pos.models import LabelScanDaily, Product

DEMO_LOTS = (("CSQA-100", "QA2606", -150, 570), ("XPT-VO", "PT0101", -10, -2))


def seed_labels(today: date | None = None) -> int:
    today = today or local_today()
    created = 0
    for sku, code, produced, expires in DEMO_LOTS:
        product = db.session.scalar(select(Product).where(Product.sku == sku))
        if product is None:
            continue
        with atomic():
            find_or_create_lot(
                product.id,
                code,
                production_date=today + timedelta(days=produced),
                expiry_date=today + timedelta(days=expires),
            )
        created += 1
    if db.session.scalar(select(LabelScanDaily.id).limit(1)) is None:
        products = db.session.scalars(select(Product).order_by(Product.id).limit(6)).all()
        for index, product in enumerate(products):
            for day in range(7):
                for _ in range((index * 3 + day) % 5 + 1):
                    count_scan(product.id, "", today - timedelta(days=day))
        flush_scans()
    return created
