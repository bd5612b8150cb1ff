"""The events a showroom sends central, declared once: every field with its type, its limits and what it means.

The same declarations check an event at central (`parse_event`, `parse_scans`), describe it in the OpenAPI
document (`json_schema`) and are compared with docs/sync-payloads.md by a test, so the three cannot drift
apart. What only central can judge (is the refunded sale known, is the date after the showroom's
registration) is central's (pos.central.ingest); what one event says about itself is checked here.

Checking is on the ingest's hot path (10,000 sales a few seconds): each shape is compiled once into a list of
small checks, and an error's wording is built only when there is an error."""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pos.core import limits
from pos.core.limits import bounded, unstorable
from pos.models.catalog import OCOP_GROUPS, VAT_RATES
from pos.models.sales import PAYMENT_METHODS
from pos.models.serials import MAX_SERIALS_ISSUED, SERIAL_ALPHABET, SERIAL_LENGTH

# The bounds are the showroom's own (pos.core.limits), so central never refuses what a showroom accepted.
VERSION = 1
MAX_BATCH = 500  # events per POST /api/v1/sync/sales
MAX_SCAN_ROWS = 20_000  # day × product rows per POST /api/v1/sync/scans
MAX_MONEY = limits.MONEY_MAX
MAX_QUANTITY = limits.QUANTITY_MAX
MAX_LINES = limits.SALE_LINES_MAX
MAX_PAYMENTS = limits.SALE_PAYMENTS_MAX
MAX_SCANS = 10_000_000
MAX_ID = 2**63 - 1
CASH_ROUNDING_MAX = 500  # half the largest CASH_ROUNDING step (1.000 ₫)
MAX_FUTURE = timedelta(days=1)  # how far after central's clock an event may be dated
EARLIEST = datetime(2000, 1, 1)

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
CODE_RE = re.compile(r"^[A-Z0-9]{2,10}$")
SERIAL_RE = re.compile(f"^[{SERIAL_ALPHABET}]{{{SERIAL_LENGTH}}}$")
MAX_SERIAL_SCAN_ROWS = 5_000  # serials of one product scanned on one day


class Invalid(Exception):
    """An event (or a field of it) that cannot be stored as it is; the message says which and why."""


class _Bad(Exception):
    """A value's problem, before it is known which field it was."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # integer, text, boolean, uuid, time, day, choice, list
    doc: str
    required: bool = True  # False: may be left out, then `default`
    nullable: bool = False
    default: object = None
    minimum: int = 0
    maximum: int = 0  # integer: the largest value; text: the most characters; list: the most items
    choices: tuple = ()
    items: "Shape | None" = None

    def limits(self) -> str:
        """The limits in words, as docs/sync-payloads.md states them."""
        if self.type == "integer":
            return f"{self.minimum}..{self.maximum}"
        if self.type == "text":
            return f"{self.minimum}..{self.maximum} characters"
        if self.type == "choice":
            return "one of " + " / ".join(str(c) for c in self.choices)
        if self.type == "list":
            return f"{self.minimum}..{self.maximum} items"
        return ""

    def signature(self) -> str:
        """type, limits, optional/null: the second and third columns of the docs' field table."""
        words = [self.type, self.limits()]
        if not self.required:
            words.append(f"optional (default {json.dumps(self.default)})")
        if self.nullable:
            words.append("or null")
        return ", ".join(w for w in words if w)


@dataclass
class Shape:
    name: str
    doc: str
    fields: tuple[Field, ...]
    checks: list = field(default_factory=list, compare=False, repr=False)  # clean(): one check per field
    fast: object = field(default=None, compare=False, repr=False)  # _fast_path(): None or the values

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


# --- one check per field type ---------------------------------------------------------------------


