"""Label rules: which products and lots get which labels, and what a label may claim.

A label never shows stars a product does not have: a product whose current rating is expired,
revoked or missing is refused (with the reason) unless the manager asks for a plain label
without the OCOP mark."""

import ipaddress
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlsplit

from flask import current_app, has_request_context, request
from sqlalchemy import select

from pos.catalog import gs1
from pos.catalog.ratings import rating_status
from pos.catalog.service import find_by_code, search_products
from pos.core.errors import DomainError, Text, TextList, ValidationError
from pos.core.extensions import db
from pos.core.formatting import format_date, format_vnd
from pos.labels.render import DEFAULT_PRESET, PRESETS, LabelContent
from pos.models import GoodsReceipt, GoodsReceiptLine, Lot, Product

MAX_QUANTITY = 1000  # labels of one product in one job
MAX_LABELS = 5000  # labels in one job


def public_base_url() -> str:
    """PUBLIC_BASE_URL, else the showroom's own URL: the request's, or outside a request (the CLI) the address
    `make run` serves it at, http://127.0.0.1:PORT."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.url_root.rstrip("/")
    return f"http://127.0.0.1:{current_app.config.get('PORT', 5000)}"


def is_loopback(base_url: str) -> bool:
    """Whether an address leads back to the computer itself (a shopper's phone cannot open it)."""
    host = (urlsplit(base_url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def base_url_warning(base_url: str) -> Text | None:
    """Why the QR codes about to be printed may not open on a shopper's phone, or None."""
    if is_loopback(base_url):
        return Text(
            "Phones will not open these codes: they lead to %(base)s, an address only this computer "
            "knows. Set PUBLIC_BASE_URL to the address shoppers' phones reach the showroom at (see README, "
            "Configuration).",
            base=base_url,
        )
    if not current_app.config.get("PUBLIC_BASE_URL"):
        return Text(
            "PUBLIC_BASE_URL is not set: these codes lead to %(base)s, the address this page was opened "
            "with. Set PUBLIC_BASE_URL so every label carries the address shoppers' phones reach the "
            "showroom at (see README, Configuration).",
            base=base_url,
        )
    return None


def lot_url_part(lot: str) -> str:
    return quote(lot, safe="")


def product_url(
    product: Product, lot: str | None = None, base_url: str | None = None, serial: str | None = None
) -> str:
    return gs1.digital_link(base_url or public_base_url(), product.gtin14, lot_url_part(lot) if lot else None, serial)


@dataclass
class LabelItem:
    product: Product
    quantity: int
    lot: Lot | None = None
    lot_code: str = ""


def parse_item(spec: str, lot_code: str = "") -> tuple[str, int, str]:
    """'SKU', 'SKU:QTY' or 'SKU:QTY:LOT' (SKU may also be a GTIN) -> (code, quantity, lot)."""
    spec = (spec or "").strip()
    parts = spec.split(":")
    code, quantity, lot = parts[0].strip(), 1, (lot_code or "").strip()
    if not code:
        raise ValidationError(
            "'%(spec)s': a SKU or GTIN is required.", spec=spec[:60], fields={"sku": Text("required")}
        )
    if len(parts) > 3:
        raise ValidationError(
            "'%(spec)s': write SKU:QUANTITY or SKU:QUANTITY:LOT.",
            spec=spec[:60],
            fields={"sku": Text("write SKU:QUANTITY")},
        )
    if len(parts) >= 2:
        try:
            quantity = int(parts[1].strip())
        except ValueError:
            raise ValidationError(
                "'%(spec)s': the quantity must be a whole number.",
                spec=spec[:60],
                fields={"quantity": Text("must be a whole number")},
            ) from None
    if len(parts) == 3 and parts[2].strip():
        lot = parts[2].strip()
    if quantity <= 0:
        raise ValidationError(
            "'%(spec)s': the quantity must be at least 1.",
            spec=spec[:60],
            fields={"quantity": Text("must be at least 1")},
        )
    if quantity > MAX_QUANTITY:
        raise ValidationError(
            "'%(spec)s': at most %(max)d labels of one product.",
            spec=spec[:60],
            max=MAX_QUANTITY,
            fields={"quantity": Text("at most %(max)d", max=MAX_QUANTITY)},
        )
    if len(lot) > gs1.MAX_LOT_LENGTH:
        raise ValidationError(
            "Lot '%(lot)s' is longer than %(max)d characters.",
            lot=lot[:40],
            max=gs1.MAX_LOT_LENGTH,
            fields={"lot": Text("at most %(max)d characters", max=gs1.MAX_LOT_LENGTH)},
        )
    return code, quantity, lot


def find_product(code: str) -> Product:
    try:
        return find_by_code(code).product
    except DomainError as error:
        raise ValidationError(
            "Unknown SKU or GTIN '%(value)s'.", value=code[:60], fields={"sku": Text("unknown SKU or GTIN")}
        ) from error


def find_lot(product: Product, code: str) -> Lot:
    lot = db.session.scalar(select(Lot).where(Lot.product_id == product.id, Lot.code == code).order_by(Lot.id))
    if lot is None:
        raise ValidationError(
            "Lot '%(lot)s' of %(sku)s was never received; check the lot code.",
            lot=code,
            sku=product.sku,
            fields={"lot": Text("never received")},
        )
    return lot


def resolve_items(specs: list[str], lots: list[str] | None = None) -> list[LabelItem]:
    """The items of a job from 'SKU[:QTY[:LOT]]' specs; lots[i], if given, is the lot of specs[i]."""
    lots = list(lots or [])
    specs = [s for s in (specs or []) if s and s.strip()]
    if not specs:
        raise ValidationError("Choose at least one product (SKU:QUANTITY).", fields={"sku": Text("required")})
    if len(lots) > len(specs):
        raise ValidationError(
            "More lots than products: give one lot per product, in the same order.",
            fields={"lot": Text("one lot per product")},
        )
    items = []
    for index, spec in enumerate(specs):
        code, quantity, lot_code = parse_item(spec, lots[index] if index < len(lots) else "")
        product = find_product(code)
        lot = find_lot(product, lot_code) if lot_code else None
        items.append(LabelItem(product, quantity, lot, lot_code))
    return _within_one_job(items)


def _within_one_job(items: list) -> list:
    """The items, unless together they are more labels than one print job takes."""
    total = sum(item.quantity for item in items)
    if total > MAX_LABELS:
        raise ValidationError(
            "%(total)d labels is too many for one job (at most %(max)d).",
            total=total,
            max=MAX_LABELS,
            fields={"quantity": Text("at most %(max)d in all", max=MAX_LABELS)},
        )
    return items


def rating_refusal(product: Product, today: date | None = None) -> Text | None:
    """Why a label for this product may not carry stars (a Text: str() reads it in the user's language),
    or None if it may."""
    rating = product.rating
    status = rating_status(rating, today)
    if status in ("valid", "expiring"):
        return None
    named = {"sku": product.sku, "name": product.name_vi}
    if status == "unrated":
        return Text("%(sku)s (%(name)s) has no OCOP rating, so its label cannot show stars.", **named)
    if status == "revoked":
        return Text(
            "%(sku)s (%(name)s): the %(stars)d★ rating was revoked on %(date)s (%(reason)s); "
            "the label cannot show stars.",
            **named,
            stars=rating.stars,
            date=format_date(rating.revoked_on, "vi"),
            reason=rating.revoked_reason,
        )
    return Text(
        "%(sku)s (%(name)s): the %(stars)d★ rating expired on %(date)s; the label cannot show stars "
        "until it is re-rated.",
        **named,
        stars=rating.stars,
        date=format_date(rating.valid_until, "vi"),
    )


def check_ratings(items: list[LabelItem], with_stars: bool = True) -> None:
    if not with_stars:
        return
    reasons = [reason for item in items if (reason := rating_refusal(item.product))]
    if reasons:
        raise ValidationError(
            "%(reasons)s Remove it, or print plain labels without the OCOP mark.",
            reasons=TextList(reasons, " "),
            fields={"sku": Text("no valid OCOP rating")},
        )


def label_content(item: LabelItem, *, with_stars: bool = True, base_url: str | None = None) -> LabelContent:
    """The label text, in Vietnamese (the shelf language). Stars only for a valid rating."""
    product = item.product
    rating = product.rating
    stars = rating.stars if with_stars and rating_refusal(product) is None else None
    stars_text = ""
    if stars:
        stars_text = f"{stars} sao OCOP" + (" · tiềm năng 5 sao" if rating.potential_5_star else "")
    lot_line = ""
    if item.lot_code:
        parts = [f"Lô {item.lot_code}"]
        if item.lot and item.lot.expiry_date:
            parts.append(f"HSD {format_date(item.lot.expiry_date, 'vi')}")
        lot_line = " · ".join(parts)
    return LabelContent(
        url=product_url(product, item.lot_code or None, base_url),
        name=product.name_vi,
        price=f"{format_vnd(product.price, 'vi')}/{product.unit}",
        gtin=gs1.display_gtin(product.gtin14),
        stars=stars,
        stars_text=stars_text,
        lot_line=lot_line,
    )


def sheet_contents(
    items: list[LabelItem], *, with_stars: bool = True, base_url: str | None = None
) -> list[LabelContent]:
    check_ratings(items, with_stars)
    contents = []
    for item in items:
        contents.extend([label_content(item, with_stars=with_stars, base_url=base_url)] * item.quantity)
    return contents


def get_preset(key: str | None):
    preset = PRESETS.get(key or DEFAULT_PRESET)
    if preset is None:
        raise ValidationError(
            "Unknown label stock '%(key)s' (use %(presets)s).",
            key=key,
            presets=", ".join(PRESETS),
            fields={"preset": "unknown"},
        )
    return preset


def parse_start(value, preset) -> int:
    text = str(value if value is not None else "1").strip() or "1"
    try:
        start = int(text)
    except ValueError:
        raise ValidationError(
            "The start position must be a whole number.", fields={"start": Text("must be a whole number")}
        ) from None
    if not 1 <= start <= preset.per_page:
        raise ValidationError(
            "Start position %(start)d is off the sheet: a %(preset)s sheet has positions 1 to %(last)d.",
            start=start,
            preset=preset.key,
            last=preset.per_page,
            fields={"start": Text("from 1 to %(max)d", max=preset.per_page)},
        )
    return start


# --- the order form: lines picked or scanned -------------------------------------------------------------------------

MAX_ORDER_LINES = 200  # lines on the order form
MAX_CHOICES = 10  # products offered when a typed name matches several


@dataclass
class OrderLine:
    """One line of the order form as typed: the product's code, the quantity (text, as typed) and the lot."""

    code: str
    quantity: str
    lot: str = ""


def order_lines(codes: list[str], quantities: list[str], lots: list[str]) -> list[OrderLine]:
    """The form's parallel lists (by position) as lines. A code may also be written SKU:QUANTITY[:LOT], as the
    goods receipt's link and older links do; a lot given separately wins over one inside the code."""
    if len(lots) > len(codes):
        raise ValidationError(
            "More lots than products: give one lot per product, in the same order.",
            fields={"lot": Text("one lot per product")},
        )
    lines = []
    for index, code in enumerate(codes[:MAX_ORDER_LINES]):
        parts = (code or "").strip().split(":")
        quantity = quantities[index] if index < len(quantities) else (parts[1] if len(parts) > 1 else "1")
        lot = lots[index] if index < len(lots) and lots[index] else (parts[2] if len(parts) > 2 else "")
        if parts[0].strip():
            lines.append(OrderLine(parts[0].strip()[:300], (quantity or "").strip()[:12], (lot or "").strip()[:40]))
    return lines


def find_for_label(term: str) -> tuple[list[Product], str]:
    """What the manager scanned or typed into the order form: a QR label (with its lot), a barcode or SKU gives
    that product; other text searches names and SKUs. Returns the products found (one, or up to MAX_CHOICES to
    choose from) and the scanned lot, if any."""
    term = (term or "").strip()[:300]
    try:
        found = find_by_code(term)
        return [found.product], found.lot_code or ""
    except DomainError:
        pass
    matches = db.session.scalars(search_products(term[:100], active_only=True).limit(MAX_CHOICES)).all()
    if not matches:
        raise ValidationError(
            "Nothing matches '%(term)s': scan the product's barcode or QR label, or type its SKU "
            "or a word of its name.",
            term=term[:60],
            fields={"add": Text("no product found")},
        )
    return matches, ""


def received(product: Product, lot_code: str | None = None) -> tuple[str, int] | None:
    """(lot, quantity) of the last posted goods receipt line of this product (of this lot, if given): what a
    label order defaults to. None when it was never received."""
    query = (
        select(GoodsReceiptLine.lot_code, GoodsReceiptLine.quantity)
        .join(GoodsReceipt, GoodsReceipt.id == GoodsReceiptLine.receipt_id)
        .where(
            GoodsReceiptLine.product_id == product.id,
            GoodsReceipt.status == "posted",
            GoodsReceipt.reverses_id.is_(None),
        )
        .order_by(GoodsReceipt.posted_at.desc(), GoodsReceiptLine.id.desc())
        .limit(1)
    )
    if lot_code is not None:
        query = query.where(GoodsReceiptLine.lot_code == lot_code)
    row = db.session.execute(query).first()
    return (row.lot_code, row.quantity) if row else None


def new_order_line(product: Product, scanned_lot: str = "") -> OrderLine:
    """A line for a product just scanned or picked: the scanned lot or the last one received, and the quantity
    received of it (1 when nothing was received)."""
    last = received(product, scanned_lot or None)
    if scanned_lot:
        return OrderLine(product.sku, str(last[1] if last else 1), scanned_lot)
    return OrderLine(product.sku, str(last[1]), last[0]) if last else OrderLine(product.sku, "1", "")


def lot_choices(product: Product) -> list[Lot]:
    """The product's lots with a code, the newest expiry first (one per code)."""
    lots = db.session.scalars(
        select(Lot)
        .where(Lot.product_id == product.id, Lot.code != "")
        .order_by(Lot.expiry_date.desc().nulls_last(), Lot.id.desc())
    ).all()
    seen, unique = set(), []
    for lot in lots:
        if lot.code not in seen:
            seen.add(lot.code)
            unique.append(lot)
    return unique


def product_for_line(line: OrderLine) -> Product | None:
    try:
        return find_by_code(line.code).product
    except DomainError:
        return None


def resolve_order(lines: list[OrderLine], *, with_stars: bool = True) -> list[LabelItem]:
    """The order form's lines as label items; every bad line is marked at once (fields `quantity-2`, `lot-0`,
    `code-1`: the problem and the line's position)."""
    if not lines:
        raise ValidationError("Scan or choose at least one product.", fields={"add": Text("required")})
    items, problems, fields = [], [], {}
    for index, line in enumerate(lines):
        try:
            code, quantity, lot_code = parse_item(f"{line.code}:{line.quantity}", line.lot)
            product = find_product(code)
            lot = find_lot(product, lot_code) if lot_code else None
            refusal = rating_refusal(product) if with_stars else None
            if refusal:
                raise ValidationError(
                    "%(reasons)s Remove it, or print plain labels without the OCOP mark.",
                    reasons=refusal,
                    fields={"sku": Text("no valid OCOP rating")},
                )
            items.append(LabelItem(product, quantity, lot, lot_code))
        except ValidationError as error:
            problems.append(error.text)
            for field, text in error.field_texts.items():
                fields[f"{'code' if field == 'sku' else field}-{index}"] = text
    if problems:
        raise ValidationError("Check the marked lines: %(problems)s", problems=TextList(problems, " "), fields=fields)
    return _within_one_job(items)
