"""Stock counts (kiểm kê), lot by lot, while the till keeps selling.

A sheet has a line per lot of each product in its scope (every lot with goods on the books, or the product's
lot without a code when it has none). Each line keeps what the books said for its lot at the moment its count was
entered (`expected`), and posting moves the lot by counted − expected. A sale before the entry is in both the
shelf and the books; a sale after it comes off the books on its own and the count does not undo it. So no sale is
lost or counted twice.

A blind sheet hides what the books say until it is posted, so the counter counts what is there. Scanning an
item adds one to its lot's line (our QR labels name the lot). Posting with lines left uncounted is refused with
the list (UncountedLines) until the manager says whether they stay as on the books or are counted as none.
An open sheet can be thrown away (audited)."""

from sqlalchemy import Integer, cast, func, select

from pos.catalog.service import find_by_code, parse_int, search_products
from pos.core.audit import record_audit
from pos.core.clock import utcnow
from pos.core.database import atomic, claim_or_refuse
from pos.core.errors import Conflict, NotFound, OutOfStock, Text, TextList, ValidationError, problem_list
from pos.core.extensions import db
from pos.core.limits import SEARCH_MAX, STOCK_QUANTITY_MAX, checked_text
from pos.inventory.documents import delete_document
from pos.inventory.ledger import find_or_create_lot, move_stock
from pos.models import Lot, Product, StockCount, StockCountLine, StockLevel

UNCOUNTED_CHOICES = ("keep", "zero")


class UncountedLines(Conflict, code="uncounted_lines"):
    """Posting asked with lines not counted: `lines` are they, for the page to list."""

    def __init__(self, message: str, *, lines: list[StockCountLine], **params):
        self.lines = lines
        super().__init__(message, fields={"uncounted": [line.id for line in lines]}, **params)


def line_name(line: StockCountLine):
    if line.lot_id is None:
        return line.product.name_vi
    return Text("%(name)s, lot %(lot)s", name=line.product.name_vi, lot=line.lot.code or "—")


def _next_number() -> str:
    highest = db.session.scalar(select(func.max(cast(func.substr(StockCount.number, 4), Integer))))
    return f"KK-{(highest or 0) + 1:06d}"


def open_count(user, *, group: str | None = None, producer_id: int | None = None, blind: bool = False) -> StockCount:
    with atomic():
        products = db.session.scalars(search_products("", group=group, producer_id=producer_id, active_only=True)).all()
        if not products:
            raise ValidationError("No product matches this count's filter.", fields={"filter": "empty"})
        ids = [p.id for p in products]
        costs = dict(
            db.session.execute(
                select(StockLevel.product_id, StockLevel.average_cost).where(StockLevel.product_id.in_(ids))
            ).all()
        )
        lots: dict[int, list[Lot]] = {}
        for lot in db.session.scalars(
            select(Lot)
            .where(Lot.product_id.in_(ids), Lot.on_hand > 0)
            .order_by(Lot.expiry_date.is_(None), Lot.expiry_date, Lot.code, Lot.id)
        ):
            lots.setdefault(lot.product_id, []).append(lot)
        number = _next_number()
        count = StockCount(
            number=number,
            opened_by_id=user.id,
            blind=bool(blind),
            scope=", ".join(x for x in (group or "", f"producer {producer_id}" if producer_id else "") if x) or "all",
        )
        db.session.add(count)
        db.session.flush()
        lines = []
        for product in products:
            for lot in lots.get(product.id) or [find_or_create_lot(product.id, "")]:
                lines.append(
                    StockCountLine(
                        count_id=count.id,
                        product_id=product.id,
                        lot_id=lot.id,
                        expected=lot.on_hand,
                        unit_cost=costs.get(product.id, 0),
                    )
                )
        db.session.add_all(lines)
        record_audit(
            "create",
            "stock_count",
            number,
            user=user,
            after={"products": len(products), "lines": len(lines), "blind": bool(blind)},
        )
    return count


def _books(lines) -> dict:
    """What the books say now: per lot, and per product for the old product lines."""
    lot_ids = [line.lot_id for line in lines if line.lot_id]
    product_ids = [line.product_id for line in lines if not line.lot_id]
    by_lot = dict(db.session.execute(select(Lot.id, Lot.on_hand).where(Lot.id.in_(lot_ids))).all()) if lot_ids else {}
    by_product = (
        dict(
            db.session.execute(
                select(StockLevel.product_id, StockLevel.on_hand).where(StockLevel.product_id.in_(product_ids))
            ).all()
        )
        if product_ids
        else {}
    )
    return {
        line.id: by_lot.get(line.lot_id, 0) if line.lot_id else by_product.get(line.product_id, 0) for line in lines
    }


