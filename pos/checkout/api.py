"""The till's JSON API. Prices and totals always come from here; the browser never sets a price."""

from flask import current_app, jsonify, request
from flask_login import current_user

from pos.auth.access import role_required
from pos.catalog.names import STATUS_LABELS
from pos.catalog.ratings import SELLABLE_STATUSES, rating_status
from pos.catalog.service import find_by_code, search_products
from pos.checkout import bp
from pos.checkout.approvals import check_approval
from pos.checkout.pricing import PricedCart, parse_discount, price_cart
from pos.checkout.printing import print_receipt
from pos.checkout.recorded import RecordedSale, find_recorded
from pos.checkout.sales import discount_over_limit, parse_lines, parse_uuid, record_sale, reserve_number
from pos.core.errors import NotFound, Text, ValidationError
from pos.core.extensions import db
from pos.core.limits import LOT_MAX, ROW_ID_MAX, SEARCH_MAX, OutOfLimits, bounded, check_text
from pos.core.money import round_cash
from pos.inventory.ledger import lot_refusal, lot_state, sellable_lots_of
from pos.inventory.stock import write_off_lot
from pos.labels.serials import check_sellable, serial_in_text
from pos.models import Product, StockLevel


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("The request body must be a JSON object.", fields={"body": "not JSON"})
    return body


def product_json(product: Product, lot: str | None = None) -> dict:
    rating = product.rating
    status = rating_status(rating)
    on_hand = db.session.get(StockLevel, product.id)
    return _lot_json(product, lot) | {
        "id": product.id,
        "sku": product.sku,
        "gtin": product.gtin14,
        "name": product.name_vi,
        "name_en": product.name_en,
        "unit": product.unit,
        "price": product.price,
        "vat_rate": product.vat_rate,
        "stars": rating.stars if status in SELLABLE_STATUSES else None,
        "potential_5_star": bool(rating and rating.potential_5_star),
        "rating_status": status,
        "rating_status_label": str(STATUS_LABELS[status]),
        "sellable_as_ocop": status in SELLABLE_STATUSES,
        "on_hand": on_hand.on_hand if on_hand else 0,
        "lot": lot,
        "serialized": product.serialized,
    }


def _lot_json(product: Product, lot: str | None) -> dict:
    """A scanned label's lot: whether it may be sold, and if not, what the cashier reads (a red message naming the
    lot and its expiry) and whether a manager can write it off from the till."""
    if lot is None:
        return {"lot_status": None}
    state = lot_state(product.id, lot)
    answer = {
        "lot_status": state.status,
        "lot_id": state.lot_id,
        "lot_on_hand": state.on_hand,
        "lot_expiry": state.expiry_date.isoformat() if state.expiry_date else None,
    }
    if state.refused:
        answer |= {
            "lot_message": lot_refusal(product.name_vi, state).message,
            "lot_can_write_off": state.status == "expired" and state.on_hand > 0,
        }
    return answer


@bp.get("/api/v1/products/lookup")
@role_required("cashier")
def lookup_product():
    """What a scanner typed → one product (a QR label's URL carries the lot, a serialized unit's its serial too: a
    serial sold already, never issued or issued for another product is refused here, and again by the sale)."""
    code = request.args.get("code", "")
    serial = serial_in_text(code)
    result = find_by_code(code)
    if serial is not None:
        check_sellable(serial, result.product)
    return jsonify(product_json(result.product, result.lot_code) | {"serial": serial})


@bp.get("/api/v1/products/search")
@role_required("cashier")
def search_products_api():
    term = request.args.get("q", "")[:SEARCH_MAX]
    if len(term.strip()) < 2:
        return jsonify({"products": []})
    products = db.session.scalars(search_products(term, active_only=True).limit(12)).all()
    return jsonify({"products": [product_json(p) for p in products]})


def _priced_cart(body: dict) -> tuple[list[dict], PricedCart]:
    lines = parse_lines(body.get("lines"))
    products = {
        p.id: p
        for p in db.session.scalars(db.select(Product).where(Product.id.in_({line["product_id"] for line in lines})))
    }
    unknown = {
        f"lines[{i}].product_id": "unknown product"
        for i, line in enumerate(lines)
        if line["product_id"] not in products
    }
    if unknown:
        raise ValidationError("The cart has unknown products.", fields=unknown)
    return lines, price_cart(
        [(products[line["product_id"]], line["quantity"], line["discount"], line["lot"]) for line in lines],
        parse_discount(body.get("discount"), "discount"),
    )


@bp.post("/api/v1/cart/price")
@role_required("cashier")
def price_cart_api():
    """Totals for a cart in progress: nothing is written."""
    lines, cart = _priced_cart(_json_body())
    available = _available(lines)
    return jsonify(
        {
            "lines": [
                {
                    "product_id": line.product.id,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "discount": line.discount,
                    "amount": line.amount,
                    "vat_rate": line.vat_rate,
                    "available": units,
                }
                for line, units in zip(cart.lines, available, strict=False)
            ],
            "subtotal": cart.subtotal,
            "discount_total": cart.discount_total,
            "total": cart.total,
            "line_discount": sum(line.line_discount for line in cart.lines),
            "order_discount": sum(line.order_discount for line in cart.lines),
            "vat_total": cart.vat_total,
            "vat_by_rate": {str(k): v for k, v in cart.vat_by_rate.items()},
            "discount_percent": round(cart.discount_percent, 2),
            # What is due in cash is rounded to this many đồng, half up (card and VietQR pay `total` exactly).
            "cash_rounding_step": current_app.config["CASH_ROUNDING"],
            "cash_total": round_cash(cart.total, current_app.config["CASH_ROUNDING"]),
        }
    )


