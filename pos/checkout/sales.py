"""Recording a sale: one transaction holds the sale, its lines and payments, its stock movements and
its outbox row for central. Idempotent by the UUID the till made (a UNIQUE constraint, not a check).

The fast path: this writer, the stock ledger (pos/inventory/ledger.py) and the e-invoice the sale issues
(pos/einvoice/service.py) are the only code that runs hand-written `Sql` (pos/core/database.py), straight on
atomic()'s transaction, reads included: the checkout benchmark wants a sale at least half as fast as raw sqlite3
writing the same rows, and SQLAlchemy's own work per statement was most of a sale's time that is not the disk's
(docs/benchmarks.md, "Why checkout 1 is where it is"). Every other document (returns, shifts, goods receipts,
transfers) goes through the ORM or Core.

The sale is answered as the one recorded-sale value (RecordedSale, pos/checkout/recorded.py), built from the values
just written: its payload is the outbox row."""

import functools
import hashlib
import json
import secrets
import uuid as uuidlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import NamedTuple

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from pos.auth.service import StaffMember
from pos.catalog.ratings import SELLABLE_STATUSES, rating_status
from pos.checkout.approvals import Approval, check_approval
from pos.checkout.pricing import PricedCart, PricedLine, parse_discount, price_cart
from pos.checkout.recorded import RecordedLine, RecordedPayment, RecordedSale, find_recorded
from pos.checkout.shifts import open_shift_id
from pos.core.audit import record_audit
from pos.core.clock import local_today, to_local, utcnow
from pos.core.database import Sql, atomic, read_date
from pos.core.errors import Conflict, NotFound, OutOfStock, Text, TextList, ValidationError
from pos.core.extensions import db
from pos.core.limits import (
    DOCUMENT_NUMBER_MAX,
    LOT_MAX,
    PAYMENT_MAX,
    PAYMENT_REFERENCE_MAX,
    QUANTITY_MAX,
    ROW_ID_MAX,
    SALE_LINES_MAX,
    SALE_PAYMENTS_MAX,
    SEARCH_MAX,
    OutOfLimits,
    bounded,
    check_text,
)
from pos.core.money import round_cash, round_half_up_div
from pos.core.outbox import outbox_entry
from pos.einvoice.service import issue_for_sale
from pos.inventory.ledger import (
    SellableLot,
    find_or_create_lot,
    move_stock,
    sellable_lots,
    sellable_lots_of,
    take_stock,
)
from pos.labels.serials import is_serial
from pos.labels.serials import refuse as refuse_serial
from pos.models import PAYMENT_METHODS, Lot, Sale, StockLevel

CLIENT_PRICE_FIELDS = {"price", "unit_price", "amount", "total", "vat_amount", "vat_total"}

# What the writer reads first, in one statement: what the UUID already holds (every sale has its number's row,
# reserved for a VietQR transfer or written with the sale), the open shift (by the open marker's unique index), and
# whether a restore awaits recovery (pos.sync.recovery.recovery_pending(), as the writer reads it).
_STATE = Sql(
    "SELECT n.number, s.payload_hash, (SELECT id FROM shifts WHERE open_marker = 1),"
    " EXISTS (SELECT 1 FROM sync_state WHERE key = 'recovery_pending' AND value <> '')"
    " FROM (SELECT 1) AS one LEFT JOIN sale_numbers n ON n.uuid = :uuid LEFT JOIN sales s ON s.uuid = n.uuid"
)
# Walked down the index from the top, so a day under 10,000 sales takes one step (max() would read them all,
# as the length filter keeps SQLite from its one-step max()).
_LAST_NUMBER = Sql(
    "SELECT number FROM sale_numbers WHERE number BETWEEN :low AND :high AND length(number) = :length"
    " ORDER BY number DESC LIMIT 1"
)
_NUMBER_LOCK = Sql("SELECT pg_advisory_xact_lock(hashtext('sale_numbers'))")
_INSERT_NUMBER = Sql("INSERT INTO sale_numbers (number, uuid, created_at) VALUES (:number, :uuid, :created_at)")
_INSERT_SALE = Sql(
    "INSERT INTO sales (uuid, number, lookup_code, shift_id, cashier_id, created_at, subtotal, discount_total, total,"
    " vat_total, cash_rounding, approved_by, payload_hash) VALUES (:uuid, :number, :lookup_code, :shift_id,"
    " :cashier_id, :created_at, :subtotal, :discount_total, :total, :vat_total, :cash_rounding, :approved_by,"
    " :payload_hash) RETURNING id"
)
_INSERT_LINES = Sql(
    "INSERT INTO sale_lines (sale_id, line_no, product_id, sku, name_vi, quantity, unit_price, discount, amount,"
    " vat_rate, vat_amount, stars, potential_5_star, unit_cost, consignment, returned_quantity, serial) VALUES"
    " (:sale_id, :line_no, :product_id, :sku, :name_vi, :quantity, :unit_price, :discount, :amount, :vat_rate,"
    " :vat_amount, :stars, :potential_5_star, :unit_cost, :consignment, 0, :serial)"
)
_INSERT_PAYMENTS = Sql(
    "INSERT INTO payments (sale_id, method, amount, tendered, change, reference) VALUES"
    " (:sale_id, :method, :amount, :tendered, :change, :reference)"
)
_INSERT_OUTBOX = Sql(
    "INSERT INTO outbox (kind, uuid, payload, created_at, status, attempts, next_attempt_at, last_error, faults)"
    " VALUES (:kind, :uuid, :payload, :created_at, :status, :attempts, :next_attempt_at, :last_error, :faults)"
)


