"""What expires soon, and writing expired or damaged goods off."""

from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select

from pos.core.audit import record_audit
from pos.core.clock import local_today
from pos.core.database import atomic
from pos.core.errors import NotFound, ValidationError
from pos.core.extensions import db
from pos.inventory.ledger import move_stock
from pos.inventory.valuation import PRODUCT_COLUMNS, ProductRef
from pos.models import Lot, Product


class ExpiringLot(NamedTuple):
    id: int
    code: str
    expiry_date: date
    on_hand: int
    product: ProductRef


def expiring_lots(within_days: int, today: date | None = None) -> list[ExpiringLot]:
    """Lots with stock expiring by `within_days` from today (expired ones too), soonest first. Plain rows, not
    entities: a showroom's list runs to thousands of lots, and loading each as a Lot with its Product took
    most of the page's time."""
    today = today or local_today()
    rows = db.session.execute(
        select(Lot.id, Lot.code, Lot.expiry_date, Lot.on_hand, *PRODUCT_COLUMNS)
        .join(Product, Product.id == Lot.product_id)
        .where(Lot.on_hand > 0, Lot.expiry_date.is_not(None), Lot.expiry_date <= today + timedelta(days=within_days))
        .order_by(Lot.expiry_date, Lot.id)
    )
    return [
        ExpiringLot(lot_id, code, expiry, on_hand, ProductRef(product_id, sku, name))
        for lot_id, code, expiry, on_hand, product_id, sku, name in rows
    ]


def write_off_lot(lot_id: int, user, reason: str = "") -> int:
    """Take a lot's whole remaining quantity off the shelf as a write-off movement. Returns the quantity."""
    with atomic():
        lot = db.session.get(Lot, lot_id)
        if lot is None:
            raise NotFound("No such lot.")
        quantity = lot.on_hand
        if quantity <= 0:
            raise ValidationError(
                "Lot %(lot)s has nothing left to write off.", lot=lot.code or "—", fields={"lot": "empty"}
            )
        move_stock(
            lot.product_id,
            lot.id,
            -quantity,
            "write_off",
            document=("lot", lot.id),
            user_id=user.id,
            reason=reason or ("expired" if lot.expiry_date and lot.expiry_date < local_today() else "damaged"),
        )
        record_audit("write_off", "lot", lot.id, after={"quantity": quantity, "product_id": lot.product_id}, user=user)
    return quantity


def low_stock(days: int = 30, today: date | None = None) -> list[dict]:
    """Products at or below their reorder point, with what sold a day over the last `days` days."""
    from sqlalchemy import func

    from pos.models import Product, StockLevel, StockMovement

    since = datetime.combine((today or local_today()) - timedelta(days=days), datetime.min.time())
    sold = (
        select(StockMovement.product_id, (-func.sum(StockMovement.quantity)).label("units"))
        .where(StockMovement.kind == "sale", StockMovement.at >= since)
        .group_by(StockMovement.product_id)
        .subquery()
    )
    on_hand = func.coalesce(StockLevel.on_hand, 0)
    rows = db.session.execute(
        select(Product, on_hand.label("on_hand"), func.coalesce(sold.c.units, 0).label("sold"))
        .outerjoin(StockLevel, StockLevel.product_id == Product.id)
        .outerjoin(sold, sold.c.product_id == Product.id)
        .where(Product.active.is_(True), Product.reorder_point > 0, on_hand <= Product.reorder_point)
        .order_by(on_hand, Product.name_vi)
    ).all()
    return [
        {
            "product": p,
            "on_hand": left,
            "per_day": round(units / days, 1),
            "days_left": round(left / (units / days), 1) if units else None,
        }
        for p, left, units in rows
    ]
