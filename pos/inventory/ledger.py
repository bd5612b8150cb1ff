"""The one way stock changes. Call inside `atomic()`: each movement row and the on-hand figures
(per lot and per product) change together, so on-hand always equals the sum of the ledger.

Stock is taken with conditional UPDATEs (`… WHERE on_hand >= :qty`), which serialise on the row
in PostgreSQL and under SQLite's write lock, and the CHECK (on_hand >= 0) constraints back them up:
two tills selling the last unit at once cannot both succeed.

Every sale passes through here, so with the sale writer (pos/checkout/sales.py) this is the fast path: its
statements are hand-written `Sql` run on the session's transaction, for the checkout benchmark (docs/benchmarks.md,
"Why checkout 1 is where it is"). ORM objects already loaded are expired so they re-read the new figures."""

import functools
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm.util import identity_key

from pos.core.clock import local_today, utcnow
from pos.core.database import Sql, dialect_insert, open_session, read_date
from pos.core.errors import LotNotSellable, OutOfStock, ValidationError
from pos.core.extensions import db
from pos.models import Lot, Product, StockLevel, StockMovement

_ADD_TO_LOT = Sql("UPDATE lots SET on_hand = on_hand + :delta WHERE id = :lot AND on_hand + :delta >= 0")
_ADD_TO_LEVEL = Sql(
    "UPDATE stock_levels SET on_hand = on_hand + :delta WHERE product_id = :product AND on_hand + :delta >= 0"
)
_MOVEMENT_VALUES = (
    "(product_id, lot_id, quantity, kind, unit_cost, average_cost_after, amount, document_type, document_id,"
    " user_id, at, reason) VALUES (:product_id, :lot_id, :quantity, :kind, :unit_cost, :average_cost_after,"
    " :amount, :document_type, :document_id, :user_id, :at, :reason)"
)
_INSERT_MOVEMENT = Sql("INSERT INTO stock_movements " + _MOVEMENT_VALUES + " RETURNING id")
_INSERT_MOVEMENTS = Sql("INSERT INTO stock_movements " + _MOVEMENT_VALUES)


@dataclass(frozen=True)
class SellableLot:
    id: int
    code: str
    expiry_date: date | None
    ownership: str
    commission_rate: int
    on_hand: int


@dataclass(frozen=True)
class Taken:
    """What one lot gave to take_stock: one movement out of it."""

    lot_id: int
    lot_code: str
    expiry_date: date | None
    ownership: str
    commission_rate: int
    quantity: int  # units taken, positive
    amount: int | None  # the part of the line amount these units carry


def _ensure_stock_level(product_id: int) -> None:
    db.session.execute(
        dialect_insert(StockLevel)
        .values(product_id=product_id, on_hand=0, average_cost=0)
        .on_conflict_do_nothing(index_elements=["product_id"])
    )


def find_or_create_lot(
    product_id: int,
    code: str = "",
    *,
    ownership: str = "purchased",
    production_date: date | None = None,
    expiry_date: date | None = None,
    commission_rate: int = 0,
) -> Lot:
    key = {"product_id": product_id, "code": code, "ownership": ownership}  # one lot per key
    lot = db.session.scalar(select(Lot).filter_by(**key))
    if lot is None:
        lot = Lot(**key, production_date=production_date, expiry_date=expiry_date, commission_rate=commission_rate)
        db.session.add(lot)
        db.session.flush()
    elif expiry_date and lot.expiry_date and lot.expiry_date != expiry_date:
        raise ValidationError(
            "Lot %(lot)s is already recorded with expiry %(expiry)s.",
            lot=code,
            expiry=lot.expiry_date.isoformat(),
            fields={"expiry_date": "differs from the lot already recorded"},
        )
    return lot


def _short(product_id: int, wanted: int, left: int | None = None, lot_code: str | None = None) -> OutOfStock:
    product = db.session.get(Product, product_id)
    if left is None:
        left = db.session.scalar(select(StockLevel.on_hand).where(StockLevel.product_id == product_id)) or 0
    if lot_code is not None:
        return OutOfStock(
            "Not enough stock of %(name)s in lot %(lot)s: %(wanted)d wanted, %(left)d left.",
            name=product.name_vi if product else f"#{product_id}",
            lot=lot_code or "—",
            wanted=wanted,
            left=left,
            fields={"quantity": f"only {left} left in lot {lot_code}"},
        )
    return OutOfStock(
        "Not enough stock of %(name)s: %(wanted)d wanted, %(left)d left.",
        name=product.name_vi if product else f"#{product_id}",
        wanted=wanted,
        left=left,
        fields={"quantity": f"only {left} left"},
    )


