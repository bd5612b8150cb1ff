"""The central reports' downloads (pos.core.exports.Report): headers, values and the title block in the page's
language; a totals row as the page shows it."""

from flask_babel import gettext as _

from pos.central import reports
from pos.core.exports import Column, Report
from pos.core.formatting import format_date, label_of

TITLES = {
    "overview": lambda: _("Sales overview"),
    "products": lambda: _("Sales per product"),
    "producers": lambda: _("Sales per producer"),
    "ratings": lambda: _("Sales per star rating"),
    "groups": lambda: _("Sales per OCOP group"),
    "showrooms": lambda: _("Sales per showroom"),
}
NAME_HEADERS = {
    "products": lambda: _("Product"),
    "producers": lambda: _("Producer"),
    "ratings": lambda: _("Star rating"),
    "groups": lambda: _("OCOP group"),
    "showrooms": lambda: _("Showroom"),
}


def about(f: reports.ReportFilter) -> list[tuple[str, str]]:
    """The title block's lines: showroom(s), period, filters."""
    showroom = reports.showroom_label(f.showroom) if f.showroom else _("All showrooms")
    filters = []
    if f.group:
        filters.append((_("Group"), label_of(f.group, "group")))
    if f.stars:
        filters.append((_("Stars"), str(reports.stars_choice_label(f.stars))))
    if f.producer:
        filters.append((_("Producer"), f.producer))
    if f.q:
        filters.append((_("Product"), f"“{f.q}”"))
    return [
        (_("Showroom"), showroom),
        (_("Period"), f"{format_date(f.start)} – {format_date(f.end)}"),
        (_("Filters"), "; ".join(f"{label}: {value}" for label, value in filters) or _("none")),
    ]


def _filename(name: str, f: reports.ReportFilter) -> str:
    return f"{name}-{f.showroom + '-' if f.showroom else ''}{f.start}-{f.end}"


def breakdown(name: str, f: reports.ReportFilter, rows: list[reports.Row]) -> Report:
    columns = [Column(NAME_HEADERS[name]())]
    if name == "products":
        columns += [Column("SKU"), Column(_("Producer")), Column(_("OCOP group"))]
    if name == "showrooms":
        columns.append(Column(_("Sales"), "count"))
    columns.append(Column(_("Units"), "count"))
    if name == "products":
        columns.append(Column(_("Label scans"), "count"))
    columns += [
        Column(_("Revenue (₫)"), "money"),
        Column(_("Share"), "percent"),
        Column(_("VAT (₫)"), "money"),
        Column(_("Gross margin (₫)"), "money"),
        Column(_("Margin"), "percent"),
    ]
    if name == "producers":
        columns += [
            Column(_("Consigned sold (₫)"), "money"),
            Column(_("Commission (₫)"), "money"),
            Column(_("Payable to producer (₫)"), "money"),
        ]

    def line(row: reports.Row, label, extra_before=(), extra_after=(), sales=()) -> list:
        return [
            label,
            *extra_before,
            *sales,
            row.units,
            *extra_after,
            row.revenue,
            row.share,
            row.vat,
            row.margin,
            row.margin_percent,
            *((row.consignment_revenue, row.commission, row.payable) if name == "producers" else ()),
        ]

    table = []
    for row in rows:
        label = label_of(row.label, "group") if name == "groups" else str(row.label)
        before = (
            (row.extra["sku"], row.extra["producer"], label_of(row.extra["group"], "group"))
            if name == "products"
            else ()
        )
        sales = ((row.extra or {}).get("sales"),) if name == "showrooms" else ()
        after = (row.scans,) if name == "products" else ()
        table.append(line(row, label, before, after, sales))
    total = reports.totals(rows)
    totals = line(
        total,
        _("Total"),
        ("", "", "") if name == "products" else (),
        (sum(r.scans for r in rows),) if name == "products" else (),
        (sum((r.extra or {}).get("sales") or 0 for r in rows) or None,) if name == "showrooms" else (),
    )
    return Report(TITLES[name](), columns, table, _filename(name, f), about(f), totals if rows else [])


def overview(f: reports.ReportFilter, series: list[tuple[object, int]], hourly: bool) -> Report:
    columns = [
        Column(_("Hour") if hourly else _("Day"), "count" if hourly else "date"),
        Column(_("Revenue (₫)"), "money"),
    ]
    table = [[key, revenue] for key, revenue in series]
    totals = [_("Total"), sum(revenue for _key, revenue in series)]
    return Report(TITLES["overview"](), columns, table, _filename("overview", f), about(f), totals)


def product(f: reports.ReportFilter, detail: "reports.ProductDetail") -> Report:
    columns = [
        Column(_("Day"), "date"),
        Column(_("Showroom")),
        Column(_("Units"), "count", total=True),
        Column(_("Revenue (₫)"), "money", total=True),
    ]
    table = [[row.day, row.showroom, row.units, row.revenue] for row in detail.all_days_and_showrooms()]
    title = f"{TITLES['products']()}: {detail.product.name_vi} ({detail.product.sku})"
    return Report(title, columns, table, _filename(f"product-{detail.product.sku}", f), about(f))