def enter_counts(count_id: int, counted: dict[int, object]) -> None:
    """counted: line id → the quantity typed (blank leaves the line uncounted)."""
    errors = {}
    values = {}
    for line_id, raw in counted.items():
        if raw is None or str(raw).strip() == "":
            continue
        value = parse_int(raw, f"line {line_id}", errors, minimum=0, maximum=STOCK_QUANTITY_MAX)
        if value is not None:
            values[line_id] = value
    if errors:
        lines = {
            line.id: line for line in db.session.scalars(select(StockCountLine).where(StockCountLine.id.in_(counted)))
        }
        raise ValidationError(
            "Counts not saved: %(problems)s.",
            fields=errors,
            problems=problem_list(
                errors, lambda key: line_name(lines[int(key[5:])]) if int(key[5:]) in lines else "#" + key[5:]
            ),
        )
    with atomic():
        count = _open_sheet(count_id)
        entered = [line for line in count.lines if line.id in values]
        books = _books(entered)
        for line in entered:
            line.counted = values[line.id]
            line.expected = books[line.id]  # the books as the counter stands there


def scan_count(count_id: int, code) -> StockCountLine:
    """One item scanned: one more on its lot's line. A QR label names the lot; a barcode or SKU is enough when the
    product has one lot on the sheet. A lot of a product on the sheet that the sheet does not list yet (received
    after the sheet was opened) gets its line."""
    code = checked_text(code, SEARCH_MAX, "code", Text("Not a product code"), required=True)
    scan = find_by_code(code)
    product = scan.product
    with atomic():
        count = _open_sheet(count_id)
        mine = [line for line in count.lines if line.product_id == product.id]
        if not mine:
            raise ValidationError(
                "%(name)s is not on this count sheet (%(scope)s).",
                name=product.name_vi,
                scope=count.scope,
                fields={"code": Text("not on this sheet")},
            )
        if scan.lot_code is not None:
            candidates = [line for line in mine if line.lot_id and line.lot.code == scan.lot_code]
            if not candidates:
                lots = db.session.scalars(
                    select(Lot).where(Lot.product_id == product.id, Lot.code == scan.lot_code)
                ).all()
                if len(lots) != 1:
                    raise NotFound(
                        "%(name)s has no lot %(lot)s on the books: count it on the line of the lot printed "
                        "on the pack.",
                        name=product.name_vi,
                        lot=scan.lot_code,
                        fields={"code": Text("unknown lot")},
                    )
                line = StockCountLine(
                    count_id=count.id,
                    product_id=product.id,
                    lot_id=lots[0].id,
                    expected=0,
                    unit_cost=db.session.scalar(
                        select(StockLevel.average_cost).where(StockLevel.product_id == product.id)
                    )
                    or 0,
                )
                db.session.add(line)
                db.session.flush()
                candidates = [line]
        else:
            candidates = mine
        if len(candidates) > 1:
            raise Conflict(
                "%(name)s has %(n)d lots on this sheet: scan the lot's QR label, or type the count on the lot's line.",
                name=product.name_vi,
                n=len(candidates),
                fields={"code": Text("which lot?")},
            )
        line = candidates[0]
        if (line.counted or 0) >= STOCK_QUANTITY_MAX:
            raise ValidationError(
                "Counts not saved: %(problems)s.", problems=line_name(line), fields={"code": Text("too many")}
            )
        line.counted = (line.counted or 0) + 1
        line.expected = _books([line])[line.id]
        db.session.flush()
    return line


def _claim_open(count_id: int, **values) -> StockCount:
    """Inside atomic(): the open sheet, moved on to `values`; refused once posted."""
    return claim_or_refuse(
        StockCount,
        count_id,
        "open",
        missing=NotFound("No such count sheet."),
        moved=lambda count: Conflict(
            "Count %(number)s is already posted.", number=count.number, fields={"status": "posted"}
        ),
        **values,
    )


