"""Recording a sale: one transaction holds the sale, its lines and payments, its stock movements and
its outbox row for central. Idempotent by the UUID the till made (a UNIQUE constraint, not a check)."""
import hashlib
import json
import secrets
import uuid as uuidlib

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from pos.audit import record_audit
from pos.catalog.ratings import is_sellable_as_ocop, rating_status
from pos.checkout.approvals import verify_manager
from pos.checkout.pricing import MAX_QUANTITY, parse_discount, price_cart, round_half_up_div
from pos.checkout.shifts import require_open_shift
from pos.database import atomic
from pos.errors import Conflict, NotFound, OutOfStock, ValidationError
from pos.extensions import db
from pos.i18n import to_local
from pos.inventory.ledger import find_or_create_lot, move_stock, sellable_lots, take_stock
from pos.models import PAYMENT_METHODS, Payment, Product, Sale, SaleLine, SaleNumber, StockLevel
from pos.models.base import utcnow
from pos.outbox import enqueue, iso_utc

MAX_LINES = 200
MAX_TENDERED = 1_000_000_000
CLIENT_PRICE_FIELDS = {"price", "unit_price", "amount", "total", "vat_amount", "vat_total"}


def _payload_hash(payload: dict) -> str:
    relevant = {k: payload.get(k) for k in ("lines", "payments", "discount")}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True, default=str).encode()).hexdigest()


def parse_lines(raw) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise ValidationError("A sale needs at least one line.", fields={"lines": "empty"})
    if len(raw) > MAX_LINES:
        raise ValidationError(f"A sale has at most {MAX_LINES} lines.", fields={"lines": "too many"})
    lines, errors = [], {}
    for i, line in enumerate(raw):
        if not isinstance(line, dict):
            errors[f"lines[{i}]"] = "not an object"
            continue
        if CLIENT_PRICE_FIELDS & set(line):
            errors[f"lines[{i}].price"] = "prices are set by the showroom, not by the till"
        product_id, quantity = line.get("product_id"), line.get("quantity")
        if isinstance(product_id, bool) or not isinstance(product_id, int) or not 0 < product_id < 2**31:
            errors[f"lines[{i}].product_id"] = "required (a product id)"
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            errors[f"lines[{i}].quantity"] = f"a whole number from 1 to {MAX_QUANTITY}"
        lot = line.get("lot")
        if lot is not None and (not isinstance(lot, str) or len(lot) > 20):
            errors[f"lines[{i}].lot"] = "at most 20 characters"
        try:
            discount = parse_discount(line.get("discount"), f"lines[{i}].discount")
        except ValidationError as error:
            errors.update(error.fields)
            discount = None
        lines.append({"product_id": product_id, "quantity": quantity, "discount": discount, "lot": lot})
    if errors:
        raise ValidationError("The sale has invalid lines.", fields=errors)
    return lines


def _parse_payments(raw) -> list[dict]:
    if not isinstance(raw, list) or not raw or len(raw) > 10:
        raise ValidationError("A sale needs one to ten payments.", fields={"payments": "missing"})
    payments, errors = [], {}
    for i, payment in enumerate(raw):
        if not isinstance(payment, dict) or payment.get("method") not in PAYMENT_METHODS:
            errors[f"payments[{i}].method"] = f"one of {', '.join(PAYMENT_METHODS)}"
            continue
        amount = payment.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_TENDERED:
            errors[f"payments[{i}].amount"] = "a whole number of đồng above zero"
            continue
        reference = payment.get("reference") or ""
        if not isinstance(reference, str) or len(reference) > 80:
            errors[f"payments[{i}].reference"] = "at most 80 characters"
            continue
        if payment["method"] == "card" and not reference.strip():
            errors[f"payments[{i}].reference"] = "a card payment needs the terminal's reference"
            continue
        payments.append({"method": payment["method"], "amount": amount, "reference": reference.strip()})
    if errors:
        raise ValidationError("The sale has invalid payments.", fields=errors)
    return payments


def _settle(payments: list[dict], total: int) -> list[dict]:
    """Non-cash payments may not exceed the total; cash covers the rest and gives change."""
    non_cash = sum(p["amount"] for p in payments if p["method"] != "cash")
    cash = sum(p["amount"] for p in payments if p["method"] == "cash")
    if non_cash > total:
        raise ValidationError("Card and transfer payments are more than the total; only cash gives change.",
                              fields={"payments": "non-cash over total"})
    if non_cash + cash < total:
        raise ValidationError(f"Payments ({non_cash + cash}) do not cover the total ({total}).",
                              fields={"payments": f"{total - non_cash - cash} still due"})
    cash_due, settled = total - non_cash, []
    for p in payments:
        if p["method"] == "cash":
            applied = min(p["amount"], cash_due)
            cash_due -= applied
            settled.append(p | {"tendered": p["amount"], "amount": applied, "change": p["amount"] - applied})
        else:
            settled.append(p | {"tendered": 0, "change": 0})
    return [p for p in settled if p["amount"] > 0 or p["change"] > 0]