def _compile(f: Field):
    if f.type == "integer":
        lo, hi = f.minimum, f.maximum

        def check(value):
            if bounded(value, lo, hi) is None:
                raise _Bad(f"must be a whole number from {lo} to {hi}")
            return value
    elif f.type == "text":
        lo, hi = f.minimum, f.maximum

        def check(value):
            if type(value) is str and lo <= len(value) <= hi and not unstorable(value) and (lo == 0 or value.strip()):
                return value
            raise _Bad(f"must be text of {lo} to {hi} characters, without NUL or lone surrogates")
    elif f.type == "boolean":

        def check(value):
            if type(value) is bool:
                return value
            raise _Bad("must be true or false")
    elif f.type == "uuid":

        def check(value):
            if type(value) is str and UUID_RE.match(value):
                return value.lower()
            raise _Bad("must be a UUID")
    elif f.type == "time":

        def check(value):
            return parse_time(value)
    elif f.type == "day":

        def check(value):
            try:
                day = date.fromisoformat(value)
            except (TypeError, ValueError):
                raise _Bad("must be a date like 2026-11-25") from None
            if not EARLIEST.date() <= day:
                raise _Bad("is out of range")
            return day
    elif f.type == "choice":
        allowed, kind = frozenset(f.choices), type(f.choices[0])

        def check(value):
            if type(value) is kind and value in allowed:
                return value
            raise _Bad(f"must be one of {', '.join(str(c) for c in f.choices)}")
    elif f.type == "list":
        lo, hi, shape = f.minimum, f.maximum, f.items

        def check(value, where):
            if type(value) is not list or not lo <= len(value) <= hi:
                raise Invalid(f"'{where}' must be a list of {lo} to {hi} objects")
            return [clean(shape, item, f"{where}[{i}].") for i, item in enumerate(value)]
    else:
        raise ValueError(f.type)
    return (f.name, check, f.required, f.nullable, f.default, f.type == "list")


def parse_time(value) -> datetime:
    """'2026-11-23T03:12:09Z' → a naive UTC datetime."""
    if type(value) is not str or not value.endswith("Z"):
        raise _Bad("must be a UTC time like 2026-11-23T03:12:09Z")
    try:
        moment = datetime.fromisoformat(value[:-1])
    except ValueError:
        raise _Bad("must be a UTC time like 2026-11-23T03:12:09Z") from None
    if moment.tzinfo is not None or not 2000 <= moment.year <= 2100:
        raise _Bad("is out of range")
    return moment


_MISSING = object()


def clean(shape: Shape, obj, where: str = "") -> dict:
    """The shape's fields of `obj`, checked, with defaults filled in; raises Invalid naming the first bad field.
    Fields the shape does not declare are left out."""
    if type(obj) is not dict:
        raise Invalid(f"'{where.rstrip('.') or shape.name}' must be a JSON object")
    out = {}
    for name, check, required, nullable, default, is_list in shape.checks:
        value = obj.get(name, _MISSING)
        if value is None:
            if nullable:
                out[name] = None
                continue
            value = _MISSING
        if value is _MISSING:
            if required:
                raise Invalid(f"'{where}{name}' is required")
            out[name] = default
            continue
        if is_list:
            out[name] = check(value, where + name)
            continue
        try:
            out[name] = check(value)
        except _Bad as problem:
            raise Invalid(f"'{where}{name}' {problem}") from None
    return out


def check(shape: Shape, obj) -> dict:
    """clean(shape, obj), the quick way when nothing is wrong or left out (the ingest's usual case)."""
    values = shape.fast(obj)
    return clean(shape, obj) if values is None else values


def _fast_path(shape: Shape):
    """A function of straight-line code checking every field of the shape at once, without a call per field:
    the values when every field is present and good, else None, and then clean() finds out what is missing
    or wrong and words the reason. Written as source and compiled once per shape: this is the ingest's hot
    path (every line of 10,000 sales), where a generic loop over the fields costs a third of the ingest."""
    namespace = {"unstorable": unstorable, "uuid_match": UUID_RE.match, "parse_time": _time_or_none}
    body = ["def fast(obj):", "    if type(obj) is not dict:", "        return None", "    get = obj.get"]
    for i, f in enumerate(shape.fields):
        v = f"v{i}"
        body.append(f"    {v} = get({f.name!r})")
        if f.type == "integer":
            good = f"type({v}) is int and {f.minimum} <= {v} <= {f.maximum}"
        elif f.type == "text":
            good = (
                f"type({v}) is str and {f.minimum} <= len({v}) <= {f.maximum} and "
                f"({v}.isascii() and '\\x00' not in {v} or not unstorable({v}))"
                + (f" and not {v}.isspace()" if f.minimum else "")
            )
        elif f.type == "boolean":
            good = f"type({v}) is bool"
        elif f.type == "choice":
            namespace[f"allowed{i}"] = frozenset(f.choices)
            good = f"type({v}) is {type(f.choices[0]).__name__} and {v} in allowed{i}"
        elif f.type == "uuid":
            good = f"type({v}) is str and uuid_match({v})"
        elif f.type == "time":
            body.append(f"    {v} = parse_time({v})")
            good = f"{v} is not None"
        elif f.type == "list":
            namespace[f"item{i}"] = f.items.fast
            body += [
                f"    if type({v}) is not list or not {f.minimum} <= len({v}) <= {f.maximum}:",
                "        return None",
                f"    {v} = [item{i}(x) for x in {v}]",
            ]
            good = f"None not in {v}"
        else:
            return lambda obj: None  # (a day: scans only, not hot)
        if f.nullable and f.type != "time":
            good = f"{v} is None or {good}"
        if not f.required and not f.nullable and f.type not in ("time", "list"):
            namespace[f"default{i}"] = f.default  # left out (or null): the default, as clean() does
            body += [
                f"    if {v} is None:",
                f"        {v} = default{i}",
                f"    elif not ({good}):",
                "        return None",
            ]
        else:
            body += [f"    if not ({good}):", "        return None"]
        if f.type == "uuid":
            body.append(f"    {v} = {v}.lower()")
    body.append("    return {" + ", ".join(f"{f.name!r}: v{i}" for i, f in enumerate(shape.fields)) + "}")
    exec(compile("\n".join(body), f"<fast path of {shape.name}>", "exec"), namespace)
    return namespace["fast"]


