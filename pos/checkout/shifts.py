"""Shifts: open with a float, cash in/out, X report any time, close with the counted cash (Z report)."""

import uuid

from sqlalchemy import func, select

from pos.core.audit import record_audit
from pos.core.clock import utcnow
from pos.core.database import atomic
from pos.core.errors import Conflict, Text, ValidationError
from pos.core.extensions import db
from pos.core.limits import (
    CASH_MAX,
    CASH_MOVEMENT_MAX,
    CASH_REASON_MAX,
    NOTES_COUNTED_MAX,
    bounded,
    checked_text,
)
from pos.core.outbox import enqueue, iso_utc
from pos.models import CashMovement, Payment, Sale, SaleReturn, Shift

DENOMINATIONS = (500_000, 200_000, 100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000, 500)


# By the open marker's unique index: a status filter would read every shift the showroom ever had.
def current_shift() -> Shift | None:
    return db.session.scalar(select(Shift).where(Shift.open_marker == 1))


def require_open_shift() -> int:
    """The open shift's id (every sale and return needs one)."""
    return open_shift_id(db.session.scalar(select(Shift.id).where(Shift.open_marker == 1)))


def open_shift_id(shift_id: int | None) -> int:
    """The open shift's id as read (the sale writer reads it with its own statement), or the refusal when no shift
    is open."""
    if shift_id is None:
        raise ValidationError(
            "No shift is open: open a shift before selling.", fields={"shift": "not open"}, code="no_open_shift"
        )
    return shift_id


def _whole(value, field: str, what: Text, *, minimum: int = 0, maximum: int = CASH_MAX) -> int:
    number = bounded(value, minimum, maximum, from_text=True)  # typed as 2.000.000, 2,000,000 or 2 000 000
    if number is None:
        raise ValidationError(
            "%(what)s must be a whole number from %(minimum)d to %(maximum)d.",
            what=what,
            minimum=minimum,
            maximum=maximum,
            fields={field: "invalid"},
        )
    return number


def open_shift(user, opening_float) -> Shift:
    opening_float = _whole(opening_float, "opening_float", Text("The opening float (đồng)"))
    with atomic():
        if current_shift():
            raise Conflict("A shift is already open.", fields={"shift": "already open"})
        shift = Shift(opened_by_id=user.id, opening_float=opening_float)
        db.session.add(shift)
        db.session.flush()
        record_audit("shift_open", "shift", shift.id, after={"opening_float": opening_float}, user=user)
    return shift


def add_cash_movement(user, amount, reason: str) -> CashMovement:
    amount = _whole(amount, "amount", Text("The amount (đồng)"), minimum=-CASH_MOVEMENT_MAX, maximum=CASH_MOVEMENT_MAX)
    reason = checked_text(reason, CASH_REASON_MAX, "reason", Text("The reason"))
    if amount == 0 or not reason:
        raise ValidationError(
            "A cash movement needs a non-zero amount and a reason.",
            fields={"amount" if amount == 0 else "reason": "required"},
        )
    with atomic():
        shift_id = require_open_shift()
        movement = CashMovement(shift_id=shift_id, amount=amount, reason=reason, user_id=user.id)
        db.session.add(movement)
        record_audit("cash_movement", "shift", shift_id, after={"amount": amount, "reason": reason}, user=user)
    return movement


def shift_report(shift: Shift) -> dict:
    """The X report: what the drawer should hold now, sales by payment method. The cash payments already hold
    the cash rounding; it is shown on its own line (sales' rounding less cash refunds'), so sales + rounding
    equal what the payments took."""
    by_method = dict(
        db.session.execute(
            select(Payment.method, func.sum(Payment.amount))
            .join(Sale)
            .where(Sale.shift_id == shift.id)
            .group_by(Payment.method)
        ).all()
    )
    sales_count, sales_total, sales_rounding = db.session.execute(
        select(
            func.count(Sale.id), func.coalesce(func.sum(Sale.total), 0), func.coalesce(func.sum(Sale.cash_rounding), 0)
        ).where(Sale.shift_id == shift.id)
    ).one()
    refunds = {
        method: (total, rounding)
        for method, total, rounding in db.session.execute(
            select(SaleReturn.refund_method, func.sum(SaleReturn.total), func.sum(SaleReturn.cash_rounding))
            .where(SaleReturn.shift_id == shift.id)
            .group_by(SaleReturn.refund_method)
        ).all()
    }
    cash_refunded = sum(refunds.get("cash") or (0, 0))
    cash_moves = db.session.scalar(
        select(func.coalesce(func.sum(CashMovement.amount), 0)).where(CashMovement.shift_id == shift.id)
    )
    expected_cash = shift.opening_float + (by_method.get("cash") or 0) - cash_refunded + cash_moves
    return {
        "shift_id": shift.id,
        "opening_float": shift.opening_float,
        "sales_count": sales_count,
        "sales_total": sales_total,
        "by_method": {m: by_method.get(m) or 0 for m in ("cash", "card", "vietqr")},
        "refunds_total": sum(total for total, _ in refunds.values()),
        "cash_rounding": sales_rounding - sum(rounding for _, rounding in refunds.values()),
        "cash_movements": cash_moves,
        "expected_cash": expected_cash,
    }


def close_shift(user, shift_id: int, counted: dict) -> Shift:
    """Close with the counted cash per denomination; stores the Z report."""
    if not isinstance(counted, dict):
        raise ValidationError("Count the cash by denomination.", fields={"counted": "invalid"})
    counts = {}
    for denomination in DENOMINATIONS:
        counts[denomination] = _whole(
            counted.get(str(denomination), counted.get(denomination, 0)) or 0,
            f"count_{denomination}",
            Text("The number of %(note)d ₫ notes", note=denomination),
            maximum=NOTES_COUNTED_MAX,
        )
    counted_cash = sum(d * n for d, n in counts.items())
    with atomic():
        shift = db.session.get(Shift, shift_id)
        if shift is None or shift.status != "open":
            raise Conflict("This shift is already closed.", fields={"shift": "already closed"})
        report = shift_report(shift)
        shift.status, shift.open_marker = "closed", None
        shift.closed_at, shift.closed_by_id = utcnow(), user.id
        shift.counted_cash, shift.expected_cash = counted_cash, report["expected_cash"]
        shift.denominations = {str(d): n for d, n in counts.items() if n}
        shift.z_report = report | {
            "counted_cash": counted_cash,
            "difference": counted_cash - report["expected_cash"],
            "closed_at": iso_utc(shift.closed_at),
        }
        _queue_shift_close(shift, user)
        record_audit("shift_close", "shift", shift.id, after=shift.z_report, user=user)
    return shift


def _queue_shift_close(shift: Shift, user) -> None:
    report = shift.z_report
    enqueue(
        "shift_close",
        {
            "uuid": str(uuid.uuid4()),
            "shift_id": shift.id,
            "opened_at": iso_utc(shift.opened_at),
            "closed_at": iso_utc(shift.closed_at),
            "cashier": user.username,
            "sales_count": report["sales_count"],
            "sales_total": report["sales_total"],
            "refunds_total": report["refunds_total"],
            "expected_cash": report["expected_cash"],
            "counted_cash": report["counted_cash"],
            "difference": report["difference"],
        },
    )
