"""Transfers between showrooms (chuyển kho).

A transfer-out names the receiving showroom by its code and lists products and quantities; posting takes the
goods off the shelf first-expiry-first-out through the ledger (movements of kind `transfer_out`), and the lines
then say which lots left and at what cost, for the transfer note. The receiving showroom records the matching
transfer-in from that note: the sender's code and transfer number, and per line the lot, expiry, quantity and
unit cost (movements of kind `transfer_in`, which re-average the cost like a receipt). Both are drafts first,
posted exactly once; the same sender's transfer is received once."""

import re

from flask import current_app
from sqlalchemy import Integer, cast, delete, func, select
from sqlalchemy.exc import IntegrityError

from pos.catalog.service import parse_date, parse_int
from pos.core.audit import record_audit
from pos.core.clock import utcnow
from pos.core.database import atomic, claim_or_refuse
from pos.core.errors import Conflict, NotFound, OutOfStock, Text, ValidationError, problem_list
from pos.core.extensions import db
from pos.core.limits import DOCUMENT_LINES_MAX, LOT_MAX, NOTE_MAX, STOCK_QUANTITY_MAX, UNIT_COST_MAX
from pos.inventory.documents import delete_document, lines_snapshot
from pos.inventory.ledger import find_or_create_lot, move_stock, sellable_lots, take_stock
from pos.inventory.problems import field_name
from pos.models import SHOWROOM_CODE_PATTERN, Lot, Product, StockLevel, Transfer, TransferLine


def clean_showroom_code(raw, field: str, errors: dict) -> str:
    """A showroom code: 2–10 uppercase letters or digits (typed lower case is accepted), never our own."""
    code = str(raw or "").strip().upper()
    if not code:
        errors[field] = Text("required")
    elif not re.fullmatch(SHOWROOM_CODE_PATTERN, code):
        errors[field] = Text("2–10 letters or digits")
    elif code == str(current_app.config["SHOWROOM_CODE"]).upper():
        errors[field] = Text("this is our own showroom")
    return code


def _product(raw_sku, e: dict) -> Product | None:
    sku = str(raw_sku or "").strip()
    product = db.session.scalar(select(Product).where(Product.sku == sku)) if sku else None
    if product is None:
        e["sku"] = Text("unknown product '%(sku)s'", sku=sku[:40]) if sku else Text("required")
    return product


def _clean_lines(raw_lines: list[dict], direction: str) -> tuple[list[dict], dict]:
    fields = ("sku", "quantity") if direction == "out" else ("sku", "lot_code", "quantity", "unit_cost", "expiry_date")
    lines, errors = [], {}
    for i, raw in enumerate(raw_lines or [], start=1):
        if not isinstance(raw, dict) or not any(str(raw.get(f) or "").strip() for f in fields):
            continue  # an empty row of the form
        e: dict = {}
        product = _product(raw.get("sku"), e)
        quantity = parse_int(raw.get("quantity"), "quantity", e, minimum=1, maximum=STOCK_QUANTITY_MAX)
        line = dict(product_id=product.id if product else None, quantity=quantity)
        if direction == "in":
            line["unit_cost"] = parse_int(raw.get("unit_cost"), "unit_cost", e, minimum=0, maximum=UNIT_COST_MAX)
            line["expiry_date"] = parse_date(raw.get("expiry_date"), "expiry_date", e, required=False)
            lot_code = str(raw.get("lot_code") or "").strip()
            if len(lot_code) > LOT_MAX or "/" in lot_code:
                e["lot_code"] = Text("at most 20 characters, no '/'")
            line["lot_code"] = lot_code
        errors |= {f"line {i} {k}": v for k, v in e.items()}
        if not e:
            lines.append(line)
    if not lines and not errors:
        errors["lines"] = Text("add at least one line")
    if len(lines) > DOCUMENT_LINES_MAX:
        errors["lines"] = Text("at most %(n)d lines", n=DOCUMENT_LINES_MAX)
    return lines, errors


def _refuse(errors: dict):
    raise ValidationError("Transfer not saved: %(problems)s.", problems=problem_list(errors, field_name), fields=errors)


def _next_number(prefix: str) -> str:
    """One more than the highest number given, transfers out and in together (a deleted newest draft leaves no
    hole)."""
    highest = db.session.scalar(select(func.max(cast(func.substr(Transfer.number, 4), Integer))))
    return f"{prefix}-{(highest or 0) + 1:06d}"


def _draft_or_refuse(transfer_id: int) -> Transfer:
    """Inside atomic(): the draft, locked against a posting at the same moment."""
    return _claim_draft(
        transfer_id,
        lambda transfer: Conflict(
            "Transfer %(number)s is already posted: only a draft can be changed or deleted.",
            number=transfer.number,
            fields={"status": transfer.status},
        ),
        status="draft",
    )


def _claim_draft(transfer_id: int, refusal, **values) -> Transfer:
    """claim_or_refuse() for a draft transfer: `refusal(transfer)` is the Conflict once it is posted."""
    return claim_or_refuse(
        Transfer, transfer_id, "draft", missing=NotFound("No such transfer."), moved=refusal, **values
    )