def _time_or_none(value):
    try:
        return parse_time(value)
    except _Bad:
        return None


def _shape(name: str, doc: str, *fields: Field) -> Shape:
    shape = Shape(name, doc, fields)
    shape.checks.extend(_compile(f) for f in fields)
    shape.fast = _fast_path(shape)
    return shape


def _money(name, doc, maximum, *, minimum=0, **options) -> Field:
    return Field(name, "integer", doc, minimum=minimum, maximum=maximum, **options)


def _cash_rounding(doc) -> Field:
    return _money("cash_rounding", doc, CASH_ROUNDING_MAX, minimum=-CASH_ROUNDING_MAX, required=False, default=0)


def _text(name, doc, maximum, *, minimum=1, **options) -> Field:
    if not options.get("required", True):
        options.setdefault("default", "")
    return Field(name, "text", doc, minimum=minimum if options.get("required", True) else 0, maximum=maximum, **options)


def _header(kind: str) -> tuple[Field, ...]:
    return (
        Field("version", "integer", "the payload format; always 1", minimum=VERSION, maximum=VERSION),
        Field("kind", "choice", "what the event is", choices=(kind,)),
        Field("uuid", "uuid", "the event's own UUID: central stores it once"),
        Field(
            "showroom",
            "text",
            "the sending showroom's code (SHOWROOM_CODE); must be the signing showroom",
            minimum=2,
            maximum=10,
        ),
    )


# --- the events ------------------------------------------------------------------------------------

SALE_LINE = _shape(
    "sale line",
    "one line of a sale, as sold",
    Field("line_no", "integer", "1, 2, …: unique within the sale; a return names it", minimum=1, maximum=MAX_LINES),
    _text(
        "sku",
        "the product's SKU: central's catalog product of that SKU, else the showroom's own product",
        limits.SKU_MAX,
    ),
    _text("gtin", "the GTIN-14, or empty", limits.GTIN_MAX, required=False),
    _text(
        "name_vi",
        "the product's name as sold (kept on central's line; reports use central's catalog name)",
        limits.NAME_MAX,
    ),
    _text("producer", "the producer's name as the showroom knows it", limits.NAME_MAX),
    _text("producer_tax_code", "the producer's tax code, or empty", limits.TAX_CODE_MAX, required=False),
    Field("ocop_group", "choice", "the OCOP group as the showroom knows it", choices=OCOP_GROUPS),
    Field(
        "stars",
        "choice",
        "the rating at sale time; null if sold unrated under a manager's override",
        choices=(3, 4, 5),
        nullable=True,
    ),
    Field("potential_5_star", "boolean", "a 4★ product with 5★ potential", required=False, default=False),
    Field("quantity", "integer", "units sold", minimum=1, maximum=MAX_QUANTITY),
    _money("unit_price", "the price per unit as sold, VAT included", limits.UNIT_PRICE_MAX),
    _money(
        "discount",
        "line and spread order discount: amount = quantity × unit_price − discount",
        limits.LINE_TOTAL_MAX,
        required=False,
        default=0,
    ),
    _money("amount", "what the line was paid, VAT included", limits.LINE_TOTAL_MAX),
    Field("vat_rate", "choice", "the VAT rate as sold, percent", choices=VAT_RATES),
    _money("vat_amount", "the VAT inside amount; at most amount", limits.LINE_TOTAL_MAX),
    _money(
        "unit_cost",
        "the weighted-average cost at sale time; null when unknown",
        MAX_MONEY,
        required=False,
        nullable=True,
    ),
    Field("consignment", "boolean", "sold from a consigned lot", required=False, default=False),
    _money(
        "commission",
        "the showroom's commission on the consigned part of amount; at most amount",
        limits.LINE_TOTAL_MAX,
        required=False,
        default=0,
    ),
    Field(
        "serial",
        "text",
        "a serialized unit's serial, read from its label (then quantity is 1); left out otherwise",
        required=False,
        nullable=True,
        minimum=SERIAL_LENGTH,
        maximum=SERIAL_LENGTH,
    ),
)