def _number_for(sale_uuid: str, code: str) -> str:
    """The number reserved for this sale, or the next one of the showroom's day. Call inside atomic()."""
    reserved = db.session.scalar(select(SaleNumber.number).where(SaleNumber.uuid == sale_uuid))
    if reserved:
        return reserved
    if db.session.get_bind().dialect.name == "postgresql":
        # Numbers are handed out one transaction at a time (SQLite's write lock already does this).
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('sale_numbers'))"))
    prefix = f"{code}-{to_local(utcnow()).strftime('%Y%m%d')}-"
    last = db.session.scalar(select(func.max(SaleNumber.number)).where(SaleNumber.number.like(prefix + "%")))
    number = f"{prefix}{(int(last.rsplit('-', 1)[1]) + 1 if last else 1):04d}"
    db.session.add(SaleNumber(number=number, uuid=sale_uuid))
    db.session.flush()
    return number


def reserve_number(sale_uuid) -> str:
    """A sale number before the sale is recorded (a VietQR transfer's purpose carries it)."""
    sale_uuid = parse_uuid(sale_uuid)
    for attempt in range(3):
        try:
            with atomic():
                return _number_for(sale_uuid, current_app.config["SHOWROOM_CODE"])
        except IntegrityError:
            if attempt == 2:
                raise


def find_sale(uuid: str) -> Sale | None:
    return db.session.scalar(select(Sale).where(Sale.uuid == uuid)
                             .options(selectinload(Sale.lines), selectinload(Sale.payments)))