def _lines_snapshot(transfer: Transfer) -> list[dict]:
    return lines_snapshot(transfer.lines)


def update_transfer(transfer_id: int, showroom, their_number, raw_lines: list[dict], user, note: str = "") -> Transfer:
    """Replace a draft's other showroom, note and lines (and a transfer-in's sender number); refused once posted."""
    with atomic():
        transfer = _draft_or_refuse(transfer_id)
        direction = transfer.direction
    errors: dict = {}
    code = clean_showroom_code(showroom, "to_showroom" if direction == "out" else "from_showroom", errors)
    if direction == "in":
        their_number = str(their_number or "").strip().upper()
        if not their_number:
            errors["their_number"] = Text("required")
        elif len(their_number) > 32:
            errors["their_number"] = Text("at most %(max)d characters", max=32)
    lines, line_errors = _clean_lines(raw_lines, direction)
    if errors or line_errors:
        _refuse(errors | line_errors)
    try:
        with atomic():
            transfer = _draft_or_refuse(transfer_id)
            if direction == "in" and db.session.scalar(
                select(Transfer.id).where(
                    Transfer.other_showroom == code, Transfer.their_number == their_number, Transfer.id != transfer.id
                )
            ):
                raise _already_received(code, their_number)
            before = {
                "other_showroom": transfer.other_showroom,
                "their_number": transfer.their_number,
                "note": transfer.note,
                "lines": _lines_snapshot(transfer),
            }
            db.session.execute(delete(TransferLine).where(TransferLine.transfer_id == transfer.id))
            transfer.other_showroom, transfer.note = code, str(note or "")[:300]
            if direction == "in":
                transfer.their_number = their_number
            db.session.add_all(TransferLine(transfer_id=transfer.id, **line) for line in lines)
            db.session.flush()
            db.session.expire(transfer, ["lines"])
            record_audit(
                "update",
                "transfer",
                transfer.number,
                before=before,
                user=user,
                after={"other_showroom": code, "note": transfer.note, "lines": _lines_snapshot(transfer)},
            )
    except IntegrityError:
        raise _already_received(code, their_number) from None
    return transfer


def delete_transfer(transfer_id: int, user) -> str:
    """Throw a draft away (its content stays in the audit log); returns its number."""
    with atomic():
        transfer = _draft_or_refuse(transfer_id)
        before = {
            "direction": transfer.direction,
            "other_showroom": transfer.other_showroom,
            "their_number": transfer.their_number,
            "note": transfer.note,
            "lines": _lines_snapshot(transfer),
        }
        return delete_document(transfer, TransferLine.transfer_id, "transfer", before, user)


def posting_problems(transfer: Transfer) -> list:
    """Why a draft cannot be posted as it stands, and what to change: goods to send that are not the showroom's
    own on the shelf (consigned goods stay), or a lot already recorded here with another expiry."""
    problems = []
    if transfer.status != "draft":
        return problems
    if transfer.direction == "out":
        wanted: dict[int, int] = {}
        for line in transfer.lines:
            wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity
        for product_id, quantity in wanted.items():
            lots = sellable_lots(product_id)
            own = sum(lot.on_hand for lot in lots if lot.ownership == "purchased")
            consigned = sum(lot.on_hand for lot in lots) - own
            if own < quantity:
                product = db.session.get(Product, product_id)
                problems.append(
                    Text(
                        "%(name)s: %(wanted)d to send, but the showroom's own sellable stock is %(own)d"
                        " (%(consigned)d more "
                        "are on consignment and stay). Change the quantity to at most %(own)d, or delete the line.",
                        name=product.name_vi,
                        wanted=quantity,
                        own=own,
                        consigned=consigned,
                    )
                )
    else:
        for line in transfer.lines:
            if not line.expiry_date:
                continue
            recorded = db.session.scalar(
                select(Lot.expiry_date).where(
                    Lot.product_id == line.product_id, Lot.code == line.lot_code, Lot.ownership == "purchased"
                )
            )
            if recorded and recorded != line.expiry_date:
                problems.append(
                    Text(
                        "%(name)s: lot %(lot)s is already recorded here with expiry %(expiry)s. Correct "
                        "the line's expiry date or lot code.",
                        name=line.product.name_vi,
                        lot=line.lot_code or "—",
                        expiry=recorded.strftime("%d/%m/%Y"),
                    )
                )
    return problems


def create_transfer_out(to_showroom, raw_lines: list[dict], user, note: str = "") -> Transfer:
    """A draft transfer to another showroom: raw lines of {sku, quantity}."""
    errors: dict = {}
    code = clean_showroom_code(to_showroom, "to_showroom", errors)
    lines, line_errors = _clean_lines(raw_lines, "out")
    if errors or line_errors:
        _refuse(errors | line_errors)
    with atomic():
        number = _next_number("XC")
        transfer = _add_draft(lines, number=number, direction="out", other_showroom=code, user=user, note=note)
        record_audit("create", "transfer", transfer.number, after={"to": code, "lines": len(lines)}, user=user)
    return transfer