def delete_count(count_id: int, user) -> str:
    """Throw an open sheet away, counts and all (the audit log keeps what was counted); returns its number."""
    with atomic():
        count = _claim_open(count_id, status="open")
        before = {
            "scope": count.scope,
            "blind": count.blind,
            "counted": [
                {"sku": line.product.sku, "lot": line.lot.code if line.lot else None, "counted": line.counted}
                for line in count.lines
                if line.counted is not None
            ],
        }
        return delete_document(count, StockCountLine.count_id, "stock_count", before, user)


def post_count(count_id: int, user, uncounted: str | None = None) -> StockCount:
    """uncounted: what lines not counted mean — "keep" (as on the books) or "zero" (none found); without it,
    a sheet with such lines is refused with UncountedLines."""
    with atomic():
        count = _claim_open(count_id, status="posted", posted_at=utcnow())
        left = [line for line in count.lines if line.counted is None]
        if left and uncounted not in UNCOUNTED_CHOICES:
            raise UncountedLines(
                "%(n)d lines are not counted: %(names)s. Count them, or post leaving them as on the "
                "books, or count them as none.",
                lines=left,
                n=len(left),
                names=TextList([line_name(line) for line in left[:20]] + (["…"] if len(left) > 20 else [])),
            )
        if left and uncounted == "zero":
            books = _books(left)
            for line in left:
                line.counted, line.expected = 0, books[line.id]
        for line in count.lines:
            if line.variance:
                _adjust(line, count, user)
        record_audit(
            "post",
            "stock_count",
            count.number,
            user=user,
            after={
                "variances": sum(1 for line in count.lines if line.variance),
                "uncounted": len(left),
                "uncounted_as": uncounted if left else None,
            },
        )
    return count


def _open_sheet(count_id: int) -> StockCount:
    count = db.session.get(StockCount, count_id)
    if count is None:
        raise NotFound("No such count sheet.")
    if count.status != "open":
        raise Conflict("Count %(number)s is already posted.", number=count.number, fields={"status": "posted"})
    return count


def _adjust(line: StockCountLine, count: StockCount, user) -> None:
    reason = f"kiểm kê {count.number}"
    document = ("count", count.number)
    if line.lot_id is not None:
        try:
            move_stock(
                line.product_id, line.lot_id, line.variance, "count", document=document, user_id=user.id, reason=reason
            )
        except OutOfStock:
            raise Conflict(
                "%(line)s: %(missing)d missing, but the books now hold only %(left)d of this lot. Recount this lot.",
                line=line_name(line),
                missing=-line.variance,
                left=db.session.get(Lot, line.lot_id).on_hand,
                fields={"counted": "too low"},
            ) from None
        return
    if line.variance > 0:  # a sheet from before lots were counted: found goods go into the default lot
        lot = find_or_create_lot(line.product_id, "")
        move_stock(line.product_id, lot.id, line.variance, "count", document=document, user_id=user.id, reason=reason)
        return
    missing = -line.variance
    lots = db.session.scalars(
        select(Lot)
        .where(Lot.product_id == line.product_id, Lot.on_hand > 0)
        .order_by(Lot.expiry_date.is_(None), Lot.expiry_date, Lot.id)
    ).all()
    for lot in lots:  # missing goods come off the lots that expire first
        taken = min(lot.on_hand, missing)
        move_stock(line.product_id, lot.id, -taken, "count", document=document, user_id=user.id, reason=reason)
        missing -= taken
        if missing == 0:
            return
    product = db.session.get(Product, line.product_id)
    raise Conflict(
        "%(name)s: %(missing)d more missing than is on the books now. Recount this product.",
        name=product.name_vi,
        missing=missing,
        fields={"counted": "too low"},
    )


def describe_scope(scope: str) -> str:
    """A sheet's stored scope ("drinks, producer 3", "all") as people read it: "Đồ uống · HTX Ba Vì", "Tất cả"."""
    from flask_babel import gettext

    from pos.core.formatting import label_of
    from pos.models import Producer

    parts = []
    for part in (scope or "all").split(", "):
        if part == "all":
            parts.append(gettext("All products"))
        elif part.startswith("producer ") and part[9:].isdigit():
            producer = db.session.get(Producer, int(part[9:]))
            parts.append(producer.name if producer else gettext("a producer no longer on file"))
        else:
            parts.append(label_of(part, "group"))
    return " · ".join(parts)
