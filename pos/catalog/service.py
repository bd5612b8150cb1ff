"""Catalog rules: producers, products, ratings, lookups by code. Every change is audited."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from pos.catalog import gs1
from pos.catalog.ratings import EXPIRING_WITHIN_DAYS, valid_until
from pos.catalog.text import fold
from pos.core.audit import record_audit
from pos.core.clock import local_today
from pos.core.database import atomic
from pos.core.errors import InvalidBarcode, NotFound, Text, ValidationError, problem_list
from pos.core.extensions import db
from pos.core.limits import (
    ADDRESS_MAX,
    CHOICE_MAX,
    DECISION_NUMBER_MAX,
    DESCRIPTION_MAX,
    MONEY_MAX,
    NAME_MAX,
    PHONE_MAX,
    PLACE_MAX,
    REASON_MAX,
    ROW_ID_MAX,
    SEARCH_MAX,
    SKU_MAX,
    STANDARD_MAX,
    STOCK_QUANTITY_MAX,
    TAX_CODE_MAX,
    UNIT_MAX,
    UNIT_PRICE_MAX,
    URL_MAX,
    OutOfLimits,
    check_text,
    whole_number,
)
from pos.models import (
    OCOP_GROUPS,
    PRODUCER_TYPES,
    RATING_LEVELS,
    VAT_RATES,
    OcopRating,
    Producer,
    Product,
)

PRODUCT_FIELDS = (
    "sku",
    "gtin",
    "name_vi",
    "name_en",
    "ocop_group",
    "unit",
    "price",
    "vat_rate",
    "producer_id",
    "description_vi",
    "description_en",
    "applied_standard",
    "portal_url",
    "active",
    "reorder_point",
    "has_expiry",
    "serialized",
)
PRODUCER_FIELDS = (
    "name",
    "type",
    "tax_code",
    "address",
    "ward",
    "district",
    "province",
    "phone",
    "collective_trademark",
)
RATING_FIELDS = (
    "stars",
    "potential_5_star",
    "level",
    "score",
    "decision_no",
    "decision_date",
    "certificate_no",
    "revoked_on",
    "revoked_reason",
)
# The text fields of a producer, a product and a rating: their longest values (the columns' widths), and the required
# ones (the fields that are not text are parsed one by one in clean_*).
PRODUCER_TEXT = {
    "name": NAME_MAX,
    "type": CHOICE_MAX,
    "tax_code": TAX_CODE_MAX,
    "address": ADDRESS_MAX,
    "ward": PLACE_MAX,
    "district": PLACE_MAX,
    "province": PLACE_MAX,
    "phone": PHONE_MAX,
    "collective_trademark": NAME_MAX,
}
PRODUCT_TEXT = {
    "sku": SKU_MAX,
    "name_vi": NAME_MAX,
    "name_en": NAME_MAX,
    "ocop_group": CHOICE_MAX,
    "unit": UNIT_MAX,
    "description_vi": DESCRIPTION_MAX,
    "description_en": DESCRIPTION_MAX,
    "applied_standard": STANDARD_MAX,
    "portal_url": URL_MAX,
}
RATING_TEXT = {
    "level": CHOICE_MAX,
    "decision_no": DECISION_NUMBER_MAX,
    "certificate_no": DECISION_NUMBER_MAX,
    "revoked_reason": REASON_MAX,
}
REQUIRED_TEXT = {"name", "sku", "name_vi", "ocop_group", "unit", "level", "decision_no"}


def snapshot(obj, fields) -> dict:
    return {f: (v.isoformat() if isinstance(v, date) else v) for f in fields for v in [getattr(obj, f)]}


def search_text_for(product: Product, producer: Producer | None) -> str:
    parts = [product.name_vi, product.name_en, product.sku, product.gtin, producer.name if producer else ""]
    return fold(" ".join(p for p in parts if p))[:500]


# --- validation -------------------------------------------------------------------------------


def parse_int(value, field: str, errors: dict, *, minimum=-MONEY_MAX, maximum=MONEY_MAX, required=True):
    """A whole number typed in a form or a CSV cell ("1.500.000" reads as 1500000), or None with the problem
    under errors[field]."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = Text("required")
        return None
    try:
        return whole_number(value, minimum, maximum, from_text=True)
    except OutOfLimits as error:
        errors[field] = error.problem
        return None