def _apply(product_id: int, lot_id: int, quantity: int) -> None:
    """Add `quantity` (signed) to the lot and the product's level; OutOfStock if either would go below zero."""
    if (
        _ADD_TO_LOT.run({"lot": lot_id, "delta": quantity}).rowcount != 1
        or _ADD_TO_LEVEL.run({"product": product_id, "delta": quantity}).rowcount != 1
    ):
        raise _short(product_id, -quantity)


def _expire_loaded(product_id: int, lot_ids) -> None:
    """Objects already loaded in the session still hold the old figures; reload them on next access."""
    session = open_session()
    if session is None or not session.in_transaction():  # nothing loaded in this transaction (a till's sale)
        return
    loaded_objects = session.identity_map
    for model, key in [(StockLevel, product_id)] + [(Lot, lot_id) for lot_id in lot_ids]:
        loaded = loaded_objects.get(identity_key(model, key))
        if loaded is not None:
            session.expire(loaded, ["on_hand", "average_cost"] if model is StockLevel else ["on_hand"])


def _movement(
    product_id: int,
    lot_id: int,
    quantity: int,
    kind: str,
    unit_cost: int | None,
    amount: int | None,
    document: tuple[str, object],
    user_id: int | None,
    reason: str,
    at: datetime | None = None,
    average_cost_after: int | None = None,
) -> dict:
    return {
        "product_id": product_id,
        "lot_id": lot_id,
        "quantity": quantity,
        "kind": kind,
        "unit_cost": unit_cost,
        "average_cost_after": average_cost_after,
        "amount": amount,
        "document_type": document[0],
        "document_id": str(document[1]),
        "user_id": user_id,
        "at": at or utcnow(),
        "reason": reason,
    }


def move_stock(
    product_id: int,
    lot_id: int,
    quantity: int,
    kind: str,
    *,
    unit_cost: int | None = None,
    amount: int | None = None,
    document: tuple[str, object] = ("", ""),
    user_id: int | None = None,
    reason: str = "",
) -> int:
    """Record one movement and apply it to the lot and the product's level; returns the movement's id.
    Raises OutOfStock if it would take either below zero."""
    if not isinstance(quantity, int) or quantity == 0:
        raise ValidationError("A stock movement needs a non-zero whole quantity.", fields={"quantity": "invalid"})
    if quantity > 0:
        _ensure_stock_level(product_id)  # taking stock needs no new row: without one the update below refuses
    average_after = None
    if quantity > 0 and unit_cost is not None:  # goods in at a known cost move the weighted average
        on_hand, average = db.session.execute(
            select(StockLevel.on_hand, StockLevel.average_cost)
            .where(StockLevel.product_id == product_id)
            .with_for_update()
        ).one()
        average_after = round((on_hand * average + quantity * unit_cost) / (on_hand + quantity))
        db.session.execute(
            update(StockLevel)
            .where(StockLevel.product_id == product_id)
            .values(average_cost=average_after)
            .execution_options(synchronize_session=False)
        )
    _apply(product_id, lot_id, quantity)
    movement = _movement(
        product_id,
        lot_id,
        quantity,
        kind,
        unit_cost,
        amount,
        document,
        user_id,
        reason,
        average_cost_after=average_after,
    )
    movement_id = _INSERT_MOVEMENT.run(movement).fetchone()[0]
    _expire_loaded(product_id, [lot_id])
    return movement_id


@functools.lru_cache(maxsize=200)
def _sellable_lots_sql(count: int) -> Sql:
    return Sql(
        "SELECT product_id, id, code, expiry_date, ownership, commission_rate, on_hand FROM lots"
        f" WHERE product_id IN ({', '.join(f':product{i}' for i in range(count))}) AND on_hand > 0"
        " AND (expiry_date IS NULL OR expiry_date >= :today)"
        " ORDER BY product_id, expiry_date IS NULL, expiry_date, id",
        for_update=True,
    )


def sellable_lots_of(product_ids, today: date | None = None) -> dict[int, list[SellableLot]]:
    """Each product's lots that may be sold, the one expiring first first (FEFO), in one read (a sale reads
    all its products' at once); expired lots are never sold. Every product asked for has an entry."""
    product_ids = list(product_ids)
    params = {f"product{i}": product_id for i, product_id in enumerate(product_ids)} | {"today": today or local_today()}
    lots: dict[int, list[SellableLot]] = {product_id: [] for product_id in product_ids}
    for product_id, lot_id, code, expiry, ownership, rate, on_hand in (
        _sellable_lots_sql(len(product_ids)).run(params).fetchall()
    ):
        lots[product_id].append(SellableLot(lot_id, code, read_date(expiry), ownership, rate, on_hand))
    return lots


