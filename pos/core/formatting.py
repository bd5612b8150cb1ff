"""One way of writing numbers, money, dates and codes on every page, in the page's language.

Registered as Jinja filters by the app factory (register_filters); Python code that writes text for people
(receipts, labels, messages) calls the same functions.

    count     11.024 (vi) · 11,024 (en)            a whole number of things
    decimal   24,00 (vi) · 24.00 (en)              places after the point, digits grouped
    vnd       350.000 ₫ (vi) · 350,000 ₫ (en)      integer đồng
    amount    350.000 (vi) · 350,000 (en)          đồng without the sign (a cash note's face)
    percent   12,5% (vi) · 12.5% (en)              a value already in percent
    date      03/12/2026                           a day (date, or a stored UTC time shown as the local day)
    localtime 03/12/2026 14:54                     a stored UTC time in Asia/Ho_Chi_Minh
    duration  3 giờ 5 phút (vi) · 3 h 5 min (en)
    ident     a GTIN, a tax code, a phone number: as written, never grouped
    label     a code (`drinks`, `cash`, `login_failed`) as its name in the page's language; see register_labels
"""

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pos.core.clock import to_local
from pos.core.i18n import current_language


def _separators(language: str | None) -> tuple[str, str]:
    """(thousands, decimal point) for the language."""
    return (",", ".") if (language or current_language()) == "en" else (".", ",")


# What templates call each formatter (`{{ total|vnd }}`): named where it is defined, installed by register_filters.
TEMPLATE_FILTERS: dict = {}


def template_filter(name: str):
    def register(function):
        TEMPLATE_FILTERS[name] = function
        return function

    return register


@template_filter("count")
def format_count(value, language: str | None = None) -> str:
    """11.024 in Vietnamese, 11,024 in English; empty for None."""
    if value is None or value == "":
        return ""
    number = int(value)
    thousands, _point = _separators(language)
    return ("-" if number < 0 else "") + f"{abs(number):,}".replace(",", thousands)


@template_filter("decimal")
def format_decimal(value, places: int = 2, language: str | None = None) -> str:
    """24,00 in Vietnamese, 24.00 in English: `places` digits after the point (half up), digits grouped."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return str(value)
    thousands, point = _separators(language)
    text = f"{abs(number):,.{places}f}".replace(",", "\0").replace(".", point).replace("\0", thousands)
    return ("-" if number < 0 and number != 0 else "") + text


@template_filter("amount")
def format_amount(amount, language: str | None = None) -> str:
    """1.234.567 in Vietnamese, 1,234,567 in English: đồng without the sign."""
    return format_count(amount, language)


@template_filter("vnd")
def format_vnd(amount, language: str | None = None) -> str:
    """350.000 ₫ in Vietnamese, 350,000 ₫ in English (the sign after a no-break space in both)."""
    if amount is None:
        return ""
    return f"{format_count(amount, language)}\u00a0₫"


@template_filter("percent")
def format_percent(value, places: int = 1, signed: bool = False, language: str | None = None) -> str:
    """12,5% in Vietnamese, 12.5% in English; signed=True writes +12,5% / −3,0% for a change."""
    if value is None:
        return "—"
    text = format_decimal(abs(value), places, language)
    sign = ("+" if value >= 0 else "−") if signed else ("-" if value < 0 and text.strip("0.,") else "")
    return f"{sign}{text}%"


def _as_moment(value) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):  # an ISO string from JSON or a status file
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value


@template_filter("localtime")
def format_local(value, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A stored UTC time (datetime or ISO string) as local time: 03/12/2026 14:54 (fmt may add :%S)."""
    moment = _as_moment(value)
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        return moment.strftime("%d/%m/%Y")
    return to_local(moment).strftime(fmt)


@template_filter("date")
def format_date(value, language: str | None = None) -> str:
    """A day as dd/mm/yyyy in both languages; a datetime is a stored UTC time, shown as its local day."""
    moment = _as_moment(value)
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = to_local(moment)
    return moment.strftime("%d/%m/%Y")


@template_filter("weekday")
def format_weekday(day) -> str:
    """The day of the week in the page's language: Thứ Tư, Wednesday."""
    from flask_babel import format_date as babel_format_date

    if day is None:
        return ""
    return babel_format_date(day, "EEEE")


_DURATION_UNITS = {"vi": ("giây", "phút", "giờ", "ngày"), "en": ("s", "min", "h", "d")}


@template_filter("duration")
def format_duration(seconds, language: str | None = None) -> str:
    """12 giây, 4 phút, 3 giờ 5 phút, 2 ngày 4 giờ (12 s, 4 min, 3 h 5 min, 2 d 4 h in English)."""
    if seconds is None:
        return "—"
    second, minute, hour, day = _DURATION_UNITS.get(language or current_language(), _DURATION_UNITS["vi"])
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} {second}"
    if seconds < 3600:
        return f"{seconds // 60} {minute}"
    if seconds < 86400:
        return f"{seconds // 3600} {hour} {seconds % 3600 // 60} {minute}"
    return f"{format_count(seconds // 86400, language)} {day} {seconds % 86400 // 3600} {hour}"


# --- codes as names ----------------------------------------------------------------------------------------
_LABELS: dict[str, dict] = {}


def register_labels(kind: str, labels: dict) -> None:
    """An area's names for one kind of code (e.g. "group": GROUP_LABELS); the `label` filter looks them up."""
    _LABELS.setdefault(kind, {}).update(labels)


@template_filter("label")
def label_of(code, kind: str) -> str:
    """The name of `code` in the page's language; a code with no name shows as it is (and a test finds it)."""
    if code is None or code == "":
        return "—"
    name = _LABELS.get(kind, {}).get(code)
    return str(name) if name is not None else str(code)


def labels_of(kind: str) -> dict:
    return _LABELS.get(kind, {})


@template_filter("ident")
def format_ident(value):
    """A number that is a name, not a quantity (a GTIN, a tax code, a phone number, a bank account): written as
    it is, never grouped, marked translate="no" so neither a translator nor the page check touches it."""
    from markupsafe import Markup, escape

    if value is None or value == "":
        return ""
    return Markup('<span class="ident" translate="no">%s</span>') % escape(value)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# A stored field whose value is a code, and the kind of label that names it.
FIELD_KINDS = {"ocop_group": "group", "type": "producer_type", "level": "level", "unit": "unit", "method": "payment"}


@template_filter("stored_value")
def format_stored(value, field: str = ""):
    """A value as stored in JSON (the audit log's before → after): a code by its name, a day, a time, a number,
    yes/no; a string of digits (a GTIN, a tax code) as written."""
    from flask_babel import gettext

    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int):
        return format_count(value)
    if isinstance(value, float):
        return format_decimal(value)
    if isinstance(value, dict):
        return ", ".join(f"{label_of(key, 'field')}: {format_stored(item, key)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(str(format_stored(item)) for item in value)
    value = str(value)
    if field in FIELD_KINDS:
        return label_of(value, FIELD_KINDS[field])
    if _ISO_DAY.fullmatch(value[:10]) and (len(value) == 10 or value[10] == "T"):
        return (format_local if len(value) > 10 else format_date)(value) or value
    if any(character.isdigit() for character in value):
        return format_ident(value)
    return value


@template_filter("stars")
def format_stars(n) -> str:
    return "★" * int(n or 0) + "☆" * (5 - int(n or 0))


def register_filters(app) -> None:
    app.jinja_env.filters.update(TEMPLATE_FILTERS)
    app.jinja_env.globals["labels"] = labels_of  # a kind's codes and names, for a select
