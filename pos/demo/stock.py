"""Demo stock: one posted goods receipt per producer, with lots expiring soon, one lot already expired, two products
at their reorder point, and one producer (Lụa Vạn Phúc) consigning its goods; a posted transfer to the Cầu Giấy
showroom, and a closed demo shift in which three consigned scarves sold, so this month's consignment statement is
not empty."""

import uuid
from datetime import date, timedelta

from sqlalchemy import select

from pos.core.clock import local_today
from pos.core.extensions import db
from pos.inventory.receipts import create_receipt, post_receipt
from pos.inventory.transfers import create_transfer_out, post_transfer
from pos.models import GoodsReceipt, Product, User

# SKU → [(lot code, days until expiry, quantity)]
SPECIAL_LOTS = {
    "XPT-VO": [("XV2611A", 2, 12), ("XV2611B", 20, 15)],
    "CLV-200": [("CLV2610", -3, 4), ("CLV2611", 25, 30)],
    "STH-MUT": [("MS2609", 10, 8)],
    # two products at their reorder point (5), so the morning page has stock to act on
    "HDNT-THE": [("DT2612", 120, 3)],
    "MTPV-KHAY": [("MT2612", 1095, 4)],
}
CONSIGNING_SKUS = {"LVP-KHAN"}


def seed_stock(today: date | None = None) -> int:
    """Receive opening stock once (idempotent: skipped when any receipt exists). Returns receipts posted."""
    if db.session.scalar(select(GoodsReceipt.id).limit(1)):
        return 0
    today = today or local_today()
    manager = db.session.scalar(select(User).where(User.username == "manager"))
    by_producer: dict[int, list[dict]] = {}
    for product in db.session.scalars(select(Product).order_by(Product.id)):
        lots = SPECIAL_LOTS.get(product.sku) or [(f"{product.sku.split('-')[0]}{today:%y%m}", 365, 40)]
        consigned = product.sku in CONSIGNING_SKUS
        by_producer.setdefault(product.producer_id, []).extend(
            {
                "sku": product.sku,
                "lot_code": code,
                "quantity": str(quantity),
                "unit_cost": str(product.price * 65 // 100),
                "production_date": (today - timedelta(days=30)).isoformat(),
                "expiry_date": (today + timedelta(days=days)).isoformat(),
                "ownership": "consignment" if consigned else "purchased",
                "commission_rate": "20" if consigned else "0",
            }
            for code, days, quantity in lots
        )
    for producer_id, lines in by_producer.items():
        receipt = create_receipt(producer_id, lines, manager, note="Tồn đầu kỳ (dữ liệu mẫu)")
        post_receipt(receipt.id, manager)
    transfer = create_transfer_out(
        "CG",
        [{"sku": "CSQA-100", "quantity": "5"}, {"sku": "STH-HAT", "quantity": "4"}],
        manager,
        note="Bổ sung hàng cho điểm OCOP Cầu Giấy (dữ liệu mẫu)",
    )
    post_transfer(transfer.id, manager)
    _sell_consigned_scarves()
    return len(by_producer)


def _sell_consigned_scarves() -> None:
    """Two sales of the consigned scarves through the till's own service, in a demo shift opened and closed here."""
    from pos.checkout.sales import record_sale
    from pos.checkout.shifts import DENOMINATIONS, close_shift, current_shift, open_shift, shift_report

    cashier = db.session.scalar(select(User).where(User.username == "cashier"))
    scarf = db.session.scalar(select(Product).where(Product.sku.in_(CONSIGNING_SKUS)))
    if cashier is None or scarf is None or current_shift() is not None:
        return
    shift = open_shift(cashier, 0)
    for quantity in (2, 1):
        record_sale(
            {
                "uuid": str(uuid.uuid4()),
                "lines": [{"product_id": scarf.id, "quantity": quantity}],
                "payments": [{"method": "cash", "amount": scarf.price * quantity}],
            },
            cashier,
        )
    left, counted = shift_report(shift)["expected_cash"], {}
    for denomination in DENOMINATIONS:
        counted[str(denomination)], left = divmod(left, denomination)
    close_shift(cashier, shift.id, counted)
