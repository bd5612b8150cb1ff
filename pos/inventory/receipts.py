"""Goods receipts: a draft is posted exactly once (a double click or a retry posts once); a posted receipt is
corrected by a reversing receipt that takes the same goods back out. A draft can be changed or deleted until it
is posted, and is checked again against the rules when it is posted (a draft saved before a rule existed, or whose
product has since moved to another producer, says what to change instead of posting).

A receipt line is the receipt's producer's product; goods that spoil (Product.needs_lot_and_expiry) come with a
lot code and an expiry date. The code typed or scanned may be a SKU (any case), a GTIN/EAN or our QR label's
GS1 Digital Link URL, whose lot fills the lot code."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, cast, delete, func, select

from pos.catalog.service import find_by_code, parse_date, parse_int
from pos.core.audit import record_audit
from pos.core.clock import utcnow
from pos.core.database import atomic, claim_or_refuse
from pos.core.errors import Conflict, DomainError, NotFound, OutOfStock, Text, ValidationError, problem_list
from pos.core.extensions import db
from pos.core.limits import NOTE_MAX, OutOfLimits, check_text
from pos.inventory.documents import delete_document, lines_snapshot
from pos.inventory.ledger import find_or_create_lot, move_stock
from pos.inventory.problems import field_name
from pos.models import OWNERSHIPS, GoodsReceipt, GoodsReceiptLine, Lot, Producer, Product, StockLevel

RECEIPT_STATUSES = {"draft": Text("Draft"), "posted": Text("Posted"), "reversed": Text("Reversed")}

MAX_LINES = 200
MAX_CODE_LENGTH = 300  # a QR label's URL, as a scanner types it
LINE_FIELDS = (
    "sku",
    "lot_code",
    "production_date",
    "expiry_date",
    "quantity",
    "unit_cost",
    "ownership",
    "commission_rate",
)


def has_control_characters(text: str) -> bool:
    """NUL and other control characters, and lone surrogates: nothing a person types, and PostgreSQL refuses NUL."""
    return any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF or ord(c) == 127 for c in text)


@dataclass(frozen=True)
class KnownCode:
    """What the receipt form shows as soon as a code is known."""

    product: Product
    lot_code: str | None  # from a QR label
    last_cost: int | None  # the unit cost of the last posted receipt of this product
    last_receipt: str | None

    def to_json(self) -> dict:
        p = self.product
        return {
            "id": p.id,
            "sku": p.sku,
            "name": p.name_vi,
            "unit": p.unit,
            "producer_id": p.producer_id,
            "producer": p.producer.name if p.producer else "",
            "needs_lot_and_expiry": p.needs_lot_and_expiry,
            "lot_code": self.lot_code,
            "last_cost": self.last_cost,
            "last_receipt": self.last_receipt,
            "average_cost": (
                db.session.scalar(select(StockLevel.average_cost).where(StockLevel.product_id == p.id)) or None
            ),
        }


def last_cost(product_id: int) -> tuple[int | None, str | None]:
    """The unit cost on the newest posted receipt of the product, and that receipt's number."""
    row = db.session.execute(
        select(GoodsReceiptLine.unit_cost, GoodsReceipt.number)
        .join(GoodsReceipt)
        .where(
            GoodsReceiptLine.product_id == product_id,
            GoodsReceipt.status == "posted",
            GoodsReceipt.reverses_id.is_(None),
        )
        .order_by(GoodsReceipt.posted_at.desc(), GoodsReceiptLine.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (None, None)


def identify(code) -> KnownCode:
    """A typed or scanned code → the product (and a QR label's lot). Raises InvalidBarcode or NotFound."""
    code = str(code or "").strip()
    if has_control_characters(code) or len(code) > MAX_CODE_LENGTH:
        raise ValidationError("Not a product code.", fields={"sku": Text("not a product code")})
    scan = find_by_code(code)
    cost, number = last_cost(scan.product.id)
    return KnownCode(scan.product, scan.lot_code, cost, number)


def _line_problems(
    product: Product, producer_id: int | None, lot_code: str, expiry: date | None, ownership: str
) -> dict:
    """The rules a line must keep when saved and again when posted."""
    e: dict = {}
    if producer_id and product.producer_id != producer_id:
        e["sku"] = Text(
            "%(sku)s is %(producer)s's product, not this receipt's producer's",
            sku=product.sku,
            producer=product.producer.name,
        )
    if product.needs_lot_and_expiry:
        if not lot_code:
            e["lot_code"] = Text("required: %(name)s has an expiry date", name=product.name_vi)
        if expiry is None:
            e["expiry_date"] = Text("required: %(name)s has an expiry date", name=product.name_vi)
    if expiry and ownership in OWNERSHIPS:
        recorded = db.session.scalar(
            select(Lot.expiry_date).where(
                Lot.product_id == product.id, Lot.code == lot_code, Lot.ownership == ownership
            )
        )
        if recorded and recorded != expiry:
            e["expiry_date"] = Text(
                "lot %(lot)s is already recorded with expiry %(expiry)s",
                lot=lot_code or "—",
                expiry=recorded.strftime("%d/%m/%Y"),
            )
    return e


def clean_lines(raw_lines: list[dict], producer_id: int | None = None) -> tuple[list[dict], dict]:
    """Every problem of every line at once, under `line N field` (N counts the rows given, empty ones too)."""
    lines, errors = [], {}
    for i, raw in enumerate(raw_lines, start=1):
        if not isinstance(raw, dict):
            continue
        if not any(str(raw.get(f) or "").strip() for f in LINE_FIELDS if f != "ownership"):
            continue  # an empty row of the form (its ownership select always has a value)
        e: dict = {}
        product, label_lot = None, None
        code = str(raw.get("sku") or "").strip()
        if not code:
            e["sku"] = Text("required")
        else:
            try:
                known = identify(code)
                product, label_lot = known.product, known.lot_code
            except NotFound:
                e["sku"] = Text("unknown product '%(sku)s'", sku=code[:40])
            except DomainError as unreadable:  # a barcode with a wrong check digit says so
                e["sku"] = unreadable.text
        quantity = parse_int(raw.get("quantity"), "quantity", e, minimum=1, maximum=1_000_000)
        unit_cost = parse_int(raw.get("unit_cost"), "unit_cost", e, minimum=0, maximum=1_000_000_000)
        produced = parse_date(raw.get("production_date"), "production_date", e, required=False)
        expires = parse_date(raw.get("expiry_date"), "expiry_date", e, required=False)
        for field, day in (("production_date", produced), ("expiry_date", expires)):
            if day and not date(2000, 1, 1) <= day <= date(2200, 12, 31):
                e[field] = Text("between 2000 and 2200")
        if produced and expires and expires < produced and "expiry_date" not in e:
            e["expiry_date"] = Text("before the production date")
        lot_code = str(raw.get("lot_code") or "").strip()
        if label_lot and not lot_code:
            lot_code = label_lot
        if len(lot_code) > 20 or "/" in lot_code or has_control_characters(lot_code):
            e["lot_code"] = Text("at most 20 characters, no '/'")
        elif label_lot and lot_code != label_lot:
            e["lot_code"] = Text("the label scanned is lot %(lot)s", lot=label_lot)
        ownership = raw.get("ownership") or "purchased"
        if ownership not in OWNERSHIPS:
            e["ownership"] = Text("purchased or consignment")
        commission = parse_int(raw.get("commission_rate") or 0, "commission_rate", e, minimum=0, maximum=100)
        if product is not None:
            for field, problem in _line_problems(product, producer_id, lot_code, expires, ownership).items():
                e.setdefault(field, problem)
        errors |= {f"line {i} {k}": v for k, v in e.items()}
        if not e:
            lines.append(
                dict(
                    product_id=product.id,
                    lot_code=lot_code,
                    production_date=produced,
                    expiry_date=expires,
                    quantity=quantity,
                    unit_cost=unit_cost,
                    ownership=ownership,
                    commission_rate=commission if ownership == "consignment" else 0,
                )
            )
    if not lines and not errors:
        errors["lines"] = Text("add at least one line")
    if len(lines) > MAX_LINES:
        errors["lines"] = Text("at most %(n)d lines", n=MAX_LINES)
    return lines, errors


def _clean(producer_id, raw_lines, note) -> tuple[list[dict], str]:
    errors: dict = {}
    if not isinstance(producer_id, int) or db.session.get(Producer, producer_id) is None:
        errors["producer_id"] = Text("choose the producer")
        producer_id = None
    try:
        note = check_text(note, NOTE_MAX)
    except OutOfLimits as refused:
        errors["note"], note = refused.problem, ""
    lines, line_errors = clean_lines(raw_lines, producer_id)
    errors |= line_errors
    if errors:
        raise ValidationError(
            "Receipt not saved: %(problems)s.", problems=problem_list(errors, field_name), fields=errors
        )
    return lines, note


def _next_number(prefix: str) -> str:
    """One more than the highest number given (a deleted draft leaves no hole behind the newest)."""
    highest = db.session.scalar(
        select(func.max(cast(func.substr(GoodsReceipt.number, len(prefix) + 2), Integer))).where(
            GoodsReceipt.number.like(f"{prefix}-%")
        )
    )
    return f"{prefix}-{(highest or 0) + 1:06d}"


def _lines_snapshot(receipt: GoodsReceipt) -> list[dict]:
    return lines_snapshot(receipt.lines, "ownership")


def create_receipt(producer_id, raw_lines: list[dict], user, note: str = "") -> GoodsReceipt:
    lines, note = _clean(producer_id, raw_lines, note)
    with atomic():
        receipt = GoodsReceipt(number=_next_number("PN"), producer_id=producer_id, created_by_id=user.id, note=note)
        db.session.add(receipt)
        db.session.flush()
        db.session.add_all(GoodsReceiptLine(receipt_id=receipt.id, **line) for line in lines)
        record_audit("create", "goods_receipt", receipt.number, after={"lines": len(lines)}, user=user)
    return receipt


def _draft_or_refuse(receipt_id: int) -> GoodsReceipt:
    """Inside atomic(): the draft, locked against a posting at the same moment."""
    return _claim(receipt_id, "draft", _no_longer_a_draft, status="draft")


def _claim(receipt_id: int, from_status: str, refusal, **values) -> GoodsReceipt:
    """claim_or_refuse() for a goods receipt: `refusal(receipt)` is the Conflict when it has moved on."""
    return claim_or_refuse(
        GoodsReceipt, receipt_id, from_status, missing=NotFound("No such goods receipt."), moved=refusal, **values
    )


def _no_longer_a_draft(receipt: GoodsReceipt) -> Conflict:
    return Conflict(
        "Receipt %(number)s is no longer a draft (its status: %(status)s): only a draft can be changed "
        "or deleted; a posted receipt is corrected by reversing it.",
        number=receipt.number,
        status=RECEIPT_STATUSES[receipt.status],
        fields={"status": receipt.status},
    )


def _already_posted(receipt: GoodsReceipt) -> Conflict:
    return Conflict("Receipt %(number)s is already posted.", number=receipt.number, fields={"status": receipt.status})


def _not_posted(receipt: GoodsReceipt) -> Conflict:
    return Conflict(
        "Receipt %(number)s is not a posted receipt (its status: %(status)s).",
        number=receipt.number,
        status=RECEIPT_STATUSES[receipt.status],
        fields={"status": receipt.status},
    )


def update_receipt(receipt_id: int, producer_id, raw_lines: list[dict], user, note: str = "") -> GoodsReceipt:
    """Replace a draft's producer, note and lines; refused once it is posted."""
    lines, note = _clean(producer_id, raw_lines, note)
    with atomic():
        receipt = _draft_or_refuse(receipt_id)
        before = {"producer_id": receipt.producer_id, "note": receipt.note, "lines": _lines_snapshot(receipt)}
        db.session.execute(delete(GoodsReceiptLine).where(GoodsReceiptLine.receipt_id == receipt.id))
        receipt.producer_id, receipt.note = producer_id, note
        db.session.add_all(GoodsReceiptLine(receipt_id=receipt.id, **line) for line in lines)
        db.session.flush()
        db.session.expire(receipt, ["lines", "producer"])
        record_audit(
            "update",
            "goods_receipt",
            receipt.number,
            before=before,
            user=user,
            after={"producer_id": producer_id, "note": note, "lines": _lines_snapshot(receipt)},
        )
    return receipt


def delete_receipt(receipt_id: int, user) -> str:
    """Throw a draft away (its content stays in the audit log); returns its number."""
    with atomic():
        receipt = _draft_or_refuse(receipt_id)
        before = {"producer_id": receipt.producer_id, "note": receipt.note, "lines": _lines_snapshot(receipt)}
        return delete_document(receipt, GoodsReceiptLine.receipt_id, "goods_receipt", before, user)


def posting_problems(receipt: GoodsReceipt) -> dict:
    """Why a draft cannot be posted as it stands, per line (`line N field`): the rules may be newer than the draft,
    a product may have changed producer or group, a lot may have been recorded since with another expiry."""
    problems: dict = {}
    for i, line in enumerate(receipt.lines, start=1):
        for field, problem in _line_problems(
            line.product, receipt.producer_id, line.lot_code, line.expiry_date, line.ownership
        ).items():
            problems[f"line {i} {field}"] = problem
    if not receipt.lines:
        problems["lines"] = Text("add at least one line")
    return problems


def post_receipt(receipt_id: int, user) -> GoodsReceipt:
    """Put the goods on the shelf: lots and receipt movements, all at once, exactly once."""
    with atomic():
        receipt = _claim(receipt_id, "draft", _already_posted, status="posted", posted_at=utcnow())
        problems = posting_problems(receipt)
        if problems:
            raise ValidationError(
                "Receipt %(number)s cannot be posted: %(problems)s. Edit the draft to fix these lines, or delete it.",
                number=receipt.number,
                problems=problem_list(problems, field_name),
                fields=problems,
            )
        for line in receipt.lines:
            lot = find_or_create_lot(
                line.product_id,
                line.lot_code,
                ownership=line.ownership,
                production_date=line.production_date,
                expiry_date=line.expiry_date,
                commission_rate=line.commission_rate,
            )
            move_stock(
                line.product_id,
                lot.id,
                line.quantity,
                "receipt",
                unit_cost=line.unit_cost,
                document=("receipt", receipt.number),
                user_id=user.id,
            )
        record_audit("post", "goods_receipt", receipt.number, user=user)
    return receipt


def reverse_receipt(receipt_id: int, user, reason: str) -> GoodsReceipt:
    """A reversing receipt takes the same goods out of the same lots; refused if they were sold already."""
    reason = (reason or "").strip()[:300]
    if not reason or has_control_characters(reason):
        raise ValidationError("Give the reason for reversing.", fields={"reason": "required"})
    with atomic():
        original = _claim(receipt_id, "posted", _not_posted, status="reversed")
        reversal = GoodsReceipt(
            number=_next_number("PN"),
            producer_id=original.producer_id,
            status="posted",
            reverses_id=original.id,
            created_by_id=user.id,
            posted_at=utcnow(),
            note=f"Đảo phiếu {original.number}: {reason}",
        )
        db.session.add(reversal)
        db.session.flush()
        for line in original.lines:
            lot = db.session.scalar(
                select(Lot).where(
                    Lot.product_id == line.product_id, Lot.code == line.lot_code, Lot.ownership == line.ownership
                )
            )
            try:
                move_stock(
                    line.product_id,
                    lot.id,
                    -line.quantity,
                    "receipt",
                    unit_cost=line.unit_cost,
                    document=("receipt", reversal.number),
                    user_id=user.id,
                    reason=reason,
                )
            except OutOfStock as short:
                raise Conflict(
                    "Cannot reverse %(number)s: %(short)s Record a return to the producer for what is left instead.",
                    number=original.number,
                    short=short.text,
                    fields=short.fields,
                ) from None
        record_audit(
            "reverse", "goods_receipt", original.number, after={"reversal": reversal.number}, note=reason, user=user
        )
    return reversal