PAYMENT = _shape(
    "payment",
    "one payment of a sale",
    Field("method", "choice", "how it was paid", choices=PAYMENT_METHODS),
    _money("amount", "what this payment covers", limits.PAYMENT_MAX, minimum=1),
    _money("tendered", "cash handed over", limits.PAYMENT_MAX, required=False, nullable=True),
    _money("change", "cash handed back", limits.PAYMENT_MAX, required=False, nullable=True),
    _text("reference", "the card slip or transfer reference", limits.PAYMENT_REFERENCE_MAX, required=False),
)

SALE = _shape(
    "sale",
    "a sale made at the till",
    *_header("sale"),
    _text("number", "the receipt number, e.g. TH-20261123-0042", limits.DOCUMENT_NUMBER_MAX),
    Field("created_at", "time", "when the sale was made (UTC)"),
    _text("cashier", "the cashier's user name", limits.USERNAME_MAX, required=False),
    Field("shift_id", "integer", "the showroom's shift", minimum=0, maximum=MAX_ID, required=False, nullable=True),
    _money("total", "the sum of the lines' amount", limits.SALE_TOTAL_MAX),
    _money("vat_total", "the sum of the lines' vat_amount", limits.SALE_TOTAL_MAX),
    _money("discount_total", "all discounts given", limits.SALE_TOTAL_MAX, required=False, default=0),
    _cash_rounding("what rounding the cash due to CASH_ROUNDING added to total (VAT stays on total)"),
    Field("lines", "list", "what was sold", minimum=1, maximum=MAX_LINES, items=SALE_LINE),
    Field(
        "payments",
        "list",
        "how it was paid; they cover total + cash_rounding",
        minimum=0,
        maximum=MAX_PAYMENTS,
        items=PAYMENT,
    ),
)

RETURN_LINE = _shape(
    "return line",
    "units of one sale line brought back",
    Field("line_no", "integer", "the original sale's line", minimum=1, maximum=MAX_LINES),
    _text("sku", "the sale line's SKU (for people; central goes by line_no)", limits.SKU_MAX, required=False),
    Field("quantity", "integer", "units returned", minimum=1, maximum=MAX_QUANTITY),
    _money("amount", "money refunded for them, VAT included", limits.LINE_TOTAL_MAX),
    _money("vat_amount", "the VAT inside amount; at most amount", limits.LINE_TOTAL_MAX),
)

RETURN = _shape(
    "return",
    "goods brought back against a sale, and the money refunded",
    *_header("return"),
    Field("sale_uuid", "uuid", "the uuid of the sale this refunds"),
    _text("sale_number", "that sale's receipt number", limits.DOCUMENT_NUMBER_MAX, required=False),
    _text("number", "the return's number, e.g. TH-R-000003", limits.DOCUMENT_NUMBER_MAX),
    Field("created_at", "time", "when the return was made (UTC): central counts it on this day"),
    _text("reason", "why the goods came back", limits.REASON_MAX, required=False),
    _text("approved_by", "the approving manager's user name", limits.USERNAME_MAX, required=False),
    Field(
        "refund_method", "choice", "how the money went back", choices=PAYMENT_METHODS, required=False, default="cash"
    ),
    _money("total", "the sum of the lines' amount", limits.SALE_TOTAL_MAX),
    _money("vat_total", "the sum of the lines' vat_amount", limits.SALE_TOTAL_MAX),
    _cash_rounding("a cash refund rounded like a sale: what was handed back is total + cash_rounding"),
    Field("lines", "list", "what came back", minimum=1, maximum=MAX_LINES, items=RETURN_LINE),
)