def sellable_lots(product_id: int, today: date | None = None) -> list[SellableLot]:
    return sellable_lots_of([product_id], today)[product_id]


@dataclass(frozen=True)
class LotState:
    """What a scanned lot is, for the till: sellable, expired, written off (taken off the shelf), empty in the
    books (a shortage), or unknown here."""

    status: str  # sellable | expired | written_off | empty | unknown
    lot_id: int | None
    code: str
    expiry_date: date | None
    on_hand: int

    @property
    def refused(self) -> bool:
        return self.status in ("expired", "written_off")


def lot_state(product_id: int, code: str, today: date | None = None) -> LotState:
    """The state of the product's lot `code` (a consigned and a purchased lot of one code count together)."""
    today = today or local_today()
    lots = db.session.execute(
        select(Lot.id, Lot.expiry_date, Lot.on_hand)
        .where(Lot.product_id == product_id, Lot.code == code)
        .order_by(Lot.on_hand.desc(), Lot.id)
    ).all()
    if not lots:
        return LotState("unknown", None, code, None, 0)
    lot_id, expiry, on_hand = lots[0][0], lots[0][1], sum(lot.on_hand for lot in lots)
    if expiry and expiry < today:
        return LotState("expired", lot_id, code, expiry, on_hand)
    if on_hand == 0 and db.session.scalar(
        select(StockMovement.id)
        .where(StockMovement.lot_id.in_([lot.id for lot in lots]), StockMovement.kind == "write_off")
        .limit(1)
    ):
        return LotState("written_off", lot_id, code, expiry, 0)
    return LotState("sellable" if on_hand else "empty", lot_id, code, expiry, on_hand)


def lot_refusal(product_name: str, state: LotState) -> LotNotSellable:
    """Why a pack of this lot may not be sold, and what the cashier does with it."""
    if state.status == "expired":
        return LotNotSellable(
            "Lot %(lot)s of %(name)s expired on %(expiry)s: set the pack aside, it cannot be sold.",
            lot=state.code,
            name=product_name,
            expiry=state.expiry_date.strftime("%d/%m/%Y"),
            fields={"lot": "expired"},
        )
    return LotNotSellable(
        "Lot %(lot)s of %(name)s was written off: set the pack aside, it cannot be sold.",
        lot=state.code,
        name=product_name,
        fields={"lot": "written off"},
    )


def take_stock(
    product_id: int,
    quantity: int,
    *,
    kind: str = "sale",
    document: tuple[str, object] = ("", ""),
    user_id: int | None = None,
    lot_code: str | None = None,
    amount: int | None = None,
    reason: str = "",
    today: date | None = None,
    unit_cost: int | None = None,
    lots: list[SellableLot] | None = None,
    at: datetime | None = None,
) -> list[Taken]:
    """Take `quantity` units out by FEFO (or from the named lot only), one movement per lot touched;
    `amount` (a sale's line amount) is split over those movements by quantity, the rest on the last.
    `unit_cost` is only recorded on the movements (a transfer's cost); taking stock never changes the average.
    `lots`: the product's sellable lots, when read already in this transaction and not taken from since;
    `at`: the document's moment (a sale's), so its rows share one time; now by default.
    `lot_code` (a scanned label's lot): only that lot is taken from; LotNotSellable if it is expired or written off.
    Raises OutOfStock naming the product and what is left if the sellable stock (or the lot's) is short."""
    if not isinstance(quantity, int) or quantity <= 0:
        raise ValidationError("Quantity must be a whole number above zero.", fields={"quantity": "invalid"})
    lots = sellable_lots(product_id, today) if lots is None else list(lots)
    if lot_code is not None:
        lots = [lot for lot in lots if lot.code == lot_code]
        if not lots and (state := lot_state(product_id, lot_code, today)).refused:
            product = db.session.get(Product, product_id)
            raise lot_refusal(product.name_vi if product else f"#{product_id}", state)
    if sum(lot.on_hand for lot in lots) < quantity:
        raise _short(product_id, quantity, sum(lot.on_hand for lot in lots), lot_code)
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
        _apply(product_id, lot.id, -units)
        taken.append(Taken(lot.id, lot.code, lot.expiry_date, lot.ownership, lot.commission_rate, units, share))
    _INSERT_MOVEMENTS.many(
        [
            _movement(product_id, t.lot_id, -t.quantity, kind, unit_cost, t.amount, document, user_id, reason, at)
            for t in taken
        ]
    )
    _expire_loaded(product_id, [t.lot_id for t in taken])
    return taken
