"""The largest numbers and longest texts the system accepts, in one table, and the two checks that apply them.

A showroom must never accept what central would refuse: the showroom's forms, CSV import and JSON API,
central's event validation and the OpenAPI document all read their bounds from here, and the database
columns are wide enough for them (money is 64-bit everywhere: see the model columns). Amounts are integer
đồng. The bounds are chosen so that every figure one sale can produce (a line's quantity × unit price, a
line's cost, a day's rollup) stays far inside a signed 64-bit integer.

`whole_number` and `check_text` raise `OutOfLimits`, whose `problem` is a translatable Text ("must be at most
…"); callers put it under their own field name, in their own error shape (a form's field error, a JSON
`fields` entry, a refused sync event's reason)."""

import re

from pos.core.errors import Text, ValidationError

# --- money, in đồng -------------------------------------------------------------------------------
UNIT_PRICE_MAX = 1_000_000_000  # one product's price: above a billion đồng is a typing error
LINE_TOTAL_MAX = 100_000_000_000  # quantity × unit price of one sale line, before discounts
SALE_TOTAL_MAX = 100_000_000_000  # a sale's subtotal (and so its total and any refund of it)
DISCOUNT_MAX = SALE_TOTAL_MAX  # a discount in đồng (a percent discount is at most 100)
PAYMENT_MAX = SALE_TOTAL_MAX  # one payment or one cash tender
CASH_MAX = 10_000_000_000  # a drawer: the opening float, the counted cash
CASH_MOVEMENT_MAX = 1_000_000_000  # cash put into or taken out of the drawer at once
UNIT_COST_MAX = UNIT_PRICE_MAX  # what one unit cost the showroom
MONEY_MAX = 10**12  # any other single figure of one event (a line's cost, a commission)

# --- counts ---------------------------------------------------------------------------------------
QUANTITY_MAX = 999  # units of one product on one sale or return line
STOCK_QUANTITY_MAX = 1_000_000  # units on one goods-receipt or transfer line
ON_HAND_MAX = 10_000_000  # units counted of one product in a stock count
SALE_LINES_MAX = 200  # lines of one sale
DOCUMENT_LINES_MAX = 200  # lines of one goods receipt or transfer
SALE_PAYMENTS_MAX = 10  # payments of one sale
NOTES_COUNTED_MAX = 100_000  # notes of one denomination counted when a shift closes
ROW_ID_MAX = 2**31 - 1  # a database id (PostgreSQL integer): a larger number names no row, never reaches the driver

# --- text, in characters (the model columns are at least this wide) --------------------------------
SKU_MAX = 40
GTIN_MAX = 14
NAME_MAX = 200  # a product's or a producer's name
TAX_CODE_MAX = 20
ADDRESS_MAX = 300  # a street address
PLACE_MAX = 100  # a ward, district or province
PHONE_MAX = 30
LOT_MAX = 20
USERNAME_MAX = 64
FULL_NAME_MAX = 120
DOCUMENT_NUMBER_MAX = 32  # a sale's, return's, receipt's or transfer's number
PAYMENT_REFERENCE_MAX = 80  # a card terminal's reference
REASON_MAX = 300  # why a return, a revocation, a stock adjustment
NOTE_MAX = 300  # a note on an inventory document
CASH_REASON_MAX = 200  # why cash went into or out of the drawer
SEARCH_MAX = 300  # a search box or a scanned code
DESCRIPTION_MAX = 5000
CHOICE_MAX = 30  # a value from a fixed list (an OCOP group, a producer type, a rating level), checked against it too
UNIT_MAX = 20  # a unit of sale: hộp, chai, gói
STANDARD_MAX = 100  # the standard a product applies (TCVN, QCVN or the producer's own)
URL_MAX = 300
DECISION_NUMBER_MAX = 60  # an OCOP decision's or certificate's number

