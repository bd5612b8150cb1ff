"""The one way stock changes. Call inside `atomic()`: each movement row and the on-hand figures
(per lot and per product) change together, so on-hand always equals the sum of the ledger.

Stock is taken with conditional UPDATEs (`… WHERE on_hand >= :qty`), which serialise on the row
in PostgreSQL and under SQLite's write lock, and the CHECK (on_hand >= 0) constraints back them up:
two tills selling the last unit at once cannot both succeed."""
from datetime import date

from sqlalchemy import or_, select, update
from sqlalchemy.orm.util import identity_key

from pos.database import dialect_insert
from pos.errors import OutOfStock, ValidationError
from pos.extensions import db
from pos.models import Lot, Product, StockLevel, StockMovement


def _ensure_stock_level(product_id: int) -> None:
    db.session.execute(dialect_insert(StockLevel).values(product_id=product_id, on_hand=0, average_cost=0)
                       .on_conflict_do_nothing(index_elements=["product_id"]))


def find_or_create_lot(product_id: int, code: str = "", *, ownership: str = "purchased",
                       production_date: date | None = None, expiry_date: date | None = None,
                       commission_rate: int = 0) -> Lot:
    lot = db.session.scalar(select(Lot).where(Lot.product_id == product_id, Lot.code == code,
                                              Lot.ownership == ownership))
    if lot is None:
        lot = Lot(product_id=product_id, code=code, ownership=ownership, production_date=production_date,
                  expiry_date=expiry_date, commission_rate=commission_rate, on_hand=0)
        db.session.add(lot)
        db.session.flush()
    elif expiry_date and lot.expiry_date and lot.expiry_date != expiry_date:
        raise ValidationError(f"Lot {code} is already recorded with expiry {lot.expiry_date.isoformat()}.",
                              fields={"expiry_date": "differs from the lot already recorded"})
    return lot


def _short(product_id: int, wanted: int, left: int | None = None) -> OutOfStock:
    product = db.session.get(Product, product_id)
    if left is None:
        left = db.session.scalar(select(StockLevel.on_hand).where(StockLevel.product_id == product_id)) or 0
    name = product.name_vi if product else f"#{product_id}"
    return OutOfStock(f"Not enough stock of {name}: {wanted} wanted, {left} left.",
                      fields={"quantity": f"only {left} left"})


def move_stock(product_id: int, lot_id: int, quantity: int, kind: str, *, unit_cost: int | None = None,
               amount: int | None = None, document: tuple[str, object] = ("", ""), user_id: int | None = None,
               reason: str = "") -> StockMovement:
    """Record one movement and apply it to the lot and the product's level. Raises OutOfStock
    if it would take either below zero."""
    if not isinstance(quantity, int) or quantity == 0:
        raise ValidationError("A stock movement needs a non-zero whole quantity.", fields={"quantity": "invalid"})
    if quantity > 0:
        _ensure_stock_level(product_id)  # taking stock needs no new row: without one the update below refuses
    if quantity > 0 and unit_cost is not None:
        level = db.session.scalar(select(StockLevel).where(StockLevel.product_id == product_id).with_for_update())
        db.session.refresh(level)
        total = level.on_hand + quantity
        level.average_cost = round((level.on_hand * level.average_cost + quantity * unit_cost) / total)
        db.session.flush()
    for model, key in ((Lot, Lot.id == lot_id), (StockLevel, StockLevel.product_id == product_id)):
        result = db.session.execute(
            update(model).where(key, model.on_hand + quantity >= 0)
            .values(on_hand=model.on_hand + quantity).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise _short(product_id, -quantity)
    movement = StockMovement(product_id=product_id, lot_id=lot_id, quantity=quantity, kind=kind,
                             unit_cost=unit_cost, amount=amount, document_type=document[0], document_id=str(document[1]),
                             user_id=user_id, reason=reason)
    db.session.add(movement)
    db.session.flush()
    # Objects already loaded still hold the old figures; reload them on next access.
    for model, key in ((Lot, lot_id), (StockLevel, product_id)):
        loaded = db.session.identity_map.get(identity_key(model, key))
        if loaded is not None:
            db.session.expire(loaded, ["on_hand"])
    return movement


def sellable_lots(product_id: int, today: date | None = None):
    """Lots that may be sold, the one expiring first first (FEFO); expired lots are never sold."""
    today = today or date.today()
    return db.session.scalars(
        select(Lot).where(Lot.product_id == product_id, Lot.on_hand > 0,
                          or_(Lot.expiry_date.is_(None), Lot.expiry_date >= today))
        .order_by(Lot.expiry_date.is_(None), Lot.expiry_date, Lot.id)
    ).all()


def take_stock(product_id: int, quantity: int, *, kind: str = "sale", document: tuple[str, object] = ("", ""),
               user_id: int | None = None, lot_code: str | None = None, amount: int | None = None,
               reason: str = "", today: date | None = None, unit_cost: int | None = None) -> list[StockMovement]:
    """Take `quantity` units out by FEFO (or from the named lot first), one movement per lot touched;
    `amount` (a sale's line amount) is split over those movements by quantity, the rest on the last.
    `unit_cost` is only recorded on the movements (a transfer's cost); taking stock never changes the average.
    Raises OutOfStock naming the product and what is left if the sellable stock is short."""
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationError("Quantity must be a whole number above zero.", fields={"quantity": "invalid"})
    lots = sellable_lots(product_id, today)
    if lot_code is not None:
        lots.sort(key=lambda lot: lot.code != lot_code)
    if sum(lot.on_hand for lot in lots) < quantity:
        raise _short(product_id, quantity, sum(lot.on_hand for lot in lots))
    movements, remaining, amount_left = [], quantity, amount
    for lot in lots:
        if remaining == 0:
            break
        taken = min(lot.on_hand, remaining)
        remaining -= taken
        share = None
        if amount is not None:
            share = amount_left if remaining == 0 else amount * taken // quantity
            amount_left -= share
        movements.append(move_stock(product_id, lot.id, -taken, kind, amount=share, document=document,
                                    user_id=user_id, reason=reason, unit_cost=unit_cost))
    return movements

