"""The one way stock changes. Call inside `atomic()`: each movement row and the on-hand figures
(per lot and per product) change together, so on-hand always equals the sum of the ledger.

Stock is taken with conditional UPDATEs (`… WHERE on_hand >= :qty`), which serialise on the row
in PostgreSQL and under SQLite's write lock, and the CHECK (on_hand >= 0) constraints back them up:
two tills selling the last unit at once cannot both succeed.

Every sale passes through here, so the hot statements are SQLAlchemy Core built once at import (SQLAlchemy
then reuses their compiled form) and run on the session's connection: no expression building, no unit-of-work
flush per movement. ORM objects already loaded are expired so they re-read the new figures."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm.util import identity_key

from pos.database import dialect_insert
from pos.errors import OutOfStock, ValidationError
from pos.extensions import db
from pos.models import Lot, Product, StockLevel, StockMovement

LOTS, LEVELS, MOVEMENTS = Lot.__table__, StockLevel.__table__, StockMovement.__table__

_ADD_TO_LOT = (update(LOTS).where(LOTS.c.id == bindparam("lot"), LOTS.c.on_hand + bindparam("delta") >= 0)
               .values(on_hand=LOTS.c.on_hand + bindparam("delta")))
_ADD_TO_LEVEL = (update(LEVELS).where(LEVELS.c.product_id == bindparam("product"),
                                      LEVELS.c.on_hand + bindparam("delta") >= 0)
                 .values(on_hand=LEVELS.c.on_hand + bindparam("delta")))
_SELLABLE_LOTS = (
    select(LOTS.c.id, LOTS.c.code, LOTS.c.expiry_date, LOTS.c.ownership, LOTS.c.commission_rate, LOTS.c.on_hand)
    .where(LOTS.c.product_id == bindparam("product"), LOTS.c.on_hand > 0,
           or_(LOTS.c.expiry_date.is_(None), LOTS.c.expiry_date >= bindparam("today")))
    .order_by(LOTS.c.expiry_date.is_(None), LOTS.c.expiry_date, LOTS.c.id)
    .with_for_update())  # locked until the transaction ends on PostgreSQL; SQLite's write lock covers them
_INSERT_MOVEMENT = insert(MOVEMENTS)


@dataclass(frozen=True)
class Taken:
    """What one lot gave to take_stock: one movement out of it."""
    lot_id: int
    lot_code: str
    expiry_date: date | None
    ownership: str
    commission_rate: int
    quantity: int        # units taken, positive
    amount: int | None   # the part of the line amount these units carry


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
        raise ValidationError("Lot %(lot)s is already recorded with expiry %(expiry)s.", lot=code,
                              expiry=lot.expiry_date.isoformat(),
                              fields={"expiry_date": "differs from the lot already recorded"})
    return lot


def _short(product_id: int, wanted: int, left: int | None = None) -> OutOfStock:
    product = db.session.get(Product, product_id)
    if left is None:
        left = db.session.scalar(select(StockLevel.on_hand).where(StockLevel.product_id == product_id)) or 0
    return OutOfStock("Not enough stock of %(name)s: %(wanted)d wanted, %(left)d left.",
                      name=product.name_vi if product else f"#{product_id}", wanted=wanted, left=left,
                      fields={"quantity": f"only {left} left"})


def _apply(connection, product_id: int, lot_id: int, quantity: int) -> None:
    """Add `quantity` (signed) to the lot and the product's level; OutOfStock if either would go below zero."""
    for statement, key in ((_ADD_TO_LOT, {"lot": lot_id}), (_ADD_TO_LEVEL, {"product": product_id})):
        if connection.execute(statement, key | {"delta": quantity}).rowcount != 1:
            raise _short(product_id, -quantity)


def _expire_loaded(product_id: int, lot_ids) -> None:
    """Objects already loaded in the session still hold the old figures; reload them on next access."""
    for model, key in [(StockLevel, product_id)] + [(Lot, lot_id) for lot_id in lot_ids]:
        loaded = db.session.identity_map.get(identity_key(model, key))
        if loaded is not None:
            db.session.expire(loaded, ["on_hand", "average_cost"] if model is StockLevel else ["on_hand"])