@dataclass(frozen=True)
class SaleRating:
    """The product's latest OCOP rating, as a sale checks and records it."""

    stars: int
    potential_5_star: bool
    valid_until: date
    revoked_on: date | None


@dataclass(frozen=True)
class SaleProduct:
    """What the writer reads of a product, in one statement (its price, VAT, current rating, producer, average
    cost, and its unit for the e-invoice): the input of a sale, priced as a product (pricing.Priceable); a Product
    would cost more to load."""

    id: int
    sku: str
    name_vi: str
    price: int
    vat_rate: int
    unit: str
    gtin14: str
    ocop_group: str
    producer: str
    producer_tax_code: str
    average_cost: int | None
    active: bool
    rating: SaleRating | None  # None when never rated
    rating_status: str  # valid, expiring, expired, revoked or unrated, today

    @classmethod
    def of(cls, row: tuple, today: date) -> "SaleProduct":
        """A row of _sale_products_sql: the fields up to `active` in order (SQLite gives 0 or 1 for the flags),
        then the latest rating's id and fields, all NULL when never rated."""
        *fields, active, rating_id, stars, potential_5_star, valid_until, revoked_on = row
        rating = (
            None
            if rating_id is None
            else SaleRating(stars, bool(potential_5_star), read_date(valid_until), read_date(revoked_on))
        )
        return cls(*fields, bool(active), rating, rating_status(rating, today))

    @property
    def ocop_rating(self) -> SaleRating | None:
        """The rating the sale records: only one that still lets the product carry the OCOP mark."""
        return self.rating if self.rating_status in SELLABLE_STATUSES else None


@functools.lru_cache(maxsize=SALE_LINES_MAX)
def _sale_products_sql(count: int) -> Sql:
    """Products with their producer, average cost and latest rating; one statement per number of products."""
    return Sql(
        "SELECT p.id, p.sku, p.name_vi, p.price, p.vat_rate, p.unit, p.gtin14, p.ocop_group, pr.name, pr.tax_code,"
        " sl.average_cost, p.active, r.id, r.stars, r.potential_5_star, r.valid_until, r.revoked_on FROM products p"
        " JOIN producers pr ON pr.id = p.producer_id"
        " LEFT JOIN ocop_ratings r ON r.id = (SELECT id FROM ocop_ratings WHERE product_id = p.id"
        " ORDER BY decision_date DESC, id DESC LIMIT 1)"
        " LEFT JOIN stock_levels sl ON sl.product_id = p.id"
        f" WHERE p.id IN ({', '.join(f':id{i}' for i in range(count))})"
    )


@functools.lru_cache(maxsize=SALE_LINES_MAX)
def _serials_sql(count: int) -> Sql:
    """The scanned serials as issued (product, lot) and, when sold, the time of the sale holding them: by the serials'
    unique index and sale_lines' partial one (a line not returned)."""
    return Sql(
        "SELECT s.serial, s.product_id, s.lot_code, sa.created_at FROM serials s"
        " LEFT JOIN sale_lines sl ON sl.serial = s.serial AND sl.returned_quantity = 0"
        " LEFT JOIN sales sa ON sa.id = sl.sale_id"
        f" WHERE s.serial IN ({', '.join(f':s{i}' for i in range(count))})"
    )


