"""Demo stock: a received lot for every demo product, some expiring soon and one already expired."""
from datetime import date, timedelta

from sqlalchemy import select

from pos.database import atomic
from pos.extensions import db
from pos.inventory.ledger import find_or_create_lot, move_stock
from pos.models import Lot, Product

# SKU → (lot code, days until expiry or None, quantity)
SPECIAL_LOTS = {
    "XPT-VO": [("XV2611A", 2, 12), ("XV2611B", 20, 15)],
    "CLV-200": [("CLV2610", -3, 4), ("CLV2611", 25, 30)],
    "STH-MUT": [("MS2609", 10, 8)],
}


def seed_stock(today: date | None = None) -> int:
    """Receive opening stock once per product (idempotent: a product with any lot is skipped)."""
    today = today or date.today()
    received = 0
    for product in db.session.scalars(select(Product).order_by(Product.id)).all():
        if db.session.scalar(select(Lot.id).where(Lot.product_id == product.id).limit(1)):
            continue
        lots = SPECIAL_LOTS.get(product.sku) or [(f"{product.sku.split('-')[0]}{today:%y%m}", 365, 40)]
        with atomic():
            for code, days, quantity in lots:
                lot = find_or_create_lot(product.id, code, production_date=today - timedelta(days=30),
                                         expiry_date=today + timedelta(days=days) if days is not None else None)
                move_stock(product.id, lot.id, quantity, "receipt", unit_cost=product.price * 65 // 100,
                           document=("receipt", "opening"), reason="opening stock (demo)")
        received += 1
    return received
