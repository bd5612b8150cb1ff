"""Demo stock: one posted goods receipt per producer, with lots expiring soon, one lot already expired,
and one producer (Lụa Vạn Phúc) consigning its goods."""
from datetime import date, timedelta

from sqlalchemy import select

from pos.extensions import db
from pos.inventory.receipts import create_receipt, post_receipt
from pos.models import GoodsReceipt, Product, User

# SKU → [(lot code, days until expiry, quantity)]
SPECIAL_LOTS = {
    "XPT-VO": [("XV2611A", 2, 12), ("XV2611B", 20, 15)],
    "CLV-200": [("CLV2610", -3, 4), ("CLV2611", 25, 30)],
    "STH-MUT": [("MS2609", 10, 8)],
}
CONSIGNING_SKUS = {"LVP-KHAN"}


def seed_stock(today: date | None = None) -> int:
    """Receive opening stock once (idempotent: skipped when any receipt exists). Returns receipts posted."""
    if db.session.scalar(select(GoodsReceipt.id).limit(1)):
        return 0
    today = today or date.today()
    manager = db.session.scalar(select(User).where(User.username == "manager"))
    by_producer: dict[int, list[dict]] = {}
    for product in db.session.scalars(select(Product).order_by(Product.id)):
        lots = SPECIAL_LOTS.get(product.sku) or [(f"{product.sku.split('-')[0]}{today:%y%m}", 365, 40)]
        consigned = product.sku in CONSIGNING_SKUS
        by_producer.setdefault(product.producer_id, []).extend(
            {"sku": product.sku, "lot_code": code, "quantity": str(quantity),
             "unit_cost": str(product.price * 65 // 100), "production_date": (today - timedelta(days=30)).isoformat(),
             "expiry_date": (today + timedelta(days=days)).isoformat(),
             "ownership": "consignment" if consigned else "purchased", "commission_rate": "20" if consigned else "0"}
            for code, days, quantity in lots)
    for producer_id, lines in by_producer.items():
        receipt = create_receipt(producer_id, lines, manager, note="Tồn đầu kỳ (dữ liệu mẫu)")
        post_receipt(receipt.id, manager)
    return len(by_producer)
