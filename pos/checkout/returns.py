"""Returns against a receipt: whole or partial, approved by a manager, stock back to the lot it came from."""

from flask import current_app
from sqlalchemy import func, select

from pos.checkout.approvals import check_approval
from pos.checkout.sales import get_sale_by_number, parse_uuid
from pos.checkout.shifts import require_open_shift
from pos.core.audit import record_audit
from pos.core.database import atomic
from pos.core.errors import Text, ValidationError
from pos.core.extensions import db
from pos.core.limits import QUANTITY_MAX, REASON_MAX, SALE_LINES_MAX, OutOfLimits, bounded, check_text
from pos.core.money import round_cash
from pos.core.outbox import enqueue, iso_utc
from pos.einvoice.service import issue_for_return
from pos.inventory.ledger import move_stock
from pos.models import PAYMENT_METHODS, SaleLine, SaleReturn, SaleReturnLine, StockMovement


def _refund_share(line: SaleLine, quantity: int) -> tuple[int, int]:
    """What `quantity` units of the line were paid, VAT included; the last unit takes the remainder,
    so returning a line piece by piece refunds exactly what was paid."""
    already = line.returned_quantity
    paid_before = line.amount * already // line.quantity
    paid_after = line.amount * (already + quantity) // line.quantity
    vat_before = line.vat_amount * already // line.quantity
    vat_after = line.vat_amount * (already + quantity) // line.quantity
    return paid_after - paid_before, vat_after - vat_before


def record_return(sale_number: str, data: dict, user) -> SaleReturn:
    sale = get_sale_by_number(sale_number)
    return_uuid = parse_uuid(data.get("uuid"))
    existing = db.session.scalar(select(SaleReturn).where(SaleReturn.uuid == return_uuid))
    if existing:
        return existing  # a double click posts once
    refund_method = data.get("refund_method")
    errors = {}
    try:
        reason = check_text(data.get("reason"), REASON_MAX, required=True)
    except OutOfLimits as problem:
        errors["reason"], reason = problem.problem, ""
    if refund_method not in PAYMENT_METHODS:
        errors["refund_method"] = f"one of {', '.join(PAYMENT_METHODS)}"
    wanted = {}
    items = data.get("lines") or []
    for index, item in enumerate(items if isinstance(items, list) else [None]):
        line_no = bounded(item.get("line_no"), 1, SALE_LINES_MAX) if isinstance(item, dict) else None
        quantity = bounded(item.get("quantity"), 1, QUANTITY_MAX) if isinstance(item, dict) else None
        if line_no is None or quantity is None:
            errors[f"line {line_no or index + 1}"] = f"quantity must be a whole number from 1 to {QUANTITY_MAX}"
        else:
            wanted[line_no] = wanted.get(line_no, 0) + quantity
    if not wanted and not errors:
        errors["lines"] = "choose at least one item to return"
    if errors:
        raise ValidationError("The return is incomplete.", fields=errors)
    # Checked before the write lock, answered once the rest of the return is valid (confirm).
    approval = check_approval(
        data.get("approval"), requester=user, document=f"return {return_uuid} on sale {sale.number}"
    )
    with atomic():
        manager = approval.require(Text("a return on sale %(number)s.", number=sale.number))
        require_open_shift()
        lines = {line.line_no: line for line in db.session.scalars(select(SaleLine).where(SaleLine.sale_id == sale.id))}
        for line_no, quantity in wanted.items():
            line = lines.get(line_no)
            if line is None:
                raise ValidationError(
                    "Sale %(number)s has no line %(line)s.",
                    number=sale.number,
                    line=line_no,
                    fields={f"line {line_no}": "unknown"},
                )
            if quantity > line.returnable_quantity:
                raise ValidationError(
                    "%(name)s: %(quantity)d to return but only %(left)d not yet returned.",
                    name=line.name_vi,
                    quantity=quantity,
                    left=line.returnable_quantity,
                    fields={f"line {line_no}": "more than was sold"},
                )
        shares = {line_no: _refund_share(lines[line_no], quantity) for line_no, quantity in wanted.items()}
        count = db.session.scalar(select(func.count(SaleReturn.id))) + 1
        total = sum(a for a, _ in shares.values())
        # Cash goes back rounded as cash is paid (CASH_ROUNDING); card and VietQR refunds are exact.
        rounding = round_cash(total, current_app.config["CASH_ROUNDING"]) - total if refund_method == "cash" else 0
        from pos.sync.recovery import recovery_pending  # on call: the recovery writes returns through here

        series = "RR" if recovery_pending() else "R"  # restored, not yet recovered: see sales._new_number
        sale_return = SaleReturn(
            uuid=return_uuid,
            number=f"{sale.number.split('-')[0]}-{series}-{count:06d}",
            sale_id=sale.id,
            shift_id=require_open_shift(),
            reason=reason,
            approved_by=manager.username,
            refund_method=refund_method,
            total=total,
            vat_total=sum(v for _, v in shares.values()),
            cash_rounding=rounding,
        )
        db.session.add(sale_return)
        db.session.flush()
        payload_lines = []
        for line_no, quantity in sorted(wanted.items()):
            line, (amount, vat) = lines[line_no], shares[line_no]
            _put_back(line, quantity, amount, sale.uuid, sale_return, user)
            line.returned_quantity += quantity
            db.session.add(
                SaleReturnLine(
                    return_id=sale_return.id, sale_line_id=line.id, quantity=quantity, amount=amount, vat_amount=vat
                )
            )
            payload_lines.append(
                {"line_no": line_no, "sku": line.sku, "quantity": quantity, "amount": amount, "vat_amount": vat}
            )
        if sale_return.total > sale.total:
            raise ValidationError("A refund cannot exceed what was paid.", fields={"lines": "over the sale total"})
        record_audit(
            "return",
            "sale",
            sale.uuid,
            user=manager,
            after={"return": sale_return.number, "total": sale_return.total, "reason": reason},
        )
        db.session.flush()
        issue_for_return(sale_return)  # an adjustment of the sale's e-invoice, when it has one
        enqueue(
            "return",
            {
                "uuid": sale_return.uuid,
                "sale_uuid": sale.uuid,
                "sale_number": sale.number,
                "number": sale_return.number,
                "created_at": iso_utc(sale_return.created_at),
                "reason": reason,
                "approved_by": manager.username,
                "refund_method": refund_method,
                "total": sale_return.total,
                "vat_total": sale_return.vat_total,
                "cash_rounding": sale_return.cash_rounding,
                "lines": payload_lines,
            },
        )
        approval.confirm()
    return sale_return