SHIFT_CLOSE = _shape(
    "shift_close",
    "a till shift closed with its Z report",
    *_header("shift_close"),
    Field("shift_id", "integer", "the showroom's shift", minimum=0, maximum=MAX_ID),
    Field("opened_at", "time", "when the shift was opened (UTC)"),
    Field("closed_at", "time", "when it was closed (UTC)"),
    _text("cashier", "who closed it", limits.USERNAME_MAX, required=False),
    Field("sales_count", "integer", "sales in the shift", minimum=0, maximum=MAX_MONEY),
    _money("sales_total", "their total", MAX_MONEY),
    _money("refunds_total", "money refunded in the shift", MAX_MONEY),
    _money("expected_cash", "cash the drawer should hold", MAX_MONEY, minimum=-MAX_MONEY),
    _money("counted_cash", "cash counted at the close", MAX_MONEY),
    _money("difference", "counted_cash − expected_cash", MAX_MONEY, minimum=-MAX_MONEY),
)

SCAN_SERIAL = _shape(
    "serial scan count",
    "one serialized unit's label scans on one day",
    _text("serial", "the serial on the label", SERIAL_LENGTH, minimum=SERIAL_LENGTH),
    Field("scans", "integer", "the running total of the day", minimum=0, maximum=MAX_SCANS),
)

# A product as a label scan or a serial names it.
_LABELLED_PRODUCT = (
    _text("sku", "the product's SKU", limits.SKU_MAX),
    _text("gtin", "its GTIN-14, or empty", limits.GTIN_MAX, required=False),
)

SCAN_PRODUCT = _shape(
    "scan count",
    "one product's label scans on one day",
    *_LABELLED_PRODUCT,
    _text("name_vi", "its name at the showroom", limits.NAME_MAX, required=False),
    _text("producer", "its producer at the showroom", limits.NAME_MAX, required=False),
    _text("producer_tax_code", "the producer's tax code, or empty", limits.TAX_CODE_MAX, required=False),
    Field("ocop_group", "choice", "its OCOP group at the showroom", choices=OCOP_GROUPS),
    Field("scans", "integer", "the running total of the day", minimum=0, maximum=MAX_SCANS),
    Field(
        "serials",
        "list",
        "of those scans, each serialized unit's (a label with a serial)",
        minimum=0,
        maximum=MAX_SERIAL_SCAN_ROWS,
        required=False,
        default=(),
        items=SCAN_SERIAL,
    ),
)

SCAN_DAY = _shape(
    "scan day",
    "the scan counts of one local day",
    Field("day", "day", "the showroom's local day; not after tomorrow"),
    Field("products", "list", "one row per product scanned", minimum=0, maximum=MAX_SCAN_ROWS, items=SCAN_PRODUCT),
)

SCANS = _shape(
    "scans",
    "label scans: running totals per local day and product (not an outbox event)",
    Field("days", "list", "the days sent", minimum=1, maximum=400, items=SCAN_DAY),
)

MAX_COUNT = 10_000_000  # invoices counted in a status
STATUS = _shape(
    "status",
    "the showroom's own state, shown on central's showrooms page (not an outbox event): its e-invoices",
    Field("at", "time", "when the showroom counted (UTC); an older report than the one central holds is ignored"),
    Field(
        "einvoices_pending",
        "integer",
        "e-invoices not yet accepted by the provider (waiting or being retried)",
        minimum=0,
        maximum=MAX_COUNT,
    ),
    Field(
        "einvoices_refused",
        "integer",
        "e-invoices the provider refused, waiting for a manager's correction",
        minimum=0,
        maximum=MAX_COUNT,
    ),
    Field(
        "einvoices_unsent_today",
        "integer",
        "of the showroom's local day's e-invoices, those not yet sent (pending or refused)",
        minimum=0,
        maximum=MAX_COUNT,
    ),
)


SERIAL_UNIT = _shape(
    "serial",
    "one unit's serial, as its label carries it (the product, then GS1's 01, 10 and 21)",
    *_LABELLED_PRODUCT,
    _text("lot", "the lot on the label, or empty", limits.LOT_MAX, required=False),
    _text("serial", "the serial: 10 of 23456789ABCDEFGHJKMNPQRSTUVWXYZ", SERIAL_LENGTH, minimum=SERIAL_LENGTH),
)

