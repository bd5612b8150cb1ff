"""What expires soon, and writing expired or damaged goods off."""
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from pos.audit import record_audit
from pos.database import atomic
from pos.errors import NotFound, ValidationError
from pos.extensions import db
from pos.inventory.ledger import move_stock
from pos.models import Lot


def expiring_lots(within_days: int, today: date | None = None) -> list[Lot]:
    today = today or date.today()
    return db.session.scalars(
        select(Lot).where(Lot.on_hand > 0, Lot.expiry_date.is_not(None),
                          Lot.expiry_date <= today + timedelta(days=within_days))
        .options(joinedload(Lot.product)).order_by(Lot.expiry_date, Lot.id)).all()


def write_off_lot(lot_id: int, user, reason: str = "") -> int:
    """Take a lot's whole remaining quantity off the shelf as a write-off movement. Returns the quantity."""
    with atomic():
        lot = db.session.get(Lot, lot_id)
        if lot is None:
            raise NotFound("No such lot.")
        quantity = lot.on_hand
        if quantity <= 0:
            raise ValidationError(f"Lot {lot.code or '—'} has nothing left to write off.", fields={"lot": "empty"})
        move_stock(lot.product_id, lot.id, -quantity, "write_off", document=("lot", lot.id), user_id=user.id,
                   reason=reason or ("expired" if lot.expiry_date and lot.expiry_date < date.today() else "damaged"))
        record_audit("write_off", "lot", lot.id, after={"quantity": quantity, "product_id": lot.product_id}, user=user)
    return quantity