def create_transfer_in(from_showroom, their_number, raw_lines: list[dict], user, note: str = "") -> Transfer:
    """A draft transfer-in, typed from the sender's transfer note: lines of {sku, lot_code, expiry_date,
    quantity, unit_cost}. The same sender's transfer number is accepted once."""
    errors: dict = {}
    code = clean_showroom_code(from_showroom, "from_showroom", errors)
    their_number = str(their_number or "").strip().upper()
    if not their_number:
        errors["their_number"] = Text("required")
    elif len(their_number) > 32:
        errors["their_number"] = Text("at most %(max)d characters", max=32)
    lines, line_errors = _clean_lines(raw_lines, "in")
    if errors or line_errors:
        _refuse(errors | line_errors)
    try:
        with atomic():
            if db.session.scalar(
                select(Transfer.number).where(Transfer.other_showroom == code, Transfer.their_number == their_number)
            ):
                raise _already_received(code, their_number)
            transfer = _add_draft(
                lines,
                number=_next_number("NC"),
                direction="in",
                other_showroom=code,
                their_number=their_number,
                user=user,
                note=note,
            )
            record_audit(
                "create",
                "transfer",
                transfer.number,
                user=user,
                after={"from": code, "their_number": their_number, "lines": len(lines)},
            )
    except IntegrityError:
        if db.session.scalar(
            select(Transfer.id).where(Transfer.other_showroom == code, Transfer.their_number == their_number)
        ):
            raise _already_received(code, their_number) from None  # typed at another desk at the same moment
        raise
    return transfer


def _add_draft(lines: list[dict], *, user, note, **values) -> Transfer:
    """A new draft transfer (`values`: its number, direction, other showroom...) with its clean lines; inside
    atomic()."""
    transfer = Transfer(created_by_id=user.id, note=str(note or "")[:NOTE_MAX], **values)
    db.session.add(transfer)
    db.session.flush()
    db.session.add_all(TransferLine(transfer_id=transfer.id, **line) for line in lines)
    return transfer


def _already_received(code: str, their_number: str) -> Conflict:
    return Conflict(
        "Transfer %(number)s from %(showroom)s is already recorded.",
        number=their_number,
        showroom=code,
        fields={"their_number": Text("already recorded")},
    )


def post_transfer(transfer_id: int, user) -> Transfer:
    """Move the goods, all lines at once, exactly once: a double click or a retry finds it posted."""
    with atomic():
        transfer = _claim_draft(
            transfer_id,
            lambda transfer: Conflict(
                "Transfer %(number)s is already posted.", number=transfer.number, fields={"status": transfer.status}
            ),
            status="posted",
            posted_at=utcnow(),
        )
        document = ("transfer", transfer.number)
        if transfer.direction == "out":
            for line in list(transfer.lines):
                _send(line, transfer, document, user)
        else:
            for line in transfer.lines:
                lot = find_or_create_lot(line.product_id, line.lot_code, expiry_date=line.expiry_date)
                move_stock(
                    line.product_id,
                    lot.id,
                    line.quantity,
                    "transfer_in",
                    unit_cost=line.unit_cost,
                    document=document,
                    user_id=user.id,
                    reason=f"nhận từ {transfer.other_showroom} {transfer.their_number}",
                )
        record_audit(
            "post",
            "transfer",
            transfer.number,
            user=user,
            after={"units": sum(line.quantity for line in transfer.lines)},
        )
    return transfer


def _send(line: TransferLine, transfer: Transfer, document, user) -> None:
    """Take the line's goods by FEFO from the showroom's own lots; the line becomes the first lot taken, one more
    line per further lot. Consigned goods are the producer's: they stay until sold here or returned to it (sent
    on, they would arrive as purchased stock and never be settled with the producer)."""
    lots = sellable_lots(line.product_id)
    own = [lot for lot in lots if lot.ownership == "purchased"]
    own_units = sum(lot.on_hand for lot in own)
    consigned_units = sum(lot.on_hand for lot in lots) - own_units
    if own_units < line.quantity and consigned_units:
        raise OutOfStock(
            "%(name)s: %(wanted)d to send, but only %(own)d are the showroom's own; the %(consigned)d "
            "on consignment stay until sold or returned to their producer.",
            name=line.product.name_vi,
            wanted=line.quantity,
            own=own_units,
            consigned=consigned_units,
            fields={"quantity": f"only {own_units} of the showroom's own"},
        )
    cost = db.session.scalar(select(StockLevel.average_cost).where(StockLevel.product_id == line.product_id)) or 0
    taken = take_stock(
        line.product_id,
        line.quantity,
        kind="transfer_out",
        document=document,
        user_id=user.id,
        unit_cost=cost,
        reason=f"chuyển đến {transfer.other_showroom}",
        lots=own,
    )
    for i, lot in enumerate(taken):
        target = line if i == 0 else TransferLine(transfer_id=transfer.id, product_id=line.product_id)
        target.lot_code, target.expiry_date = lot.lot_code, lot.expiry_date
        target.quantity, target.unit_cost = lot.quantity, cost
        if i:
            transfer.lines.append(target)
    db.session.flush()
