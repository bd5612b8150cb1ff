"""The day report's download (pos.core.exports.Report): sales per product in the page's language, with the
day's totals row."""

from flask_babel import gettext as _

from pos.core.exports import Column, Report, this_showroom
from pos.core.formatting import format_date, format_local
from pos.showroom_reports.service import DayReport


def day(report: DayReport, shift=None) -> Report:
    """Products with an unknown cost have no gross profit (blank); the totals row sums only what is known, as
    the page does."""
    if shift:
        title, period = (
            _("Sales of the shift"),
            (_("Shift"), _("open since %(time)s", time=format_local(shift.opened_at))),
        )
    else:
        title, period = _("Sales of %(day)s", day=format_date(report.day)), (_("Day"), format_date(report.day))
    return Report(
        title,
        [
            Column("SKU"),
            Column(_("Product")),
            Column(_("Stars")),
            Column(_("Units"), "count", total=True),
            Column(_("Revenue"), "money", total=True),
            Column(_("Gross profit"), "money", total=True),
        ],
        [
            [row.sku, row.name_vi, f"{row.stars}★" if row.stars else "", row.units, row.revenue, row.profit]
            for row in report.products
        ],
        f"sales-{report.day.isoformat()}" + ("-shift" if shift else ""),
        [(_("Showroom"), this_showroom()), period],
    )
