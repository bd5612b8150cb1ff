"""Central's sales reports, answered from the daily rollup (SalesRollupDaily, ShowroomDaily); only a
product's drill-down reads sale lines.

Every report takes the same ReportFilter, which carries the user's Scope: a showroom's manager's filter is
pinned to their showroom, whatever the query string says. Figures are net: a return reduces the day it was made."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from operator import attrgetter
from types import MappingProxyType

from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy import Date, String, bindparam, func, select, union_all

from pos.auth.scope import Scope
from pos.catalog.text import fold
from pos.central.rollup import Figures
from pos.core.clock import LOCAL_TZ, to_local
from pos.core.errors import NotFound, Text, ValidationError, problem_list
from pos.core.extensions import db
from pos.models import (
    OCOP_GROUPS,
    PRODUCTS_REVISION,
    ROLLUP_FIGURES,
    ProductDaily,
    ProductMonthly,
    RemoteProduct,
    RemoteSale,
    RemoteSaleLine,
    RemoteScanDaily,
    SalesRollupMonthly,
    Showroom,
    ShowroomDaily,
    SyncState,
    whole_sum,
)
from pos.models import (
    SalesRollupDaily as R,
)

PRESETS = ("last_30_days", "today", "this_week", "this_month", "last_month", "this_year", "custom")
DEFAULT_PRESET = "last_30_days"  # makes sense on any day: the last 30 days against the 30 before
STAR_CHOICES = {"3": (3, None), "4": (4, None), "5": (5, None), "p5": (4, True), "0": (0, None)}
MAX_RANGE_DAYS = 366 * 10
SORTABLE = ("revenue", "units", "vat", "margin", "name")


@dataclass(frozen=True)
class ReportFilter:
    start: date
    end: date  # inclusive
    preset: str = DEFAULT_PRESET
    showroom: str | None = None  # a showroom code
    group: str | None = None
    stars: str | None = None  # a key of STAR_CHOICES
    producer: str | None = None
    q: str = ""
    sort: str = "revenue"
    descending: bool = True
    extra: dict = field(default_factory=dict, compare=False)
    scope: Scope = field(kw_only=True)  # no default: whoever builds a filter says whose data it may read

    def __post_init__(self):
        if not self.scope.everything:
            object.__setattr__(self, "showroom", self.scope.showroom)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def product_level(self) -> bool:
        """Filters that pick products, not whole sales: then a basket can't be counted from the rollup."""
        return bool(self.group or self.stars or self.producer or self.q)

    def previous(self) -> "ReportFilter":
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def as_args(self) -> dict:
        args = {
            "preset": self.preset,
            "showroom": self.showroom,
            "group": self.group,
            "stars": self.stars,
            "producer": self.producer,
            "q": self.q or None,
            "sort": self.sort,
            "dir": "desc" if self.descending else "asc",
        }
        if self.preset == "custom":
            args |= {"start": self.start.isoformat(), "end": self.end.isoformat()}
        return {k: v for k, v in args.items() if v}


def preset_range(preset: str, today: date) -> tuple[date, date]:
    if preset == "last_30_days":
        return today - timedelta(days=29), today
    if preset == "today":
        return today, today
    if preset == "this_week":
        return today - timedelta(days=today.weekday()), today
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if preset == "this_year":
        return today.replace(month=1, day=1), today
    raise ValueError(preset)


FILTER_LABELS = {
    "preset": Text("Period"),
    "start": Text("From"),
    "end": Text("To"),
    "group": Text("Group"),
    "stars": Text("Stars"),
    "showroom": Text("Showroom"),
    "sort": Text("Sort by"),
}