SERIALS = _shape(
    "serials",
    "serials issued with a goods receipt's labels, one per unit",
    *_header("serials"),
    _text("receipt", "the goods receipt's number, e.g. PN-20261203-0001", limits.DOCUMENT_NUMBER_MAX),
    Field("created_at", "time", "when they were issued (UTC)"),
    Field("units", "list", "the serials issued", minimum=1, maximum=MAX_SERIALS_ISSUED, items=SERIAL_UNIT),
)

EVENTS = {"sale": SALE, "return": RETURN, "shift_close": SHIFT_CLOSE, "serials": SERIALS}
SHAPES = (
    SALE,
    SALE_LINE,
    PAYMENT,
    RETURN,
    RETURN_LINE,
    SHIFT_CLOSE,
    SERIALS,
    SERIAL_UNIT,
    SCANS,
    SCAN_DAY,
    SCAN_PRODUCT,
    SCAN_SERIAL,
    STATUS,
)
OUTBOX_KINDS = tuple(EVENTS)


# --- whole events ----------------------------------------------------------------------------------


@dataclass
class Event:
    kind: str
    uuid: str
    hash: str
    created_at: datetime  # a sale's or return's created_at, a shift's closed_at
    raw: dict  # as sent
    data: dict  # checked, with defaults
    payload: str  # raw as JSON text: stored and hashed


def payload_text(event: dict) -> str:
    """The event as central keeps it (remote_sales.payload: a restored showroom takes its sales back from it)
    and hashes it: the JSON as sent, key order included. A showroom resends the payload it stored, unchanged;
    not sorting the keys of every line keeps this cheap (figures: docs/benchmarks.md)."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def payload_hash(text: str) -> str:
    """Tells a resend (same hash) from a conflicting reuse of the uuid (another hash)."""
    return hashlib.sha256(text.encode()).hexdigest()


def legacy_payload_hash(event: dict) -> str:
    """The hash central stored before 2026-12 (keys sorted): a resend of an event stored then is a duplicate."""
    return hashlib.sha256(
        json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


def parse_event(raw, showroom_code: str, *, now: datetime | None = None, not_before: datetime | None = None) -> Event:
    """Check one outbox event as docs/sync-payloads.md describes it; raises Invalid with the first problem.
    `now` is central's clock (an event more than MAX_FUTURE after it is refused); `not_before`, when the
    showroom's events may start (its registration)."""
    if type(raw) is not dict:
        raise Invalid("an event must be a JSON object")
    shape = EVENTS.get(raw.get("kind"))
    if shape is None:
        raise Invalid(f"'kind' must be one of {', '.join(EVENTS)}")
    data = check(shape, raw)
    if data["showroom"] != showroom_code:
        raise Invalid(f"'showroom' must be the signing showroom {showroom_code}")
    moment = data["closed_at" if shape is SHIFT_CLOSE else "created_at"]
    if now is not None and moment > now + MAX_FUTURE:
        raise Invalid(f"dated {moment.isoformat()}Z, more than a day after central's clock ({now.isoformat()}Z)")
    if not_before is not None and moment < not_before:
        raise Invalid(f"dated {moment.isoformat()}Z, before the showroom was registered ({not_before.isoformat()}Z)")
    if shape is SALE:
        _check_sale(data)
    elif shape is RETURN:
        _check_return(data)
    elif shape is SERIALS:
        _check_serials(data["units"], "units")
    elif data["opened_at"] > data["closed_at"]:
        raise Invalid("the shift closed before it opened")
    text = payload_text(raw)
    return Event(shape.name, data["uuid"], payload_hash(text), moment, raw, data, text)


def _check_sale(sale: dict) -> None:
    seen, total, vat_total = set(), 0, 0
    for line in sale["lines"]:
        line_no = line["line_no"]
        if line_no in seen:
            raise Invalid(f"line_no {line_no} appears twice")
        seen.add(line_no)
        if line["serial"] is not None and line["quantity"] != 1:
            raise Invalid(f"line {line_no}: a line with a serial is one unit ('quantity' 1)")
        amount = line["amount"]
        if amount != line["quantity"] * line["unit_price"] - line["discount"]:
            raise Invalid(f"line {line_no}: 'amount' is not quantity × unit_price − discount")
        if line["vat_amount"] > amount:
            raise Invalid(f"line {line_no}: 'vat_amount' is more than the amount")
        if line["commission"] > amount:
            raise Invalid(f"line {line_no}: 'commission' is more than the amount")
        total += amount
        vat_total += line["vat_amount"]
    _check_serials([line for line in sale["lines"] if line["serial"] is not None], "lines")
    if total != sale["total"]:
        raise Invalid("the line amounts do not add up to 'total'")
    if vat_total != sale["vat_total"]:
        raise Invalid("the line VAT amounts do not add up to 'vat_total'")
    if sum(p["amount"] for p in sale["payments"]) < total + sale["cash_rounding"]:
        raise Invalid("the payments are less than 'total' + 'cash_rounding'")