# Everything above, by name: the OpenAPI document and the docs read it, a test compares it with the columns.
LIMITS = {name: value for name, value in globals().items() if name.isupper() and isinstance(value, int)}


_WHOLE = re.compile(r"-?[0-9]{1,30}")
# Thousands grouped by one separator throughout: "1,5" and "1.5" are fractions (Vietnamese and English), not 15.
_GROUPED = re.compile(r"-?[0-9]{1,3}([.,])[0-9]{3}(\1[0-9]{3}){0,8}")


class OutOfLimits(ValueError):
    """A value outside its bounds; `problem` says why, in words a user reads (a Text)."""

    def __init__(self, problem: Text):
        super().__init__(problem.render(translate=False))
        self.problem = problem


def whole_number(value, minimum: int, maximum: int, *, from_text: bool = False) -> int:
    """`value` as an int from `minimum` to `maximum`, or OutOfLimits.

    JSON gives numbers: only an int is a whole number there (True, 1.0 and "1" are refused). A form field or a
    CSV cell gives text (`from_text`): "1.500.000", "1,500,000", "1 500 000" and " 12 " read as numbers; "1,5" and
    "1.5" are fractions, refused (ASCII digits only: "²" and "١٢" are digits to Python, not to a cashier); a whole
    float reads as its number too."""
    if from_text and isinstance(value, str):
        digits = "".join(value.split())  # 2 000 000
        if _WHOLE.fullmatch(digits) or _GROUPED.fullmatch(digits):  # 2000000, 2.000.000 or 2,000,000
            value = int(digits.replace(".", "").replace(",", ""))
    elif from_text and isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise OutOfLimits(Text("must be a whole number"))
    if value < minimum:
        raise OutOfLimits(Text("must be at least %(minimum)s", minimum=minimum))
    if value > maximum:
        raise OutOfLimits(Text("must be at most %(maximum)s", maximum=maximum))
    return value


def bounded(value, minimum: int, maximum: int, *, from_text: bool = False) -> int | None:
    """`whole_number`, answering None instead of raising: for checks that word their own message."""
    try:
        return whole_number(value, minimum, maximum, from_text=from_text)
    except OutOfLimits:
        return None


def unstorable(text: str) -> bool:
    """True when a database cannot store `text`: a NUL (PostgreSQL refuses it, SQLite cuts text at it in C
    code) or a lone surrogate like '\\ud800' (not encodable as UTF-8, so no driver can send it)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_text(value, max_length: int, *, required: bool = False, strip: bool = True) -> str:
    """`value` as storable text of at most `max_length` characters (stripped), or OutOfLimits.
    None reads as empty; anything else that is not text is refused."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise OutOfLimits(Text("must be text"))
    if unstorable(value):
        raise OutOfLimits(Text("contains a character that cannot be stored (NUL or an invalid Unicode character)"))
    if strip:
        value = value.strip()
    if required and not value.strip():
        raise OutOfLimits(Text("required"))
    if len(value) > max_length:
        raise OutOfLimits(Text("at most %(max)d characters", max=max_length))
    return value


def checked_text(value, max_length: int, field: str, what: Text, *, required: bool = False) -> str:
    """`check_text` for an action with one text field: refused as a ValidationError naming `field`, its message
    `what` (e.g. Text("Not a product code")) followed by the problem."""
    try:
        return check_text(value, max_length, required=required)
    except OutOfLimits as refused:
        raise ValidationError(
            "%(what)s: %(problem)s.", what=what, problem=refused.problem, fields={field: refused.problem}
        ) from None


def first_unstorable(value, path: str = "") -> str | None:
    """The path ("lines[0].lot", "name") of the first unstorable text in decoded JSON (keys included), or None."""
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if unstorable(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                if isinstance(key, str) and unstorable(key):
                    return where or "body"
                stack.append((f"{where}.{key}" if where else str(key), child))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", child) for i, child in reversed(list(enumerate(item))))
    return None
