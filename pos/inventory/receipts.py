"""Goods receipts: a draft is posted exactly once (a double click or a retry posts once); a posted receipt is
corrected by a reversing receipt that takes the same goods back out."""
from sqlalchemy import func, select

from pos.audit import record_audit
from pos.catalog.service import parse_date, parse_int
from pos.database import atomic, claim
from pos.errors import Conflict, NotFound, OutOfStock, Text, ValidationError, problem_list
from pos.extensions import db
from pos.inventory.ledger import find_or_create_lot, move_stock
from pos.inventory.problems import field_name
from pos.models import OWNERSHIPS, GoodsReceipt, GoodsReceiptLine, Lot, Producer, Product
from pos.models.base import utcnow

RECEIPT_STATUSES = {"draft": Text("Draft"), "posted": Text("Posted"), "reversed": Text("Reversed")}

MAX_LINES = 200


def clean_lines(raw_lines: list[dict]) -> list[dict]:
    lines, errors = [], {}
    for i, raw in enumerate(raw_lines, start=1):
        if not any(str(raw.get(f) or "").strip() for f in ("sku", "lot_code", "quantity", "unit_cost")):
            continue  # an empty row of the form (its ownership select always has a value)
        e: dict = {}
        product = db.session.scalar(select(Product).where(Product.sku == str(raw.get("sku") or "").strip()))
        if product is None:
            e["sku"] = Text("unknown product '%(sku)s'", sku=str(raw.get("sku") or "")[:40])
        quantity = parse_int(raw.get("quantity"), "quantity", e, minimum=1, maximum=1_000_000)
        unit_cost = parse_int(raw.get("unit_cost"), "unit_cost", e, minimum=0, maximum=1_000_000_000)
        produced = parse_date(raw.get("production_date"), "production_date", e, required=False)
        expires = parse_date(raw.get("expiry_date"), "expiry_date", e, required=False)
        if produced and expires and expires < produced:
            e["expiry_date"] = Text("before the production date")
        lot_code = str(raw.get("lot_code") or "").strip()
        if len(lot_code) > 20 or "/" in lot_code:
            e["lot_code"] = Text("at most 20 characters, no '/'")
        ownership = raw.get("ownership") or "purchased"
        if ownership not in OWNERSHIPS:
            e["ownership"] = Text("purchased or consignment")
        commission = parse_int(raw.get("commission_rate") or 0, "commission_rate", e, minimum=0, maximum=100)
        errors |= {f"line {i} {k}": v for k, v in e.items()}
        if not e:
            lines.append(dict(product_id=product.id, lot_code=lot_code, production_date=produced, expiry_date=expires,
                              quantity=quantity, unit_cost=unit_cost, ownership=ownership,
                              commission_rate=commission if ownership == "consignment" else 0))
    if not lines and not errors:
        errors["lines"] = Text("add at least one line")
    if len(lines) > MAX_LINES:
        errors["lines"] = Text("at most %(n)d lines", n=MAX_LINES)
    if errors:
        raise ValidationError("Receipt not saved: %(problems)s.", problems=problem_list(errors, field_name), fields=errors)
    return lines


def create_receipt(producer_id, raw_lines: list[dict], user, note: str = "") -> GoodsReceipt:
    if not isinstance(producer_id, int) or db.session.get(Producer, producer_id) is None:
        raise ValidationError("Receipt not saved: choose the producer.", fields={"producer_id": Text("unknown producer")})
    lines = clean_lines(raw_lines)
    with atomic():
        count = db.session.scalar(select(func.count(GoodsReceipt.id))) + 1
        receipt = GoodsReceipt(number=f"PN-{count:06d}", producer_id=producer_id, created_by_id=user.id,
                               note=(note or "")[:300])
        db.session.add(receipt)
        db.session.flush()
        db.session.add_all(GoodsReceiptLine(receipt_id=receipt.id, **line) for line in lines)
        record_audit("create", "goods_receipt", receipt.number, after={"lines": len(lines)}, user=user)
    return receipt


def post_receipt(receipt_id: int, user) -> GoodsReceipt:
    """Put the goods on the shelf: lots and receipt movements, all at once, exactly once."""
    with atomic():
        receipt, claimed = claim(GoodsReceipt, receipt_id, "draft", status="posted", posted_at=utcnow())
        if receipt is None:
            raise NotFound("No such goods receipt.")
        if not claimed:
            raise Conflict("Receipt %(number)s is already posted.", number=receipt.number,
                           fields={"status": receipt.status})
        for line in receipt.lines:
            lot = find_or_create_lot(line.product_id, line.lot_code, ownership=line.ownership,
                                     production_date=line.production_date, expiry_date=line.expiry_date,
                                     commission_rate=line.commission_rate)
            move_stock(line.product_id, lot.id, line.quantity, "receipt", unit_cost=line.unit_cost,
                       document=("receipt", receipt.number), user_id=user.id)
        record_audit("post", "goods_receipt", receipt.number, user=user)
    return receipt


def reverse_receipt(receipt_id: int, user, reason: str) -> GoodsReceipt:
    """A reversing receipt takes the same goods out of the same lots; refused if they were sold already."""
    reason = (reason or "").strip()[:300]
    if not reason:
        raise ValidationError("Give the reason for reversing.", fields={"reason": "required"})
    with atomic():
        original, claimed = claim(GoodsReceipt, receipt_id, "posted", status="reversed")
        if original is None:
            raise NotFound("No such goods receipt.")
        if not claimed:
            raise Conflict("Receipt %(number)s is not a posted receipt (its status: %(status)s).",
                           number=original.number, status=RECEIPT_STATUSES[original.status],
                           fields={"status": original.status})
        count = db.session.scalar(select(func.count(GoodsReceipt.id))) + 1
        reversal = GoodsReceipt(number=f"PN-{count:06d}", producer_id=original.producer_id, status="posted",
                                reverses_id=original.id, created_by_id=user.id, posted_at=utcnow(),
                                note=f"Đảo phiếu {original.number}: {reason}")
        db.session.add(reversal)
        db.session.flush()
        for line in original.lines:
            lot = db.session.scalar(select(Lot).where(Lot.product_id == line.product_id, Lot.code == line.lot_code,
                                                      Lot.ownership == line.ownership))
            try:
                move_stock(line.product_id, lot.id, -line.quantity, "receipt", unit_cost=line.unit_cost,
                           document=("receipt", reversal.number), user_id=user.id, reason=reason)
            except OutOfStock as short:
                raise Conflict("Cannot reverse %(number)s: %(short)s Record a return to the producer for what is "
                               "left instead.", number=original.number, short=short.text, fields=short.fields)
        record_audit("reverse", "goods_receipt", original.number, after={"reversal": reversal.number}, note=reason,
                     user=user)
    return reversal