def _check_serials(rows: list[dict], where: str) -> None:
    """Each serial is one of ours (the alphabet and length a showroom issues), once."""
    seen = set()
    for row in rows:
        serial = row["serial"]
        if not SERIAL_RE.match(serial):
            raise Invalid(f"'{where}': serial {serial!r} is not 10 of {SERIAL_ALPHABET}")
        if serial in seen:
            raise Invalid(f"'{where}': serial {serial} appears twice")
        seen.add(serial)


def _check_return(refund: dict) -> None:
    seen = set()
    for line in refund["lines"]:
        if line["line_no"] in seen:
            raise Invalid(f"line_no {line['line_no']} appears twice")
        seen.add(line["line_no"])
        if line["vat_amount"] > line["amount"]:
            raise Invalid(f"line {line['line_no']}: 'vat_amount' is more than the amount")
    if (
        sum(line["amount"] for line in refund["lines"]) != refund["total"]
        or sum(line["vat_amount"] for line in refund["lines"]) != refund["vat_total"]
    ):
        raise Invalid("the return lines do not add up to 'total' and 'vat_total'")


def parse_scans(body, *, latest_day: date) -> list[dict]:
    """The scan counts of a POST /api/v1/sync/scans, one row per day and product (with its 'day'); raises
    Invalid naming the first bad row, so nothing is stored."""
    days = clean(SCANS, body)["days"]
    rows = []
    for i, entry in enumerate(days):
        if entry["day"] > latest_day:
            raise Invalid(f"'days[{i}].day' is in the future")
        for k, product in enumerate(entry["products"]):
            _check_serials(product["serials"], f"days[{i}].products[{k}].serials")
            if sum(row["scans"] for row in product["serials"]) > product["scans"]:
                raise Invalid(f"'days[{i}].products[{k}].serials' count more scans than the product's")
        rows.extend({"day": entry["day"]} | product for product in entry["products"])
    if len(rows) > MAX_SCAN_ROWS:
        raise Invalid(f"send at most {MAX_SCAN_ROWS} rows of scan counts at once")
    return rows


def parse_status(body, *, now: datetime) -> dict:
    """A POST /api/v1/sync/status body, checked; raises Invalid naming the first problem. `now` is central's
    clock: a report dated more than MAX_FUTURE after it is refused."""
    status = clean(STATUS, body)
    if status["at"] > now + MAX_FUTURE:
        raise Invalid(f"'at' is {status['at'].isoformat()}Z, more than a day after central's clock")
    return status


# --- the OpenAPI document --------------------------------------------------------------------------


def json_schema(shape: Shape) -> dict:
    """The shape as a JSON Schema (OpenAPI 3.0 dialect), from the same declarations the checks use."""
    properties = {}
    for f in shape.fields:
        if f.type == "integer":
            schema = {"type": "integer", "minimum": f.minimum, "maximum": f.maximum}
        elif f.type == "text":
            schema = {"type": "string", "minLength": f.minimum, "maxLength": f.maximum}
        elif f.type == "boolean":
            schema = {"type": "boolean"}
        elif f.type == "uuid":
            schema = {"type": "string", "format": "uuid"}
        elif f.type == "time":
            schema = {"type": "string", "format": "date-time", "pattern": "Z$"}
        elif f.type == "day":
            schema = {"type": "string", "format": "date"}
        elif f.type == "choice":
            schema = {"enum": list(f.choices) + ([None] if f.nullable else [])}
        else:
            schema = {"type": "array", "minItems": f.minimum, "maxItems": f.maximum, "items": json_schema(f.items)}
        if f.nullable:
            schema["nullable"] = True
        properties[f.name] = schema | {"description": f.doc}
    return {
        "type": "object",
        "description": shape.doc,
        "properties": properties,
        "required": [f.name for f in shape.fields if f.required],
    }