def parse_date(value, field: str, errors: dict, *, required=True):
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    if not text:
        if required:
            errors[field] = Text("required")
        return None
    for parse in (date.fromisoformat, lambda t: date(*reversed([int(x) for x in t.split("/")]))):
        try:
            return parse(text)
        except (ValueError, TypeError, OverflowError):  # "9"*20 parses as a day number too large for C
            continue
    errors[field] = Text("not a date (use YYYY-MM-DD or DD/MM/YYYY)")
    return None


def _text(data: dict, field: str, errors: dict, *, max_length: int, required=False) -> str:
    value = data.get(field)
    try:
        return check_text(
            value if value is None or isinstance(value, str) else str(value), max_length, required=required
        )
    except OutOfLimits as error:
        errors[field] = error.problem
        return ""


def _texts(data: dict, widths: dict, errors: dict) -> dict:
    """Every text field of `widths`, checked (REQUIRED_TEXT ones must be there); the problems into `errors`."""
    return {f: _text(data, f, errors, max_length=widths[f], required=f in REQUIRED_TEXT) for f in widths}


def _flag(value) -> bool:
    """A checkbox or a CSV cell: a bool as it is, else "1", "true", "yes", "on" or "y" (any case) for yes."""
    return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on", "y")


def _raise_if(errors: dict, what: str):
    """Refuses a producer, product or rating with every field problem found (Texts: see DomainError)."""
    if not errors:
        return
    detail = problem_list(errors)
    if what == "Producer":
        raise ValidationError("Producer not saved: %(detail)s.", detail=detail, fields=errors)
    if what == "Rating":
        raise ValidationError("Rating not saved: %(detail)s.", detail=detail, fields=errors)
    raise ValidationError("Product not saved: %(detail)s.", detail=detail, fields=errors)


def clean_producer(data: dict) -> dict:
    errors: dict = {}
    clean = _texts(data, PRODUCER_TEXT, errors)
    if clean["type"] not in PRODUCER_TYPES:
        errors["type"] = Text("must be one of %(choices)s", choices=", ".join(PRODUCER_TYPES))
    if clean["type"] != "household" and not clean["tax_code"]:
        errors["tax_code"] = Text("required (optional only for household businesses)")
    if clean["tax_code"] and not (clean["tax_code"].replace("-", "").isdigit() and len(clean["tax_code"]) <= 14):
        errors["tax_code"] = Text("digits only (10 or 13 with branch)")
    _raise_if(errors, "Producer")
    return clean


def clean_product(data: dict) -> dict:
    errors: dict = {}
    clean = _texts(data, PRODUCT_TEXT, errors)
    if clean["ocop_group"] and clean["ocop_group"] not in OCOP_GROUPS:
        errors["ocop_group"] = Text("must be one of %(choices)s", choices=", ".join(OCOP_GROUPS))
    clean["price"] = parse_int(data.get("price"), "price", errors, minimum=0, maximum=UNIT_PRICE_MAX)
    clean["vat_rate"] = parse_int(data.get("vat_rate"), "vat_rate", errors)
    if clean["vat_rate"] is not None and clean["vat_rate"] not in VAT_RATES:
        errors["vat_rate"] = Text("must be 0, 5, 8 or 10")
    clean["reorder_point"] = (
        parse_int(
            data.get("reorder_point"), "reorder_point", errors, minimum=0, maximum=STOCK_QUANTITY_MAX, required=False
        )
        or 0
    )
    clean["producer_id"] = parse_int(data.get("producer_id"), "producer_id", errors, minimum=1, maximum=ROW_ID_MAX)
    if clean["producer_id"] and db.session.get(Producer, clean["producer_id"]) is None:
        errors["producer_id"] = Text("unknown producer")
    for flag, default in (("active", True), ("has_expiry", False), ("serialized", False)):
        clean[flag] = _flag(data.get(flag, default))
    gtin = clean["gtin"] = _text(data, "gtin", errors, max_length=SEARCH_MAX)  # then read as a GTIN, or refused
    if gtin:
        try:
            gs1.to_gtin14(gtin)
        except InvalidBarcode as error:
            errors["gtin"] = error.text
    if clean["portal_url"] and not clean["portal_url"].startswith(("https://", "http://")):
        errors["portal_url"] = Text("must start with https://")
    _raise_if(errors, "Product")
    return clean


