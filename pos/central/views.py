from datetime import timedelta

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from pos.auth.access import role_required
from pos.auth.scope import applies_scope, current_scope
from pos.central import bp, report_exports, reports
from pos.central.charts import ranking_chart, time_chart
from pos.central.serials import suspect_serials
from pos.central.status import refused_requests, showroom_status
from pos.core.database import requested_page
from pos.core.exports import export
from pos.core.formatting import label_of


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
@applies_scope
def suspect_labels():
    """Serialized units' labels that look copied: a serial issued in one showroom and sold or scanned in another,
    sold twice, never issued, or scanned too often (SERIAL_SUSPECT_DAYS, SERIAL_SUSPECT_SCANS)."""
    return render_template(
        "central/suspect_labels.html",
        rows=suspect_serials(current_scope()),
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
        showroom_label=reports.showroom_label,
        **context,
    )


@bp.get("/central/reports")
@role_required("manager")
@applies_scope
def report_overview():
    """Revenue, sales, units, basket and VAT with the change on the previous period; revenue per day."""
    f = _filter()
    result = reports.overview(f)
    if request.args.get("format"):
        return export(report_exports.overview(f, result.series, hourly=f.days == 1), request.args["format"])
    top = reports.per_product(f)
    return _render(
        "central/report_overview.html",
        f,
        result=result,
        chart=time_chart(result.series, hourly=f.days == 1),
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
CHART_TITLES = {
    "products": lambda: _("Revenue per product"),
    "producers": lambda: _("Revenue per producer"),
    "ratings": lambda: _("Revenue per star rating"),
    "groups": lambda: _("Revenue per OCOP group"),
    "showrooms": lambda: _("Revenue per showroom"),
}


@bp.get("/central/reports/<any(products, producers, ratings, groups, showrooms):breakdown>")
@role_required("manager")
@applies_scope
def report_breakdown(breakdown):
    """Sales per product, producer, star rating, OCOP group or showroom, sortable and exportable."""
    f = _filter()
    rows = BREAKDOWNS[breakdown](f)
    if request.args.get("format"):
        return export(report_exports.breakdown(breakdown, f, rows), request.args["format"])
    label = (lambda row: label_of(row.label, "group")) if breakdown == "groups" else (lambda row: str(row.label))
    chart = ranking_chart([(label(row), row.revenue) for row in rows], CHART_TITLES[breakdown]())
    return _render(
        "central/report_breakdown.html",
        f,
        breakdown=breakdown,
        rows=rows,
        total=reports.totals(rows),
        chart=chart,
    )


@bp.get("/central/reports/products/<int:product_id>")
@role_required("manager")
@applies_scope
def report_product(product_id):
    """One product's sales per day (chart), per showroom, and per day and showroom (paged)."""
    f = _filter()
    detail = reports.product_detail(product_id, f, page=requested_page())
    if request.args.get("format"):
        return export(report_exports.product(f, detail), request.args["format"])
    revenue = {day: amount for day, _units, amount in detail.by_day}
    days = [f.start + timedelta(days=n) for n in range(f.days)]
    chart = time_chart([(day, revenue.get(day, 0)) for day in days])
    suspects = suspect_serials(f.scope, sku=detail.product.sku)
    return _render(
        "central/report_product.html",
        f,
        detail=detail,
        chart=chart,
        suspects=suspects,
        FLAGS=SERIAL_FLAG_LABELS,
        REASONS=SUSPECT_REASON_LABELS,
    )