def parse_filter(args, scope: Scope, *, today: date | None = None) -> ReportFilter:
    """From query-string arguments, within `scope`; every problem is a ValidationError naming the field."""
    today = today or _today()
    errors = {}
    preset = args.get("preset") or ("custom" if args.get("start") else DEFAULT_PRESET)
    if preset not in PRESETS:
        errors["preset"] = Text("one of %(choices)s", choices=", ".join(PRESETS))
        preset = DEFAULT_PRESET
    if preset == "custom":
        start, end = _date(args.get("start"), "start", errors), _date(args.get("end"), "end", errors)
        if start and end:
            if end < start:
                errors["end"] = Text("the end is before the start")
            elif (end - start).days >= MAX_RANGE_DAYS:
                errors["end"] = Text("choose at most ten years")
            elif start > today:
                errors["start"] = Text("the range starts in the future")
    else:
        start, end = preset_range(preset, today)
    group = args.get("group") or None
    if group and group not in OCOP_GROUPS:
        errors["group"] = Text("unknown OCOP group")
    stars = args.get("stars") or None
    if stars and stars not in STAR_CHOICES:
        errors["stars"] = Text("one of 3, 4, 5, p5 (potential 5★), 0 (unrated)")
    showroom = (args.get("showroom") or "").strip().upper() or None
    if not scope.everything:
        showroom = scope.showroom  # a showroom's manager sees only their own showroom
    elif showroom and not db.session.scalar(select(Showroom.id).where(Showroom.code == showroom)):
        errors["showroom"] = Text("unknown showroom")
    producer = (args.get("producer") or "").strip()[:200] or None
    sort = args.get("sort") or "revenue"
    if sort not in SORTABLE:
        errors["sort"] = Text("one of %(choices)s", choices=", ".join(SORTABLE))
    if errors:
        raise ValidationError(
            "The report filters are not valid: %(problems)s",
            problems=problem_list(errors, lambda key: FILTER_LABELS.get(key, key)),
            fields=errors,
        )
    return ReportFilter(
        start=start,
        end=end,
        preset=preset,
        showroom=showroom,
        group=group,
        stars=stars,
        producer=producer,
        q=(args.get("q") or "").strip()[:100],
        sort=sort,
        descending=args.get("dir") != "asc",
        scope=scope,
    )


def _date(text, name, errors):
    try:
        value = date.fromisoformat((text or "").strip())
    except ValueError:
        errors[name] = Text("a date like 2026-11-25")
        return None
    if not date(2000, 1, 1) <= value <= date(2100, 1, 1):
        errors[name] = Text("a date between 2000 and 2100")
        return None
    return value


# --- the rollup, filtered --------------------------------------------------------------------------


def _conditions(f: ReportFilter, model=R, day_column=None, start=None, end=None, showroom=None) -> list:
    """The filter as conditions on one rollup (SalesRollupDaily, ProductDaily or ProductMonthly); start, end and
    showroom may be bound parameters (see per_product)."""
    day_column = day_column if day_column is not None else model.day
    conditions = [day_column >= (f.start if start is None else start), day_column <= (f.end if end is None else end)]
    if f.showroom:
        conditions.append(model.showroom_id == _showroom_id(showroom if showroom is not None else f.showroom))
    return conditions + _rating_and_product_conditions(f, model)


def _rating_and_product_conditions(f: ReportFilter, rows) -> list:
    """The star and product filters on any table with stars, potential_5_star and product_id columns:
    a rollup, or the sale lines."""
    conditions = []
    if f.stars:
        stars, potential = STAR_CHOICES[f.stars]
        conditions.append(rows.stars == stars)
        if potential is not None:
            conditions.append(rows.potential_5_star.is_(potential))
    if products := _product_conditions(f):
        conditions.append(rows.product_id.in_(select(RemoteProduct.id).where(*products)))
    return conditions


def _showroom_id(code: str):
    return select(Showroom.id).where(Showroom.code == code).scalar_subquery()


def _product_conditions(f: ReportFilter) -> list:
    conditions = []
    if f.group:
        conditions.append(RemoteProduct.ocop_group == f.group)
    if f.producer:
        conditions.append(RemoteProduct.producer == f.producer)
    for word in fold(f.q).split():
        conditions.append(RemoteProduct.search_text.contains(word, autoescape=True))
    return conditions