def _check_serials(lines: list[dict], products: dict[int, SaleProduct]) -> None:
    """Every scanned serial was issued for its line's product and is not sold (SerialRefused, in the cashier's
    language, says which and why); the line takes its stock from the serial's lot. Two tills selling the same
    serial at once both pass here; the sale lines' unique index lets one of them commit."""
    wanted = [line for line in lines if line["serial"]]
    if not wanted:
        return
    rows = _serials_sql(len(wanted)).run({f"s{i}": line["serial"] for i, line in enumerate(wanted)}).fetchall()
    found = {serial: (product_id, lot_code, sold_at) for serial, product_id, lot_code, sold_at in rows}
    for line in wanted:
        product_id, lot_code, sold_at = found.get(line["serial"], (None, "", None))
        if isinstance(sold_at, str):
            sold_at = datetime.fromisoformat(sold_at)
        product = products[line["product_id"]]
        refuse_serial(line["serial"], product.id, product.name_vi, product_id, sold_at)
        line["lot"] = lot_code


def _sale_products(ids) -> dict[int, SaleProduct]:
    ids = list(ids)
    rows = _sale_products_sql(len(ids)).run({f"id{i}": product_id for i, product_id in enumerate(ids)}).fetchall()
    today = local_today()
    products = (SaleProduct.of(row, today) for row in rows)
    return {product.id: product for product in products}


def _payload_hash(payload: dict) -> str:
    relevant = {k: payload.get(k) for k in ("lines", "payments", "discount")}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()


def parse_lines(raw) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise ValidationError("A sale needs at least one line.", fields={"lines": "empty"})
    if len(raw) > SALE_LINES_MAX:
        raise ValidationError("A sale has at most %(n)d lines.", n=SALE_LINES_MAX, fields={"lines": "too many"})
    lines, errors, serials = [], {}, set()
    for i, line in enumerate(raw):
        if not isinstance(line, dict):
            errors[f"lines[{i}]"] = "not an object"
            continue
        if CLIENT_PRICE_FIELDS & set(line):
            errors[f"lines[{i}].price"] = "prices are set by the showroom, not by the till"
        product_id, quantity = line.get("product_id"), line.get("quantity")
        if bounded(product_id, 1, ROW_ID_MAX) is None:
            errors[f"lines[{i}].product_id"] = "required (a product id)"
        if bounded(quantity, 1, QUANTITY_MAX) is None:
            errors[f"lines[{i}].quantity"] = f"a whole number from 1 to {QUANTITY_MAX}"
        lot = line.get("lot")
        if lot is not None:
            try:
                check_text(lot, LOT_MAX, strip=False)
            except OutOfLimits as problem:
                errors[f"lines[{i}].lot"] = problem.problem
        serial = line.get("serial")
        if serial is not None:
            if not is_serial(serial):
                errors[f"lines[{i}].serial"] = "not a serial of this network (10 of 23456789ABCDEFGHJKMNPQRSTUVWXYZ)"
            elif quantity != 1:
                errors[f"lines[{i}].quantity"] = "a line with a serial is one unit"
            elif serial in serials:
                errors[f"lines[{i}].serial"] = "the same serial twice in one sale"
            else:
                serials.add(serial)
        try:
            discount = parse_discount(line.get("discount"), f"lines[{i}].discount")
        except ValidationError as error:
            errors.update(error.fields)
            discount = None
        lines.append(
            {"product_id": product_id, "quantity": quantity, "discount": discount, "lot": lot, "serial": serial}
        )
    if errors:
        raise ValidationError("The sale has invalid lines.", fields=errors)
    return lines