def _available(lines: list[dict]) -> list[int]:
    """What each cart line can still take from the shelf, in the order the sale will take it: a line naming a lot
    from that lot, a line without one from the product's sellable lots (expired ones never count). A line asking
    more than its figure is short, and the till says so on the line."""
    stock = sellable_lots_of({line["product_id"] for line in lines})
    left = {(product_id, lot.code): lot.on_hand for product_id, lots in stock.items() for lot in lots}
    answer = []
    for line in lines:
        if line["lot"]:
            key = (line["product_id"], line["lot"])
            answer.append(left.get(key, 0))
            left[key] = max(left.get(key, 0) - line["quantity"], 0)
            continue
        keys = [(line["product_id"], lot.code) for lot in stock[line["product_id"]]]
        answer.append(sum(left[key] for key in keys))
        wanted = line["quantity"]
        for key in keys:
            used = min(left[key], wanted)
            left[key], wanted = left[key] - used, wanted - used
    return answer


def _manager_approving(body: dict, reason: Text, document: str):
    """The manager whose approval the body carries, or ApprovalRequired (none given, or refused)."""
    approval = check_approval(body.get("approval"), requester=current_user, document=document)
    manager = approval.require(reason)
    approval.confirm()  # a refused approval stops here, before anything is done
    return manager


@bp.post("/api/v1/cart/approval")
@role_required("cashier")
def approve_cart_discount():
    """A manager approves a discount over the limit as it is applied, not at payment: 200 when the cart's
    discounts need no approval or the approval given is a manager's, else 422 approval_required saying what to
    approve. Nothing is written; the sale checks the same approval again when it is paid."""
    body = _json_body()
    _lines, cart = _priced_cart(body)
    reason = discount_over_limit(cart)
    if reason is None:
        return jsonify({"needed": False})
    manager = _manager_approving(body, reason, "a discount at the till")
    return jsonify({"needed": True, "approved_by": manager.username})


@bp.post("/api/v1/lots/write-off")
@role_required("cashier")
def write_off_scanned_lot():
    """The expired lot of a scanned pack, written off from the till in one step: by the signed-in manager, or a
    cashier with a manager's approval."""
    body = _json_body()
    product_id = bounded(body.get("product_id"), 1, ROW_ID_MAX)
    product = db.session.get(Product, product_id) if product_id is not None else None
    try:
        code = check_text(body.get("lot"), LOT_MAX, required=True, strip=False)
    except OutOfLimits:
        code = None
    if product is None or code is None:
        raise ValidationError("Name the product and the lot to write off.", fields={"lot": "required"})
    state = lot_state(product.id, code)
    if state.status != "expired" or not state.on_hand:
        raise ValidationError(
            "Lot %(lot)s of %(name)s is not an expired lot with stock left.",
            lot=code,
            name=product.name_vi,
            fields={"lot": state.status},
        )
    reason = Text(
        "writing off lot %(lot)s of %(name)s (%(quantity)d left).",
        lot=code,
        name=product.name_vi,
        quantity=state.on_hand,
    )
    manager = (
        current_user
        if current_user.has_role("manager")
        else _manager_approving(body, reason, f"write-off of lot {code} of product {product.id}")
    )
    quantity = write_off_lot(state.lot_id, manager, reason="expired: set aside at the till")
    return jsonify(
        {
            "lot": code,
            "written_off": quantity,
            "message": str(Text("Lot %(lot)s: %(quantity)d written off.", lot=code, quantity=quantity)),
        }
    )


@bp.post("/api/v1/sales")
@role_required("cashier")
def create_sale():
    sale, created = record_sale(_json_body(), current_user)
    return jsonify(sale.to_json()), (201 if created else 200)


@bp.post("/api/v1/sales/<sale_uuid>/number")
@role_required("cashier")
def reserve_sale_number(sale_uuid):
    """Hand out the sale's number before it is paid, for the VietQR transfer purpose."""
    return jsonify({"uuid": sale_uuid, "number": reserve_number(sale_uuid)})


def _sale_or_404(sale_uuid: str) -> RecordedSale:
    sale = find_recorded(parse_uuid(sale_uuid))
    if sale is None:
        raise NotFound("No such sale.")
    return sale


@bp.get("/api/v1/sales/<sale_uuid>")
@role_required("cashier")
def get_sale(sale_uuid):
    return jsonify(_sale_or_404(sale_uuid).to_json())


@bp.post("/api/v1/sales/<sale_uuid>/print")
@role_required("cashier")
def print_sale(sale_uuid):
    job = print_receipt(_sale_or_404(sale_uuid), reprint=bool((request.get_json(silent=True) or {}).get("reprint")))
    # PRINTER_URL=preview prints nothing: the till says the receipt is there to view, not that it printed.
    return (
        jsonify({"status": job.status, "error": job.error, "preview": job.printer == "preview"}),
        (200 if job.status == "printed" else 503),
    )
