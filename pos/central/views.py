from datetime import timedelta

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l

from pos.auth.access import role_required
from pos.auth.scope import applies_scope, current_scope
from pos.central import bp, reports
from pos.central.charts import bar_chart
from pos.central.serials import suspect_serials
from pos.central.status import refused_requests, showroom_status
from pos.core.exports import export


@bp.get("/central/showrooms")
@role_required("manager")
@applies_scope
def showrooms():
    """Per showroom: last contact, lag, sales received today."""
    return render_template(
        "central/showrooms.html", rows=showroom_status(current_scope()), refused=refused_requests(current_scope())
    )


SERIAL_FLAG_LABELS = {
    "sold_elsewhere": _l("sold at another showroom than the one that issued it, or sold twice"),
    "scanned_elsewhere": _l("scanned at another showroom than the one that issued it"),
    "sold_not_issued": _l("sold, but no showroom issued it"),
}
SUSPECT_REASON_LABELS = {
    "never_issued": _l("scanned, but no showroom issued it"),
    "scanned_after_sale": _l("still scanned on many days after it was sold"),
    "many_scans": _l("scanned more often than a unit on a shelf is"),
}


@bp.get("/central/labels/suspect")
@role_required("manager")
def suspect_labels():
    """Serialized units' labels that look copied: a serial issued in one showroom and sold or scanned in another,
    sold twice, never issued, or scanned too often (SERIAL_SUSPECT_DAYS, SERIAL_SUSPECT_SCANS)."""
    return render_template(
        "central/suspect_labels.html",
        rows=suspect_serials(),
        days=current_app.config["SERIAL_SUSPECT_DAYS"],
        scans=current_app.config["SERIAL_SUSPECT_SCANS"],
        FLAGS=SERIAL_FLAG_LABELS,
        REASONS=SUSPECT_REASON_LABELS,
    )


def _filter() -> reports.ReportFilter:
    return reports.parse_filter(request.args, current_scope())


def _render(template: str, f, **context):
    return render_template(
        template,
        f=f,
        choices=reports.filter_choices(f.scope),
        locked_showroom=f.scope.showroom,
        **context,
    )


@bp.get("/central/reports")
@role_required("manager")
@applies_scope
def report_overview():
    """Revenue, sales, units, basket and VAT with the change on the previous period; revenue per day."""
    f = _filter()
    result = reports.overview(f)
    chart = bar_chart(result.series, label=(lambda h: f"{h}h") if f.days == 1 else (lambda d: d.strftime("%d/%m")))
    top = reports.per_product(f)
    if request.args.get("format"):
        return export(
            [[str(day), revenue] for day, revenue in result.series],
            ["day", "revenue"],
            f"overview-{f.start}-{f.end}",
            request.args["format"],
        )
    return _render(
        "central/report_overview.html",
        f,
        result=result,
        chart=chart,
        top=top[:10],
        bottom=[row for row in top[::-1] if row.units > 0][:10],
    )


BREAKDOWNS = {
    "products": reports.per_product,
    "producers": reports.per_producer,
    "ratings": reports.per_rating,
    "groups": reports.per_group,
    "showrooms": reports.per_showroom,
}


EXPORT_COLUMNS = ["name", "units", "revenue", "share_percent", "vat", "margin", "margin_percent"]
EXPORT_EXTRA_COLUMNS = {
    "products": ("sku", "producer", "group", "scans"),  # from Row.extra
    "producers": ("consignment_revenue", "commission", "payable"),
}  # Row attributes


@bp.get("/central/reports/<any(products, producers, ratings, groups, showrooms):breakdown>")
@role_required("manager")
@applies_scope
def report_breakdown(breakdown):
    """Sales per product, producer, star rating, OCOP group or showroom, sortable and exportable."""
    f = _filter()
    rows = BREAKDOWNS[breakdown](f)
    if request.args.get("format"):
        extra = EXPORT_EXTRA_COLUMNS.get(breakdown, ())
        table = [
            [
                row.label,
                row.units,
                row.revenue,
                round(row.share, 2),
                row.vat,
                row.margin,
                None if row.margin_percent is None else round(row.margin_percent, 2),
                *[row.extra.get(column, "") if breakdown == "products" else getattr(row, column) for column in extra],
            ]
            for row in rows
        ]
        return export(table, EXPORT_COLUMNS + list(extra), f"{breakdown}-{f.start}-{f.end}", request.args["format"])
    return _render("central/report_breakdown.html", f, breakdown=breakdown, rows=rows, total=reports.totals(rows))


@bp.get("/central/reports/products/<int:product_id>")
@role_required("manager")
@applies_scope
def report_product(product_id):
    """One product's sales by showroom and by day, and its latest sale lines."""
    f = _filter()
    detail = reports.product_detail(product_id, f)
    if request.args.get("format"):
        return export(
            [[str(day), units, revenue] for day, units, revenue in detail.by_day],
            ["day", "units", "revenue"],
            f"product-{detail.product.sku}-{f.start}-{f.end}",
            request.args["format"],
        )
    revenue = {day: amount for day, _, amount in detail.by_day}
    days = [f.start + timedelta(days=n) for n in range(min(f.days, 400))]
    chart = bar_chart([(day, revenue.get(day, 0)) for day in days], label=lambda d: d.strftime("%d/%m"))
    return _render("central/report_product.html", f, detail=detail, chart=chart)