def _parse_payments(raw) -> list[dict]:
    if not isinstance(raw, list) or not raw or len(raw) > SALE_PAYMENTS_MAX:
        raise ValidationError(
            "A sale needs one to %(n)d payments.", n=SALE_PAYMENTS_MAX, fields={"payments": "missing"}
        )
    payments, errors = [], {}
    for i, payment in enumerate(raw):
        if not isinstance(payment, dict) or payment.get("method") not in PAYMENT_METHODS:
            errors[f"payments[{i}].method"] = f"one of {', '.join(PAYMENT_METHODS)}"
            continue
        amount = bounded(payment.get("amount"), 1, PAYMENT_MAX)
        if amount is None:
            errors[f"payments[{i}].amount"] = f"a whole number of đồng from 1 to {PAYMENT_MAX}"
            continue
        try:
            reference = check_text(payment.get("reference"), PAYMENT_REFERENCE_MAX)
        except OutOfLimits as problem:
            errors[f"payments[{i}].reference"] = problem.problem
            continue
        if payment["method"] == "card" and not reference.strip():
            errors[f"payments[{i}].reference"] = "a card payment needs the terminal's reference"
            continue
        payments.append({"method": payment["method"], "amount": amount, "reference": reference})
    if errors:
        raise ValidationError("The sale has invalid payments.", fields=errors)
    return payments


def _settle(payments: list[dict], total: int, step: int) -> tuple[tuple[RecordedPayment, ...], int]:
    """Non-cash payments may not exceed the total; cash covers the rest, rounded to `step` đồng half up
    (CASH_ROUNDING), and gives change. Returns the payments as recorded and the cash rounding (0 without cash)."""
    non_cash = sum(p["amount"] for p in payments if p["method"] != "cash")
    cash = sum(p["amount"] for p in payments if p["method"] == "cash")
    if non_cash > total:
        raise ValidationError(
            "Card and transfer payments are more than the total; only cash gives change.",
            fields={"payments": "non-cash over total"},
        )
    rounding = round_cash(total - non_cash, step) - (total - non_cash) if cash else 0
    due = total + rounding
    if non_cash + cash < due:
        raise ValidationError(
            "Payments (%(paid)d ₫) do not cover the total (%(total)d ₫).",
            paid=non_cash + cash,
            total=due,
            fields={"payments": f"{due - non_cash - cash} still due"},
        )
    cash_due, settled = due - non_cash, []
    for p in payments:
        if p["method"] == "cash":
            applied = min(p["amount"], cash_due)
            cash_due -= applied
            settled.append(RecordedPayment("cash", applied, p["amount"], p["amount"] - applied, p["reference"]))
        else:
            settled.append(RecordedPayment(p["method"], p["amount"], 0, 0, p["reference"]))
    # Cash beyond what was due is handed straight back: a payment that pays nothing is not recorded.
    return tuple(p for p in settled if p.amount > 0), rounding


class _Held(NamedTuple):
    """What the writer finds first (_STATE)."""

    number: str | None  # the UUID's number, reserved or its sale's
    payload_hash: str | None  # its recorded sale's, when it has one
    shift_id: int | None  # the open shift's
    recovering: bool  # restored from a backup and not yet recovered


def _held(sale_uuid: str) -> _Held:
    number, payload_hash, shift_id, recovering = _STATE.run({"uuid": sale_uuid}).fetchone()
    return _Held(number, payload_hash, shift_id, bool(recovering))


def _new_number(sale_uuid: str, code: str, now: datetime, recovering: bool) -> str:
    """The next number of the showroom's day, written down for this UUID. Call inside atomic()."""
    if db.engine.dialect.name == "postgresql":
        # Numbers are handed out one transaction at a time (SQLite's write lock already does this).
        _NUMBER_LOCK.run()
    prefix = f"{code}-{to_local(now).strftime('%Y%m%d')}-"
    if recovering:
        # Restored from a backup and not yet recovered (pos/sync/recovery.py): central may hold the day's next
        # numbers under sales the backup lacks, so numbers come from a series of their own until then.
        prefix += "R"
    number = _next_number(prefix)
    _INSERT_NUMBER.run({"number": number, "uuid": sale_uuid, "created_at": now})
    return number


def _next_number(prefix: str) -> str:
    """The day's next number: 0001 to 9999, then 10000 on. Each width is counted on its own, as text sorts
    10000 before 9999."""
    for digits in (4, 5, 6):
        last = _LAST_NUMBER.run(
            {"low": prefix + "0" * digits, "high": prefix + "9" * digits, "length": len(prefix) + digits}
        ).fetchone()
        following = int(last[0][len(prefix) :]) + 1 if last else (1 if digits == 4 else 10 ** (digits - 1))
        if following < 10**digits:
            return f"{prefix}{following:0{digits}d}"
    raise Conflict("Today's sale numbers are used up.", fields={"number": "used up"})