def clean_rating(data: dict) -> dict:
    errors: dict = {}
    clean = _texts(data, RATING_TEXT, errors) | {
        "stars": parse_int(data.get("stars"), "stars", errors, minimum=3, maximum=5),
        "score": parse_int(data.get("score"), "score", errors, minimum=0, maximum=100, required=False),
        "decision_date": parse_date(data.get("decision_date"), "decision_date", errors),
        "revoked_on": parse_date(data.get("revoked_on"), "revoked_on", errors, required=False),
        "potential_5_star": _flag(data.get("potential_5_star", False)),
    }
    if clean["level"] and clean["level"] not in RATING_LEVELS:
        errors["level"] = Text("must be one of %(choices)s", choices=", ".join(RATING_LEVELS))
    if clean["potential_5_star"] and clean["stars"] != 4:
        errors["potential_5_star"] = Text("only a 4★ product can be marked potential 5★")
    if clean["decision_date"] and clean["decision_date"] > local_today():
        errors["decision_date"] = Text("cannot be in the future")
    if clean["revoked_on"] and not clean["revoked_reason"]:
        errors["revoked_reason"] = Text("required when a rating is revoked")
    if clean["revoked_on"] and clean["decision_date"] and clean["revoked_on"] < clean["decision_date"]:
        errors["revoked_on"] = Text("cannot be before the decision date")
    _raise_if(errors, "Rating")
    return clean


# --- changes ----------------------------------------------------------------------------------


def next_in_store_code() -> str:
    """The next free in-store EAN-13 (prefix 20)."""
    highest = db.session.scalar(
        select(func.max(Product.gtin)).where(Product.gtin.like("20%"), func.length(Product.gtin) == 13)
    )
    sequence = int(highest[2:12]) + 1 if highest else 1
    return gs1.in_store_code(sequence)


def _check_unique_codes(clean: dict, product_id: int | None):
    errors = {}
    same_sku = db.session.scalar(select(Product.id).where(Product.sku == clean["sku"]))
    if same_sku and same_sku != product_id:
        errors["sku"] = Text("SKU %(sku)s is already used", sku=clean["sku"])
    if clean["gtin"]:
        same_gtin = db.session.scalar(select(Product.id).where(Product.gtin14 == gs1.to_gtin14(clean["gtin"])))
        if same_gtin and same_gtin != product_id:
            errors["gtin"] = Text("GTIN %(gtin)s is already used", gtin=clean["gtin"])
    _raise_if(errors, "Product")


def save_producer(data: dict, producer: Producer | None = None) -> Producer:
    clean = clean_producer(data)
    with atomic():
        same_name = db.session.scalar(select(Producer).where(Producer.name == clean["name"]))
        if same_name and (producer is None or same_name.id != producer.id):
            raise ValidationError(
                "Producer not saved: a producer named '%(name)s' exists.",
                name=clean["name"],
                fields={"name": Text("already exists")},
            )
        before = snapshot(producer, PRODUCER_FIELDS) if producer else None
        if producer is None:
            producer = Producer()
            db.session.add(producer)
        for field, value in clean.items():
            setattr(producer, field, value)
        db.session.flush()
        for product in producer.products:  # the producer's name is searchable on its products
            product.search_text = search_text_for(product, producer)
        _audit_saved("producer", producer, before, PRODUCER_FIELDS)
    return producer


def _audit_saved(entity: str, saved, before: dict | None, fields) -> None:
    """The audit line of a producer or product just created (nothing `before`) or changed."""
    after = snapshot(saved, fields)
    record_audit("create" if before is None else "update", entity, saved.id, before=before, after=after)


def save_product(data: dict, product: Product | None = None) -> Product:
    clean = clean_product(data)
    with atomic():
        product_id = product.id if product else None
        _check_unique_codes(clean, product_id)
        before = snapshot(product, PRODUCT_FIELDS) if product else None
        if not clean["gtin"]:  # keep an in-store code once assigned
            keep = product is not None and gs1.is_in_store(product.gtin)
            clean["gtin"] = product.gtin if keep else next_in_store_code()
        product = product or Product()
        for field, value in clean.items():
            setattr(product, field, value)
        product.gtin14 = gs1.to_gtin14(product.gtin)
        product.search_text = search_text_for(product, db.session.get(Producer, product.producer_id))
        db.session.add(product)
        db.session.flush()
        _audit_saved("product", product, before, PRODUCT_FIELDS)
    return product


def add_rating(product: Product, data: dict) -> OcopRating:
    clean = clean_rating(data)
    with atomic():
        rating = OcopRating(product_id=product.id, valid_until=valid_until(clean["decision_date"]), **clean)
        db.session.add(rating)
        db.session.flush()
        record_audit("create", "rating", rating.id, after={"product_id": product.id, **snapshot(rating, RATING_FIELDS)})
    return rating


