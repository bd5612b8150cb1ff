"""Stock counts (kiểm kê), while the till keeps selling.

Each line keeps what the books said at the moment its count was entered (`expected`), and posting moves
the product by counted − expected. A sale before the entry is in both the shelf and the books; a sale after
it comes off the books on its own and the count does not undo it. So no sale is lost or counted twice."""
from sqlalchemy import func, select

from pos.audit import record_audit
from pos.catalog.service import parse_int, search_products
from pos.database import atomic, claim
from pos.errors import Conflict, NotFound, ValidationError, problem_list
from pos.extensions import db
from pos.inventory.ledger import find_or_create_lot, move_stock
from pos.models import Lot, Product, StockCount, StockCountLine, StockLevel
from pos.models.base import utcnow


def open_count(user, *, group: str | None = None, producer_id: int | None = None) -> StockCount:
    with atomic():
        products = db.session.scalars(search_products("", group=group, producer_id=producer_id, active_only=True)).all()
        if not products:
            raise ValidationError("No product matches this count's filter.", fields={"filter": "empty"})
        levels = {level.product_id: level for level in db.session.scalars(
            select(StockLevel).where(StockLevel.product_id.in_([p.id for p in products])))}
        number = f"KK-{db.session.scalar(select(func.count(StockCount.id))) + 1:06d}"
        count = StockCount(number=number, opened_by_id=user.id,
                           scope=", ".join(x for x in (group or "", f"producer {producer_id}" if producer_id else "") if x)
                           or "all")
        db.session.add(count)
        db.session.flush()
        db.session.add_all(StockCountLine(
            count_id=count.id, product_id=p.id, expected=levels[p.id].on_hand if p.id in levels else 0,
            unit_cost=levels[p.id].average_cost if p.id in levels else 0) for p in products)
        record_audit("create", "stock_count", number, after={"products": len(products)}, user=user)
    return count


def enter_counts(count_id: int, counted: dict[int, object]) -> None:
    """counted: product id → the quantity typed (blank leaves the line uncounted)."""
    errors = {}
    values = {}
    for product_id, raw in counted.items():
        if raw is None or str(raw).strip() == "":
            continue
        value = parse_int(raw, f"product {product_id}", errors, minimum=0, maximum=10_000_000)
        if value is not None:
            values[product_id] = value
    if errors:
        names = dict(db.session.execute(select(Product.id, Product.name_vi).where(Product.id.in_(counted))).all())
        raise ValidationError("Counts not saved: %(problems)s.", fields=errors, problems=problem_list(
            errors, lambda key: names.get(int(key.removeprefix("product ")), "#" + key.removeprefix("product "))))
    with atomic():
        count = _open_sheet(count_id)
        books = dict(db.session.execute(select(StockLevel.product_id, StockLevel.on_hand)
                                        .where(StockLevel.product_id.in_(values))).all())
        for line in count.lines:
            if line.product_id in values:
                line.counted = values[line.product_id]
                line.expected = books.get(line.product_id, 0)  # the books as the counter stands there


def post_count(count_id: int, user) -> StockCount:
    with atomic():
        count, claimed = claim(StockCount, count_id, "open", status="posted", posted_at=utcnow())
        if count is None:
            raise NotFound("No such count sheet.")
        if not claimed:
            raise Conflict("Count %(number)s is already posted.", number=count.number, fields={"status": "posted"})
        for line in count.lines:
            if line.variance:
                _adjust(line, count, user)
        record_audit("post", "stock_count", count.number, user=user,
                     after={"variances": sum(1 for line in count.lines if line.variance)})
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
    if line.variance > 0:  # found more: into the product's default lot
        lot = find_or_create_lot(line.product_id, "")
        move_stock(line.product_id, lot.id, line.variance, "count", document=("count", count.number),
                   user_id=user.id, reason=reason)
        return
    missing = -line.variance
    lots = db.session.scalars(select(Lot).where(Lot.product_id == line.product_id, Lot.on_hand > 0)
                              .order_by(Lot.expiry_date.is_(None), Lot.expiry_date, Lot.id)).all()
    for lot in lots:  # missing goods come off the lots that expire first
        taken = min(lot.on_hand, missing)
        move_stock(line.product_id, lot.id, -taken, "count", document=("count", count.number), user_id=user.id,
                   reason=reason)
        missing -= taken
        if missing == 0:
            return
    product = db.session.get(Product, line.product_id)
    raise Conflict("%(name)s: %(missing)d more missing than is on the books now. Recount this product.",
                   name=product.name_vi, missing=missing, fields={"counted": "too low"})