def reserve_number(sale_uuid) -> str:
    """A sale number before the sale is recorded (a VietQR transfer's purpose carries it)."""
    sale_uuid = parse_uuid(sale_uuid)
    for attempt in range(3):
        try:
            with atomic():
                held = _held(sale_uuid)
                return held.number or _new_number(
                    sale_uuid, current_app.config["SHOWROOM_CODE"], utcnow(), held.recovering
                )
        except IntegrityError:
            if attempt == 2:
                raise
    return None


def receipt_code(text: str) -> str:
    """What a cashier typed or scanned to find a receipt: its number, its lookup code, or the URL of the QR code
    printed on it (…/r/{lookup code}); upper-cased, as both are stored."""
    text = (text or "").strip()[:SEARCH_MAX]
    if "/r/" in text:
        text = text.rsplit("/r/", 1)[1].split("?")[0].strip("/")
    return text.upper()[:DOCUMENT_NUMBER_MAX]


def find_by_receipt(text: str) -> Sale | None:
    code = receipt_code(text)
    return db.session.scalar(select(Sale).where(or_(Sale.number == code, Sale.lookup_code == code))) if code else None


def parse_uuid(value) -> str:
    try:
        return str(uuidlib.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise ValidationError("The sale needs the UUID the till made.", fields={"uuid": "not a UUID"}) from None


def record_sale(payload: dict, cashier) -> tuple[RecordedSale, bool]:
    """Record the till's sale. Returns (sale, created); the same UUID again returns the first sale."""
    if not isinstance(payload, dict):
        raise ValidationError("The sale must be a JSON object.", fields={"body": "not an object"})
    sale_uuid = parse_uuid(payload.get("uuid"))
    lines = parse_lines(payload.get("lines"))
    order_discount = parse_discount(payload.get("discount"), "discount")
    payments = _parse_payments(payload.get("payments"))
    # Plain values: atomic() ends the request's read transaction, which expires every loaded ORM object.
    cashier = StaffMember.of(cashier)
    # Its password hash is slow: checked before the write lock, answered once the rest is valid (confirm).
    approval = check_approval(payload.get("approval"), requester=cashier, document=f"sale {sale_uuid}")
    try:
        with atomic():
            held = _held(sale_uuid)
            retried = _is_retry(held.payload_hash, payload)  # the UNIQUE uuid catches a concurrent one
            if not retried:
                recorded = _record(
                    sale_uuid, held, payload, _price(lines, order_discount, payments, approval), cashier, approval
                )
                approval.confirm()
    except IntegrityError:
        db.session.rollback()
        retried = _is_retry(_held(sale_uuid).payload_hash, payload)  # the same sale committed by a concurrent retry
        if not retried:
            _refuse_sold_serials(lines)  # another till sold one of these serials first: say which, where, when
            raise
    if retried:
        return find_recorded(sale_uuid), False
    return recorded, True


def _refuse_sold_serials(lines: list[dict]) -> None:
    """After a unique-index refusal: SerialRefused naming the serial another till has just sold, if that was it."""
    if any(line["serial"] for line in lines):
        with atomic():
            _check_serials(lines, _sale_products({line["product_id"] for line in lines}))


def _is_retry(recorded_hash: str | None, payload: dict) -> bool:
    """Whether the UUID's sale was recorded before (a retry). The same UUID with other content is a conflict."""
    if recorded_hash is None:
        return False
    if recorded_hash != _payload_hash(payload):
        raise Conflict("This sale UUID was already used for a different sale.", fields={"uuid": "reused"})
    return True


@dataclass(frozen=True)
class PricedSale:
    products: dict[int, SaleProduct]
    cart: PricedCart[SaleProduct]
    payments: tuple[RecordedPayment, ...]  # settled: what each payment contributes, with tendered and change
    cash_rounding: int  # what rounding the cash due added to the total
    approver: StaffMember | None  # the manager who approved an override
    serials: tuple[str | None, ...]  # each line's serial (a serialized unit's label), or None


def _price(lines, order_discount, payments, approval: Approval) -> PricedSale:
    """The products as they are now, the cart priced, payments settled, and the manager's approval where the
    rules need one (a product without a valid rating, a discount over the limit)."""
    config = current_app.config
    products = _sale_products({line["product_id"] for line in lines})
    missing = {
        f"lines[{i}].product_id": "unknown product"
        for i, line in enumerate(lines)
        if line["product_id"] not in products or not products[line["product_id"]].active
    }
    if missing:
        raise ValidationError("The sale has unknown or inactive products.", fields=missing)
    _check_serials(lines, products)
    unrated = [products[line["product_id"]] for line in lines if not products[line["product_id"]].ocop_rating]
    approver = None
    if unrated:
        names = TextList(_unrated_name(p) for p in unrated)
        approver = approval.require(Text("selling without a valid OCOP rating: %(products)s.", products=names))
    cart = price_cart(
        [(products[line["product_id"]], line["quantity"], line["discount"], line["lot"]) for line in lines],
        order_discount,
    )
    if over_limit := discount_over_limit(cart):
        approver = approval.require(over_limit)
    settled, rounding = _settle(payments, cart.total, config["CASH_ROUNDING"])
    return PricedSale(products, cart, settled, rounding, approver, tuple(line["serial"] for line in lines))


def discount_over_limit(cart: PricedCart) -> Text | None:
    """What a manager approves when the cart's discounts pass DISCOUNT_LIMIT_PERCENT, or None within it."""
    limit = current_app.config["DISCOUNT_LIMIT_PERCENT"]
    if cart.discount_percent <= limit:
        return None
    return Text("a discount of %(percent).1f%% over the %(limit)s%% limit.", percent=cart.discount_percent, limit=limit)


def _unrated_name(product: SaleProduct) -> Text:
    """The product's name and why its OCOP rating does not count, for what a manager must approve."""
    if product.rating_status == "expired":
        return Text("%(name)s (expired)", name=product.name_vi)
    if product.rating_status == "revoked":
        return Text("%(name)s (revoked)", name=product.name_vi)
    return Text("%(name)s (unrated)", name=product.name_vi)


def _record(
    sale_uuid: str, held: _Held, payload: dict, priced: PricedSale, cashier: StaffMember, approval: Approval
) -> RecordedSale:
    """Write the sale (under its reserved number, or the day's next), its lines, payments, stock movements and
    outbox row; inside atomic(). The answer is built from the values written, without reading them back."""
    config, cart, products, approver = current_app.config, priced.cart, priced.products, priced.approver
    shift_id = open_shift_id(held.shift_id)
    now = utcnow()  # one moment for the sale's rows: its number, the sale, its movements and outbox row
    number = held.number or _new_number(sale_uuid, config["SHOWROOM_CODE"], now, held.recovering)
    lines = []
    serials = priced.serials
    lots = sellable_lots_of(products)  # each product's, for its first line (a later line of it reads afresh)
    for line_no, line in enumerate(cart.lines, start=1):
        product = line.product
        consigned, commission = _take(line, sale_uuid, number, now, cashier, approval, lots.pop(product.id, None))
        rating = product.ocop_rating
        lines.append(
            RecordedLine(
                line_no,
                product.id,
                product.sku,
                product.name_vi,
                line.quantity,
                line.unit_price,
                line.discount,
                line.amount,
                line.vat_rate,
                line.vat_amount,
                rating.stars if rating else None,
                bool(rating and rating.potential_5_star),
                product.average_cost or None,
                consigned,
                product.gtin14,
                product.producer,
                product.producer_tax_code,
                product.ocop_group,
                commission,
                serials[line_no - 1],
            )
        )
    recorded = write_sale(
        RecordedSale(
            0,  # not yet known: write_sale answers with the id
            sale_uuid,
            number,
            secrets.token_hex(5).upper(),
            shift_id,
            cashier.username,
            cashier.full_name or cashier.username,
            now,
            cart.subtotal,
            cart.discount_total,
            cart.total,
            cart.vat_total,
            priced.cash_rounding,
            tuple(lines),
            priced.payments,
        ),
        cashier.id,
        approved_by=approver.username if approver else "",
        payload_hash=_payload_hash(payload),
    )
    # When e-invoicing is on, the sale's invoice (pos/einvoice/service.py), in this transaction.
    issue_for_sale(
        {"uuid": sale_uuid, "id": recorded.id, "created_at": now},
        [vars(line) for line in lines],
        payload.get("buyer"),
        {product.id: product.unit for product in products.values()},
    )
    if approver:
        record_audit(
            "override",
            "sale",
            sale_uuid,
            user=approver,
            note=f"approved at the till for {cashier.username}: sale {number}",
        )
    _INSERT_OUTBOX.run(outbox_entry("sale", recorded.to_payload(), at=now))
    return recorded


def write_sale(sale: RecordedSale, cashier_id: int, *, approved_by: str, payload_hash: str) -> RecordedSale:
    """Write the sale's rows as `sale` holds them: the sale, its lines, its payments (its number's row and its
    stock are the caller's); inside atomic(). Returns `sale` with the new row's id. record_sale writes through
    here, and so does the recovery of a sale from central after a restore (pos/sync/recovery.py)."""
    sale_id = _INSERT_SALE.run(
        {
            "uuid": sale.uuid,
            "number": sale.number,
            "lookup_code": sale.lookup_code,
            "shift_id": sale.shift_id,
            "cashier_id": cashier_id,
            "created_at": sale.created_at,
            "subtotal": sale.subtotal,
            "discount_total": sale.discount_total,
            "total": sale.total,
            "vat_total": sale.vat_total,
            "cash_rounding": sale.cash_rounding,
            "payload_hash": payload_hash,
            "approved_by": approved_by,
        }
    ).fetchone()[0]
    # The rows' values are the recorded values' own (a statement takes the names it needs and ignores the rest).
    _INSERT_LINES.many([vars(line) | {"sale_id": sale_id} for line in sale.lines])
    _INSERT_PAYMENTS.many([vars(payment) | {"sale_id": sale_id} for payment in sale.payments])
    return replace(sale, id=sale_id)


def _take(
    line: PricedLine[SaleProduct],
    sale_uuid: str,
    number: str,
    at: datetime,
    cashier: StaffMember,
    approval: Approval,
    lots: list[SellableLot] | None,
) -> tuple[bool, int]:
    """Take stock: from the scanned label's lot when the line names one, else by FEFO. An expired or written-off
    lot is refused (LotNotSellable: no approval sells it). When short, a manager may approve selling anyway, which
    first records an adjustment bringing the shelf (or the named lot) up to what is physically being sold.
    Returns whether consigned goods were sold, and the showroom's commission on them (their amount × the lot's
    rate, rounded half up)."""
    document, lot_code = ("sale", sale_uuid), line.lot_code or None
    take = functools.partial(
        take_stock,
        line.product.id,
        line.quantity,
        document=document,
        user_id=cashier.id,
        lot_code=lot_code,
        amount=line.amount,
        at=at,
    )
    try:
        taken = take(lots=lots)
    except OutOfStock as short:
        manager = approval.require(short.text)
        lot = _lot_to_adjust(line.product.id, lot_code)
        level = db.session.get(StockLevel, line.product.id)
        on_shelf = sellable_lots(line.product.id)
        missing = line.quantity - sum(line.on_hand for line in on_shelf if lot_code is None or line.code == lot_code)
        move_stock(
            line.product.id,
            lot.id,
            missing,
            "adjustment",
            document=document,
            user_id=manager.id,
            reason=f"oversell approved by {manager.username} for sale {number}",
        )
        record_audit(
            "override",
            "stock",
            line.product.id,
            user=manager,
            before={"on_hand": level.on_hand if level else 0},
            note=f"oversell of {missing} approved for sale {number}",
        )
        taken = take()  # reading the lots afresh
    consigned = [t for t in taken if t.ownership == "consignment"]
    commission = sum(round_half_up_div((t.amount or 0) * t.commission_rate, 100) for t in consigned)
    return bool(consigned), commission


def _lot_to_adjust(product_id: int, lot_code: str | None) -> Lot:
    """Where an approved oversell's adjustment goes: the scanned lot (as recorded, whoever owns it), else the
    product's lot without a code."""
    if lot_code is not None:
        lot = db.session.scalar(
            select(Lot).where(Lot.product_id == product_id, Lot.code == lot_code).order_by(Lot.id).limit(1)
        )
        if lot is not None:
            return lot
    return find_or_create_lot(product_id, lot_code or "")


def get_sale_by_number(number: str) -> Sale:
    sale = db.session.scalar(select(Sale).where(Sale.number == (number or "").strip().upper()[:DOCUMENT_NUMBER_MAX]))
    if sale is None:
        typed = (number or "")[:DOCUMENT_NUMBER_MAX]
        raise NotFound("No sale with number '%(number)s'.", number=typed, fields={"number": "unknown"})
    return sale