def _put_back(line: SaleLine, quantity: int, amount: int, sale_uuid: str, sale_return: SaleReturn, user) -> None:
    """Back to the lots the sale took from (net of earlier returns), most recently taken first."""

    def per_lot(document_type, document_ids, kind):
        rows = db.session.execute(
            select(StockMovement.lot_id, func.sum(StockMovement.quantity))
            .where(
                StockMovement.document_type == document_type,
                StockMovement.document_id.in_(document_ids),
                StockMovement.product_id == line.product_id,
                StockMovement.kind == kind,
            )
            .group_by(StockMovement.lot_id)
            .order_by(func.max(StockMovement.id).desc())
        ).all()
        return [(lot_id, abs(total)) for lot_id, total in rows]

    earlier = db.session.scalars(
        select(SaleReturn.uuid).where(SaleReturn.sale_id == sale_return.sale_id, SaleReturn.id != sale_return.id)
    ).all()
    returned = dict(per_lot("return", earlier, "return")) if earlier else {}
    remaining, amount_left = quantity, amount
    for lot_id, taken in per_lot("sale", [sale_uuid], "sale"):
        back = min(taken - returned.get(lot_id, 0), remaining)
        if back <= 0:
            continue
        remaining -= back
        share = amount_left if remaining == 0 else amount * back // quantity
        amount_left -= share
        move_stock(
            line.product_id,
            lot_id,
            back,
            "return",
            amount=share,
            document=("return", sale_return.uuid),
            user_id=user.id,
            reason=sale_return.reason,
        )
        if remaining == 0:
            break
