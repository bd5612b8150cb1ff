from datetime import date, datetime

from flask import render_template, request

from pos.auth.access import role_required
from pos.checkout.shifts import current_shift
from pos.core.clock import LOCAL_TZ
from pos.core.errors import ValidationError
from pos.core.exports import export
from pos.showroom_reports import bp, report_exports
from pos.showroom_reports.service import day_report


def _chosen_day() -> date:
    text = request.args.get("day", "").strip()
    if not text:
        return datetime.now(LOCAL_TZ).date()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError("The day must be a date like 2026-11-25.", fields={"day": "not a date"}) from None
    if not date(2000, 1, 1) <= day <= datetime.now(LOCAL_TZ).date():
        raise ValidationError("Choose a day between 2000 and today.", fields={"day": "out of range"})
    return day


@bp.get("/")
@role_required("manager")
def showroom_day():
    """Today (or a chosen day), or the open shift: revenue, VAT, payments and sales per product."""
    shift = current_shift() if request.args.get("scope") == "shift" else None
    report = day_report(_chosen_day(), shift.id if shift else None)
    if request.args.get("format"):
        return export(report_exports.day(report, shift), request.args["format"])
    return render_template("showroom_reports/showroom_day.html", report=report, shift=shift)