def _month_after(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class _Piece:
    """Part of a report's range, read from one rollup: whole months (`monthly`, first days `start`..`end`) or days,
    added (`sign` 1) or taken away (-1: the days of a month the range leaves out)."""

    monthly: bool
    start: date
    end: date
    sign: int = 1


def _pieces(start: date, end: date, today: date) -> list[_Piece]:
    """The range as the fewest rollup rows: every month it covers whole, or more than half of (counting only the
    days up to today, which hold rows), from the monthly rollup, less the days it leaves out; the other days from
    the daily rollup. Sums are exact either way: a month's row is the sum of its days'."""
    months: list[date] = []
    days: list[_Piece] = []
    day = start
    while day <= end:
        first, last = day.replace(day=1), _month_after(day) - timedelta(days=1)
        covered_to = min(end, last)
        outside = [
            (a, b) for a, b in ((first, day - timedelta(days=1)), (covered_to + timedelta(days=1), last)) if a <= b
        ]
        outside_with_rows = sum(max(0, (min(b, today) - a).days + 1) for a, b in outside)
        if outside_with_rows < (min(covered_to, today) - day).days + 1 or not outside:
            months.append(first)
            days += [_Piece(False, a, b, -1) for a, b in outside]
        else:
            days.append(_Piece(False, day, covered_to))
        day = last + timedelta(days=1)
    pieces, run = [], []
    for month in months:  # consecutive months: one range
        if run and _month_after(run[-1]) != month:
            pieces.append(_Piece(True, run[0], run[-1]))
            run = []
        run.append(month)
    if run:
        pieces.append(_Piece(True, run[0], run[-1]))
    return pieces + days


def _facts(f: ReportFilter, by_showroom: bool = False, bound: bool = False):
    """The rollup rows the filter selects, from the cheapest source that can answer (see _pieces): per showroom
    when a showroom is chosen (or the report is per showroom), SalesRollupMonthly and SalesRollupDaily; else summed
    over showrooms, ProductMonthly and ProductDaily. Columns: product_id, stars, potential_5_star, [showroom_id,]
    then the figures (negative for days taken away from a month). A showroom's days are read from its daily
    rollup, not its sale lines: as many rows, but no join (measured: docs/benchmarks.md)."""
    _serial_plans()
    per_showroom = bool(f.showroom or by_showroom)
    monthly, daily = (SalesRollupMonthly, R) if per_showroom else (ProductMonthly, ProductDaily)
    parts = []
    for n, piece in enumerate(_pieces(f.start, f.end, _today())):
        model, column = (monthly, monthly.month) if piece.monthly else (daily, daily.day)
        keys = [model.product_id, model.stars, model.potential_5_star, *([model.showroom_id] if per_showroom else [])]
        figures = [getattr(model, c) if piece.sign > 0 else (-getattr(model, c)).label(c) for c in ROLLUP_FIGURES]
        start, end = (
            (bindparam(f"start{n}", type_=Date), bindparam(f"end{n}", type_=Date))
            if bound
            else (piece.start, piece.end)
        )
        showroom = bindparam("showroom", type_=String) if bound else None
        parts.append(select(*keys, *figures).where(*_conditions(f, model, column, start, end, showroom)))
    return (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()


def _bound_values(f: ReportFilter) -> dict:
    """The values of the bound parameters of _facts(f, bound=True) and _scans(f, bound=True)."""
    values = {"showroom": f.showroom or "", "scans_start": f.start, "scans_end": f.end}
    for n, piece in enumerate(_pieces(f.start, f.end, _today())):
        values |= {f"start{n}": piece.start, f"end{n}": piece.end}
    return values


def _serial_plans() -> None:
    """PostgreSQL: no parallel workers for report queries (set once per connection). A report sums a few thousand to a
    hundred thousand rollup rows; starting workers and merging their sorts cost more than that on a busy
    two-core server (measured: docs/benchmarks.md)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and not connection.info.get("serial_plans"):
        connection.exec_driver_sql("SET max_parallel_workers_per_gather = 0")  # this connection's sessions on
        connection.info["serial_plans"] = True


def _today() -> date:
    return datetime.now(LOCAL_TZ).date()


def _total(column):
    """SUM as a whole number, 0 over no rows."""
    return func.coalesce(whole_sum(column), 0)


def _figures(columns):
    """The sums of the figure columns among `columns` (a subquery's or a table's `.c`), labelled by name."""
    return [_total(columns[c]).label(c) for c in ROLLUP_FIGURES]


@dataclass(slots=True)
class Row(Figures):
    """One line of a report: the figures of what `key` (a product id, a showroom id, a group...) names."""

    key: object = None
    label: str = ""
    share: float = 0.0
    extra: Mapping = field(default_factory=dict)  # per_product: the product's sku, producer and group (read-only)
    scans: int = 0  # per_product: views of the product's page from its QR label


def _rows(f: ReportFilter, keys, label_of, join_product=False, by_showroom=False) -> list[Row]:
    """Figures grouped by `keys`: a function of the facts subquery giving the columns to group on."""
    facts = _facts(f, by_showroom)
    key_columns = keys(facts)
    query = select(*key_columns, *_figures(facts.c)).group_by(*key_columns)
    if join_product:
        query = query.select_from(facts).join(RemoteProduct, RemoteProduct.id == facts.c.product_id)
    rows = [
        Row.of(r, key=tuple(r[: len(key_columns)]) if len(key_columns) > 1 else r[0], label=label_of(r))
        for r in db.session.execute(query)
    ]
    return _sorted(_with_shares(rows), f)


def _with_shares(rows: list[Row]) -> list[Row]:
    """The rows that sold or took back anything (a month's row less the days outside the range can sum to nothing),
    each with its share of the revenue."""
    rows = [r for r in rows if r.units or r.revenue or r.vat or r.cost or r.commission]
    total = sum(r.revenue for r in rows)
    if total:
        scale = 100.0 / total
        for row in rows:
            row.share = row.revenue * scale
    return rows


def _sorted(rows: list[Row], f: ReportFilter) -> list[Row]:
    if f.sort == "name":
        return sorted(rows, key=lambda r: fold(r.label), reverse=f.descending)
    if f.sort == "margin":
        return sorted(rows, key=lambda r: (r.margin is not None, r.margin or 0), reverse=f.descending)
    return sorted(rows, key=attrgetter(f.sort), reverse=f.descending)


# per_product's statements by shape (the pieces of the range, the filters but their dates and showroom): building
# one costs more than running it for a showroom's month; the dates and the showroom are bound parameters.
_PER_PRODUCT_STATEMENTS: dict[tuple, object] = {}


_PRODUCTS_REVISION = select(SyncState.value).where(SyncState.key == PRODUCTS_REVISION)


def per_product(f: ReportFilter) -> list[Row]:
    pieces = _pieces(f.start, f.end, _today())
    shape = (tuple((p.monthly, p.sign) for p in pieces), bool(f.showroom), f.stars, f.group, f.producer, f.q)
    query = _PER_PRODUCT_STATEMENTS.get(shape)
    if query is None:
        query = _per_product_statement(f)
        if len(_PER_PRODUCT_STATEMENTS) >= 256:
            _PER_PRODUCT_STATEMENTS.clear()
        _PER_PRODUCT_STATEMENTS[shape] = query
    else:
        _serial_plans()
    result = db.session.connection().execute(query, _bound_values(f)).all()  # Core rows: no ORM loading
    revision = result[0][1] if result else None
    described = product_descriptions(revision)
    # Thousands of rows: unpacked (slicing a result row costs more than the rest of building a Row) into Row's
    # fields by position: the figures in ROLLUP_FIGURES' order, key, label, share, extra, scans.
    rows = []
    for product_id, _, scans, units, revenue, vat, cost, costed, consigned, commission in result:
        if product_id not in described:  # a product newer than the app's copy of them
            described = product_descriptions(revision, reload=True)
        name, extra = described[product_id]
        rows.append(Row(units, revenue, vat, cost, costed, consigned, commission, product_id, name, 0.0, extra, scans))
    return _sorted(_with_shares(rows), f)


def _per_product_statement(f: ReportFilter):
    # Sum the rollup per product (an index range scan) and join the label scans; the names come from
    # product_descriptions, checked against the products' revision read in the same statement.
    facts = _facts(f, bound=True)
    sums = select(facts.c.product_id, *_figures(facts.c)).group_by(facts.c.product_id).subquery()
    scans = _scans(f, bound=True)
    revision = _PRODUCTS_REVISION.scalar_subquery()
    return select(
        sums.c.product_id, revision, func.coalesce(scans.c.scans, 0), *[sums.c[c] for c in ROLLUP_FIGURES]
    ).outerjoin(scans, scans.c.product_id == sums.c.product_id)


def product_descriptions(revision: str | None, reload: bool = False) -> dict[int, tuple[str, Mapping]]:
    """id → (name, {sku, producer, group}) of every report product, kept by the app until ingest changes a product:
    reading and decoding a thousand products' names took as long as summing a showroom's month (docs/benchmarks.md).
    Ingest writes a new PRODUCTS_REVISION with any change; `revision` is that value as the report read it, before the
    products, so a change committed after that read is seen at the next report. `reload` for a product newer than
    the copy (a database filled without ingest has no revision). The mappings are shared by every report's rows,
    hence read-only."""
    copy = current_app.extensions.get("report_products")
    if reload or copy is None or copy[0] != revision:
        columns = (RemoteProduct.id, RemoteProduct.name_vi, RemoteProduct.sku, RemoteProduct.producer)
        products = {
            product_id: (name, MappingProxyType({"sku": sku, "producer": producer, "group": group}))
            for product_id, name, sku, producer, group in db.session.execute(select(*columns, RemoteProduct.ocop_group))
        }
        copy = current_app.extensions["report_products"] = (revision, products)
    return copy[1]


def _scans(f: ReportFilter, bound: bool = False):
    """Views of each product's page from its QR label in the period (and showroom), from RemoteScanDaily: a
    subquery of product_id, scans."""
    if bound:
        start, end = bindparam("scans_start", type_=Date), bindparam("scans_end", type_=Date)
        showroom = bindparam("showroom", type_=String)
    else:
        start, end, showroom = f.start, f.end, f.showroom
    conditions = [RemoteScanDaily.day >= start, RemoteScanDaily.day <= end]
    if f.showroom:
        conditions.append(RemoteScanDaily.showroom_id == _showroom_id(showroom))
    return (
        select(RemoteScanDaily.product_id, _total(RemoteScanDaily.scans).label("scans"))
        .where(*conditions)
        .group_by(RemoteScanDaily.product_id)
        .subquery()
    )


def per_producer(f: ReportFilter) -> list[Row]:
    return _rows(f, lambda facts: [RemoteProduct.producer], lambda r: r.producer, join_product=True)


def per_group(f: ReportFilter) -> list[Row]:
    return _rows(f, lambda facts: [RemoteProduct.ocop_group], lambda r: r.ocop_group, join_product=True)


def per_rating(f: ReportFilter) -> list[Row]:
    return _rows(
        f, lambda facts: [facts.c.stars, facts.c.potential_5_star], lambda r: star_label(r.stars, r.potential_5_star)
    )


def star_label(stars: int, potential: bool) -> str:
    """A rating as sold, in words a manager reads aloud: "4★", "4★, potential 5★", "unrated" (in the page's
    language when shown)."""
    if not stars:
        return lazy_gettext("unrated")
    return lazy_gettext("4★, potential 5★") if potential and stars == 4 else f"{stars}★"


def stars_choice_label(key: str) -> str:
    """The label of a STAR_CHOICES key, as the filter offers it."""
    stars, potential = STAR_CHOICES[key]
    return star_label(stars, bool(potential))


def showroom_names() -> dict[int, str]:
    """Each showroom's id → "Name (CODE)": a report names a showroom, never only by its code."""
    rows = db.session.execute(select(Showroom.id, Showroom.code, Showroom.name))
    return {id_: _named(name, code) for id_, code, name in rows}


def _named(name: str, code: str) -> str:
    return f"{name} ({code})" if name and name != code else code


def showroom_label(code: str) -> str:
    name = db.session.scalar(select(Showroom.name).where(Showroom.code == code))
    return _named(name or "", code)


def per_showroom(f: ReportFilter) -> list[Row]:
    names = showroom_names()
    rows = _rows(f, lambda facts: [facts.c.showroom_id], lambda r: names.get(r.showroom_id, "?"), by_showroom=True)
    baskets = _baskets(f, by_showroom=True) if not f.product_level else {}
    for row in rows:
        row.extra = {"sales": baskets.get(row.key, (0, 0))[0]} if baskets else {}
    return rows


def _baskets(f: ReportFilter, by_showroom=False):
    """Sales counted from ShowroomDaily (whole sales: only date and showroom filters apply)."""
    conditions = [ShowroomDaily.day >= f.start, ShowroomDaily.day <= f.end]
    if f.showroom:
        conditions.append(ShowroomDaily.showroom_id == _showroom_id(f.showroom))
    columns = [_total(ShowroomDaily.sales_count), _total(ShowroomDaily.sales_total)]
    if by_showroom:
        return {
            showroom_id: (sales_count, sales_total)
            for showroom_id, sales_count, sales_total in db.session.execute(
                select(ShowroomDaily.showroom_id, *columns).where(*conditions).group_by(ShowroomDaily.showroom_id)
            )
        }
    return tuple(db.session.execute(select(*columns).where(*conditions)).one())


# --- overview --------------------------------------------------------------------------------------


@dataclass
class Overview:
    revenue: int
    units: int
    vat: int
    sales: int | None  # None when product-level filters make a basket count meaningless
    average_basket: int | None
    previous: "Overview | None" = None
    series: list = field(default_factory=list)  # (label, revenue): per day, or per hour for one day

    def change(self, name: str) -> float | None:
        before = getattr(self.previous, name, None) if self.previous else None
        now = getattr(self, name)
        if not before or now is None:
            return None
        return 100.0 * (now - before) / abs(before)


def overview(f: ReportFilter, with_previous=True) -> Overview:
    facts = _facts(f)
    totals = db.session.execute(select(*_figures(facts.c))).one()
    sales = average = None
    if not f.product_level:
        sales, sales_total = _baskets(f)
        average = sales_total // sales if sales else 0
    result = Overview(revenue=totals.revenue, units=totals.units, vat=totals.vat, sales=sales, average_basket=average)
    if with_previous:
        result.previous = overview(f.previous(), with_previous=False)
        result.series = hourly(f) if f.days == 1 else daily(f)
    return result


def daily(f: ReportFilter) -> list[tuple[date, int]]:
    if f.product_level:
        model = R if f.showroom else ProductDaily
        query = select(model.day, _total(model.revenue)).where(*_conditions(f, model)).group_by(model.day)
    else:  # whole sales: the per-showroom day totals are the smallest table that knows
        query = (
            select(ShowroomDaily.day, _total(ShowroomDaily.sales_total - ShowroomDaily.returns_total))
            .where(
                ShowroomDaily.day >= f.start,
                ShowroomDaily.day <= f.end,
                *([ShowroomDaily.showroom_id == _showroom_id(f.showroom)] if f.showroom else []),
            )
            .group_by(ShowroomDaily.day)
        )
    revenue = dict(db.session.execute(query).all())
    return [(day, int(revenue.get(day, 0))) for day in (f.start + timedelta(days=n) for n in range(f.days))]


def hourly(f: ReportFilter) -> list[tuple[int, int]]:
    """One day's revenue per local hour, from the sale lines (a day is small)."""
    line_filter = _line_conditions(f)
    rows = db.session.execute(
        select(RemoteSale.created_at, RemoteSaleLine.amount)
        .join(RemoteSaleLine, RemoteSaleLine.sale_id == RemoteSale.id)
        .where(RemoteSale.day == f.start, *line_filter)
    ).all()
    by_hour = [0] * 24
    for created_at, amount in rows:
        by_hour[to_local(created_at).hour] += amount
    busy = [hour for hour in range(24) if by_hour[hour]]
    first, last = min([*busy, 7]), max([*busy, 22])  # opening hours, widened if anything sold outside them
    return [(hour, by_hour[hour]) for hour in range(first, last + 1)]


def _line_conditions(f: ReportFilter) -> list:
    showroom = [RemoteSale.showroom_id == _showroom_id(f.showroom)] if f.showroom else []
    return showroom + _rating_and_product_conditions(f, RemoteSaleLine)


# --- a product's drill-down ------------------------------------------------------------------------


@dataclass
class DayAtShowroom:
    day: date
    showroom: str  # "Name (CODE)"
    units: int
    revenue: int


DETAIL_PAGE_SIZE = 31


@dataclass
class ProductDetail:
    product: RemoteProduct
    by_showroom: list[Row]
    by_day: list[tuple[date, int, int]]  # day, units, revenue: every day with sales, for the chart
    days_at_showrooms: list[DayAtShowroom]  # one page of the sales per day and showroom, the latest first
    page: int
    pages: int
    total: int  # (day, showroom) rows in the period
    conditions: list = field(default_factory=list, repr=False)
    # what the _pagination.html pager reads
    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)

    def all_days_and_showrooms(self) -> list[DayAtShowroom]:
        """Every (day, showroom) of the period, the latest first: what the download holds."""
        return _days_at_showrooms(self.conditions)


def _days_at_showrooms(conditions: list, page: int | None = None) -> list[DayAtShowroom]:
    names = showroom_names()
    query = (
        select(R.day, R.showroom_id, _total(R.units).label("units"), _total(R.revenue).label("revenue"))
        .where(*conditions)
        .group_by(R.day, R.showroom_id)
        .order_by(R.day.desc(), func.sum(R.revenue).desc(), R.showroom_id)
    )
    if page is not None:
        query = query.limit(DETAIL_PAGE_SIZE).offset((page - 1) * DETAIL_PAGE_SIZE)
    return [DayAtShowroom(r.day, names.get(r.showroom_id, "?"), r.units, r.revenue) for r in db.session.execute(query)]


def product_detail(product_id: int, f: ReportFilter, page: int = 1) -> ProductDetail:
    product = db.session.get(RemoteProduct, product_id)
    if (
        product is not None
        and not f.scope.everything
        and not db.session.scalar(
            select(R.product_id)
            .where(R.product_id == product_id, R.showroom_id == _showroom_id(f.scope.showroom))
            .limit(1)
        )
    ):
        product = None  # never sold at the user's showroom: its name is another showroom's business
    if product is None:
        raise NotFound("No such product in the reports.", fields={"product": "unknown"})
    f = replace(f, q="", group=None, producer=None)
    conditions = [*_conditions(f), R.product_id == product_id]
    names = showroom_names()
    by_showroom = [
        Row.of(r, key=r.showroom_id, label=names.get(r.showroom_id, "?"))
        for r in db.session.execute(
            select(R.showroom_id, *_figures(R.__table__.c))
            .where(*conditions)
            .group_by(R.showroom_id)
            .order_by(func.sum(R.revenue).desc())
        )
    ]
    by_day = [
        (r.day, r.units, r.revenue)
        for r in db.session.execute(
            select(R.day, _total(R.units).label("units"), _total(R.revenue).label("revenue"))
            .where(*conditions)
            .group_by(R.day)
            .order_by(R.day)
        )
    ]
    count = db.session.scalar(
        select(func.count()).select_from(select(R.day, R.showroom_id).where(*conditions).distinct().subquery())
    )
    pages = max(1, -(-count // DETAIL_PAGE_SIZE))
    page = min(max(1, page), pages)
    return ProductDetail(
        product, by_showroom, by_day, _days_at_showrooms(conditions, page), page, pages, count, conditions
    )


def filter_choices(scope: Scope) -> dict:
    """The filter form's lists: a showroom's manager is offered only their showroom and its producers."""
    showrooms = select(Showroom.code).order_by(Showroom.code)
    producers = select(RemoteProduct.producer).distinct().order_by(RemoteProduct.producer)
    if not scope.everything:
        showrooms = showrooms.where(Showroom.code == scope.showroom)
        producers = producers.where(
            RemoteProduct.id.in_(select(R.product_id).where(R.showroom_id == _showroom_id(scope.showroom)))
        )
    names = {code: _named(name, code) for code, name in db.session.execute(select(Showroom.code, Showroom.name))}
    return {
        "showrooms": [(code, names[code]) for code in db.session.scalars(showrooms)],
        "producers": db.session.scalars(producers).all(),
        "groups": OCOP_GROUPS,
        "presets": PRESETS,
    }


def totals(rows: list[Row]) -> Row:
    total = Row(share=100.0 if rows else 0.0)
    for row in rows:
        total += row
    return total