def parse_uuid(value) -> str:
    try:
        return str(uuidlib.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise ValidationError("The sale needs the UUID the till made.", fields={"uuid": "not a UUID"})


def record_sale(payload: dict, cashier) -> tuple[Sale, bool]:
    """Record the till's sale. Returns (sale, created); the same UUID again returns the first sale."""
    if not isinstance(payload, dict):
        raise ValidationError("The sale must be a JSON object.", fields={"body": "not an object"})
    sale_uuid = parse_uuid(payload.get("uuid"))
    existing = find_sale(sale_uuid)
    if existing:
        return _same_or_conflict(existing, payload), False
    lines = parse_lines(payload.get("lines"))
    order_discount = parse_discount(payload.get("discount"), "discount")
    payments = _parse_payments(payload.get("payments"))
    approval = payload.get("approval")
    try:
        return _record(sale_uuid, payload, lines, order_discount, payments, approval, cashier), True
    except IntegrityError:
        db.session.rollback()
        existing = find_sale(sale_uuid)  # the same sale committed by a concurrent retry
        if existing:
            return _same_or_conflict(existing, payload), False
        raise


def _same_or_conflict(sale: Sale, payload: dict) -> Sale:
    if sale.payload_hash != _payload_hash(payload):
        raise Conflict("This sale UUID was already used for a different sale.", fields={"uuid": "reused"})
    return sale


def _record(sale_uuid, payload, lines, order_discount, payments, approval, cashier) -> Sale:
    config = current_app.config
    with atomic():
        shift = require_open_shift()
        products = {p.id: p for p in db.session.scalars(
            select(Product).where(Product.id.in_({line["product_id"] for line in lines}))
            .options(selectinload(Product.ratings), selectinload(Product.producer)))}
        missing = {f"lines[{i}].product_id": "unknown product" for i, line in enumerate(lines)
                   if line["product_id"] not in products or not products[line["product_id"]].active}
        if missing:
            raise ValidationError("The sale has unknown or inactive products.", fields=missing)
        unrated = [products[line["product_id"]] for line in lines
                   if not is_sellable_as_ocop(products[line["product_id"]].rating)]
        approver = None
        if unrated:
            names = ", ".join(f"{p.name_vi} ({rating_status(p.rating)})" for p in unrated)
            approver = verify_manager(approval, f"sell without a valid OCOP rating: {names}")
        cart = price_cart([(products[l["product_id"]], l["quantity"], l["discount"], l["lot"]) for l in lines],
                          order_discount)
        if cart.discount_percent > config["DISCOUNT_LIMIT_PERCENT"]:
            approver = verify_manager(approval, f"discount of {cart.discount_percent:.1f}% over the "
                                                f"{config['DISCOUNT_LIMIT_PERCENT']}% limit")
        settled = _settle(payments, cart.total)
        now = utcnow()
        sale = Sale(uuid=sale_uuid, number=_number_for(sale_uuid, config["SHOWROOM_CODE"]),
                    lookup_code=secrets.token_hex(5).upper(), shift_id=shift.id, cashier_id=cashier.id,
                    created_at=now, subtotal=cart.subtotal, discount_total=cart.discount_total, total=cart.total,
                    vat_total=cart.vat_total, payload_hash=_payload_hash(payload),
                    approved_by=approver.username if approver else "")
        db.session.add(sale)
        db.session.flush()
        costs = dict(db.session.execute(select(StockLevel.product_id, StockLevel.average_cost)
                                        .where(StockLevel.product_id.in_(products))).all())
        sale_lines, commissions = [], {}
        for line_no, line in enumerate(cart.lines, start=1):
            product = line.product
            consigned, commissions[line_no] = _take(line, sale, cashier, approval)
            rating = product.rating if is_sellable_as_ocop(product.rating) else None
            sale_lines.append(SaleLine(
                sale_id=sale.id, line_no=line_no, product_id=product.id, sku=product.sku, name_vi=product.name_vi,
                quantity=line.quantity, unit_price=line.unit_price, discount=line.discount, amount=line.amount,
                vat_rate=line.vat_rate, vat_amount=line.vat_amount, stars=rating.stars if rating else None,
                potential_5_star=bool(rating and rating.potential_5_star), unit_cost=costs.get(product.id) or None,
                consignment=consigned))
        payments = [Payment(sale_id=sale.id, **p) for p in settled]
        db.session.add_all(sale_lines + payments)
        if approver:
            record_audit("override", "sale", sale.uuid, user=approver,
                         note=f"approved at the till for {cashier.username}: sale {sale.number}")
        enqueue("sale", sale_payload(sale, sale_lines, payments, products, cashier, commissions))
    return sale


def _take(line, sale: Sale, cashier, approval) -> tuple[bool, int]:
    """Take stock by FEFO; when short, a manager may approve selling anyway, which first records an
    adjustment bringing the shelf up to what is physically being sold. Returns whether consigned goods
    were sold, and the showroom's commission on them (their amount × the lot's rate, rounded half up)."""
    try:
        movements = take_stock(line.product.id, line.quantity, document=("sale", sale.uuid), user_id=cashier.id,
                               lot_code=line.lot_code, amount=line.amount)
    except OutOfStock as short:
        manager = verify_manager(approval, short.message)
        lot = find_or_create_lot(line.product.id, "")
        level = db.session.get(StockLevel, line.product.id)
        missing = line.quantity - sum(lot.on_hand for lot in sellable_lots(line.product.id))
        move_stock(line.product.id, lot.id, missing, "adjustment", document=("sale", sale.uuid),
                   user_id=manager.id, reason=f"oversell approved by {manager.username} for sale {sale.number}")
        record_audit("override", "stock", line.product.id, user=manager, before={"on_hand": level.on_hand if level else 0},
                     note=f"oversell of {missing} approved for sale {sale.number}")
        movements = take_stock(line.product.id, line.quantity, document=("sale", sale.uuid), user_id=cashier.id,
                               amount=line.amount)
    consigned = [m for m in movements if m.lot.ownership == "consignment"]
    commission = sum(round_half_up_div((m.amount or 0) * m.lot.commission_rate, 100) for m in consigned)
    return bool(consigned), commission


def sale_payload(sale: Sale, lines: list[SaleLine], payments: list[Payment], products: dict, cashier,
                 commissions: dict[int, int]) -> dict:
    """The outbox payload of docs/sync-payloads.md, from the objects just written."""
    return {
        "uuid": sale.uuid, "number": sale.number, "created_at": iso_utc(sale.created_at),
        "cashier": cashier.username, "shift_id": sale.shift_id, "total": sale.total, "vat_total": sale.vat_total,
        "discount_total": sale.discount_total,
        "lines": [{
            "line_no": l.line_no, "sku": l.sku, "gtin": products[l.product_id].gtin14, "name_vi": l.name_vi,
            "producer": products[l.product_id].producer.name,
            "producer_tax_code": products[l.product_id].producer.tax_code,
            "ocop_group": products[l.product_id].ocop_group, "stars": l.stars,
            "potential_5_star": l.potential_5_star, "quantity": l.quantity, "unit_price": l.unit_price,
            "discount": l.discount, "amount": l.amount, "vat_rate": l.vat_rate, "vat_amount": l.vat_amount,
            "unit_cost": l.unit_cost, "consignment": l.consignment, "commission": commissions.get(l.line_no, 0)}
            for l in lines],
        "payments": [{"method": p.method, "amount": p.amount, "tendered": p.tendered, "change": p.change,
                      "reference": p.reference} for p in payments],
    }


def get_sale_by_number(number: str) -> Sale:
    sale = db.session.scalar(select(Sale).where(Sale.number == (number or "").strip().upper()[:32]))
    if sale is None:
        raise NotFound(f"No sale with number '{(number or '')[:32]}'.", fields={"number": "unknown"})
    return sale