def update_rating(rating: OcopRating, data: dict) -> OcopRating:
    clean = clean_rating(data)
    with atomic():
        before = snapshot(rating, RATING_FIELDS)
        for field, value in clean.items():
            setattr(rating, field, value)
        rating.valid_until = valid_until(rating.decision_date)
        record_audit("update", "rating", rating.id, before=before, after=snapshot(rating, RATING_FIELDS))
    return rating


# --- lookups ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    product: Product
    lot_code: str | None


def _with_rating():
    return select(Product).options(selectinload(Product.ratings), selectinload(Product.producer))


def find_by_gtin(gtin14: str) -> Product | None:
    return db.session.scalar(_with_rating().where(Product.gtin14 == gtin14))


def find_by_code(code: str) -> ScanResult:
    """What a scanner typed: a GS1 Digital Link URL from our labels, a GTIN/EAN or in-store code,
    or a SKU. Raises InvalidBarcode for a malformed code and NotFound for an unknown one."""
    code = (code or "").strip()
    if not code or len(code) > 300:
        raise InvalidBarcode("Empty or overlong code.", fields={"code": "invalid"})
    link = gs1.parse_digital_link(code)
    if link:
        gtin14, lot = link
        product = find_by_gtin(gtin14)
        if product:
            return ScanResult(product, lot)
        raise NotFound("No product with GTIN %(gtin)s.", gtin=gs1.display_gtin(gtin14), fields={"code": "unknown"})
    if code.isdigit() and len(code) in gs1.GTIN_LENGTHS and gs1.is_valid_gtin(code):
        product = find_by_gtin(code.zfill(14))
        if product:
            return ScanResult(product, None)
    product = db.session.scalar(_with_rating().where(Product.sku == code))
    if product is None:  # typed in another case: "csqa-100" is CSQA-100, unless two SKUs differ only by case
        same = db.session.scalars(_with_rating().where(func.lower(Product.sku) == code.lower()).limit(2)).all()
        product = same[0] if len(same) == 1 else None
    if product:
        return ScanResult(product, None)
    if code.isdigit() and len(code) in gs1.GTIN_LENGTHS:
        gs1.to_gtin14(code)  # raises with the reason if the check digit is wrong
    raise NotFound("Unknown code '%(value)s'.", value=code[:60], fields={"code": "unknown"})


def search_products(
    term: str = "",
    *,
    group: str | None = None,
    stars: int | None = None,
    producer_id: int | None = None,
    active_only: bool = False,
    status: str | None = None,
):
    """A select() over products, filtered; diacritics and case are ignored in the search term."""
    query = select(Product)
    for word in fold(term).split():
        query = query.where(Product.search_text.contains(word, autoescape=True))
    if group:
        query = query.where(Product.ocop_group == group)
    if producer_id:
        query = query.where(Product.producer_id == producer_id)
    if active_only:
        query = query.where(Product.active.is_(True))
    latest_id = latest_rating_id()
    if stars:
        query = query.where(select(OcopRating.id).where(OcopRating.id == latest_id, OcopRating.stars == stars).exists())
    if status:
        query = query.where(_status_condition(status, latest_id))
    return query.order_by(Product.name_vi, Product.id)


def latest_rating_id():
    """SQL for the id of a product's latest rating (the newest decision), correlated to the query's Product."""
    newest = aliased(OcopRating)
    return (
        select(newest.id)
        .where(newest.product_id == Product.id)
        .order_by(newest.decision_date.desc(), newest.id.desc())
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )


def _status_condition(status: str, latest_id):
    """SQL for the rating status of a product's latest rating (see ratings.rating_status)."""
    today = local_today()
    soon = today + timedelta(days=EXPIRING_WITHIN_DAYS)
    if status == "unrated":
        return latest_id.is_(None)
    revoked = and_(OcopRating.revoked_on.is_not(None), OcopRating.revoked_on <= today)
    not_revoked = or_(OcopRating.revoked_on.is_(None), OcopRating.revoked_on > today)
    condition = {
        "revoked": revoked,
        "expired": and_(not_revoked, OcopRating.valid_until < today),
        "expiring": and_(not_revoked, OcopRating.valid_until >= today, OcopRating.valid_until <= soon),
        "valid": and_(not_revoked, OcopRating.valid_until > soon),
    }[status]
    return select(OcopRating.id).where(OcopRating.id == latest_id, condition).exists()


def producer_choices() -> list:
    """(id, name) of every producer, by name: what a producer filter or choice offers."""
    return db.session.execute(select(Producer.id, Producer.name).order_by(Producer.name)).all()


def get_product(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound("Product not found.")
    return product