def move_stock(product_id: int, lot_id: int, quantity: int, kind: str, *, unit_cost: int | None = None,
               amount: int | None = None, document: tuple[str, object] = ("", ""), user_id: int | None = None,
               reason: str = "") -> int:
    """Record one movement and apply it to the lot and the product's level; returns the movement's id.
    Raises OutOfStock if it would take either below zero."""
    if not isinstance(quantity, int) or quantity == 0:
        raise ValidationError("A stock movement needs a non-zero whole quantity.", fields={"quantity": "invalid"})
    connection = db.session.connection()
    if quantity > 0:
        _ensure_stock_level(product_id)  # taking stock needs no new row: without one the update below refuses
    if quantity > 0 and unit_cost is not None:  # goods in at a known cost move the weighted average
        on_hand, average = connection.execute(select(LEVELS.c.on_hand, LEVELS.c.average_cost)
                                              .where(LEVELS.c.product_id == product_id).with_for_update()).one()
        connection.execute(update(LEVELS).where(LEVELS.c.product_id == product_id).values(
            average_cost=round((on_hand * average + quantity * unit_cost) / (on_hand + quantity))))
    _apply(connection, product_id, lot_id, quantity)
    movement_id = connection.execute(_INSERT_MOVEMENT, {
        "product_id": product_id, "lot_id": lot_id, "quantity": quantity, "kind": kind, "unit_cost": unit_cost,
        "amount": amount, "document_type": document[0], "document_id": str(document[1]), "user_id": user_id,
        "reason": reason}).inserted_primary_key[0]
    _expire_loaded(product_id, [lot_id])
    return movement_id


def sellable_lots(product_id: int, today: date | None = None, connection=None):
    """Lots that may be sold, the one expiring first first (FEFO); expired lots are never sold."""
    return (connection or db.session.connection()).execute(_SELLABLE_LOTS, {"product": product_id,
                                                            "today": today or date.today()}).all()


def take_stock(product_id: int, quantity: int, *, kind: str = "sale", document: tuple[str, object] = ("", ""),
               user_id: int | None = None, lot_code: str | None = None, amount: int | None = None,
               reason: str = "", today: date | None = None, unit_cost: int | None = None) -> list[Taken]:
    """Take `quantity` units out by FEFO (or from the named lot first), one movement per lot touched;
    `amount` (a sale's line amount) is split over those movements by quantity, the rest on the last.
    `unit_cost` is only recorded on the movements (a transfer's cost); taking stock never changes the average.
    Raises OutOfStock naming the product and what is left if the sellable stock is short."""
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationError("Quantity must be a whole number above zero.", fields={"quantity": "invalid"})
    connection = db.session.connection()
    lots = sellable_lots(product_id, today, connection)
    if lot_code is not None:
        lots.sort(key=lambda lot: lot.code != lot_code)
    if sum(lot.on_hand for lot in lots) < quantity:
        raise _short(product_id, quantity, sum(lot.on_hand for lot in lots))
    taken, remaining, amount_left = [], quantity, amount
    for lot in lots:
        if remaining == 0:
            break
        units = min(lot.on_hand, remaining)
        remaining -= units
        share = None
        if amount is not None:
            share = amount_left if remaining == 0 else amount * units // quantity
            amount_left -= share
        _apply(connection, product_id, lot.id, -units)
        taken.append(Taken(lot.id, lot.code, lot.expiry_date, lot.ownership, lot.commission_rate, units, share))
    connection.execute(_INSERT_MOVEMENT, [
        {"product_id": product_id, "lot_id": t.lot_id, "quantity": -t.quantity, "kind": kind, "unit_cost": unit_cost,
         "amount": t.amount, "document_type": document[0], "document_id": str(document[1]), "user_id": user_id,
         "reason": reason} for t in taken])
    _expire_loaded(product_id, [t.lot_id for t in taken])
    return taken
