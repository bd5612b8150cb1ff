"""Hóa đơn điện tử: the day's invoices as sent, pending or refused (with the provider's reason), one invoice with
its correction form, and the warning managers see on every page from EINVOICE_WARN_AT while today's are unsent."""

from datetime import date, datetime, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pos.auth.access import role_required
from pos.core.clock import local_today, to_local
from pos.core.errors import DomainError
from pos.einvoice import bp
from pos.einvoice.corrections import day_invoices, invoice_or_404, send_again, unsent_today_warning, warn_from
from pos.einvoice.sender import queue_status
from pos.einvoice.service import BUYER_FIELDS, BUYER_LABELS
from pos.einvoice.settings import current_settings


def _day(text: str | None) -> date:
    """?day= as the field shows it (dd/mm/yyyy) or as links carry it (yyyy-mm-dd); today when absent or
    unreadable."""
    text = (text or "").strip()[:10]
    try:
        if "/" in text:
            return datetime.strptime(text, "%d/%m/%Y").date()
        return date.fromisoformat(text)
    except ValueError:
        return local_today()


def _utc_text(value: str) -> datetime | None:
    """A stored "2026-12-03T08:32:17.123456Z" as a naive UTC datetime (None when empty or unreadable)."""
    try:
        return datetime.fromisoformat(value.removesuffix("Z")) if value else None
    except ValueError:
        return None


@bp.get("/einvoices")
@role_required("manager")
def day_page():
    day, queue = _day(request.args.get("day")), queue_status()
    success = _utc_text(queue.last_success_at)
    stamp, _space, reason = queue.last_error.partition(" ")  # "2026-12-03T08:32:17.123456Z the reason"
    error_at = _utc_text(stamp)
    return render_template(
        "einvoice/day.html",
        listing=day_invoices(day),
        today=local_today(),
        one_day=timedelta(days=1),
        queue=queue,
        last_success_at=success,
        last_error=(error_at, reason) if error_at and (not success or error_at > success) else None,
        enabled=current_settings() is not None,
        warn_from=warn_from(),
    )


@bp.get("/einvoices/<int:invoice_id>")
@role_required("manager")
def invoice_page(invoice_id):
    return _invoice_page(invoice_or_404(invoice_id))


def _invoice_page(invoice, values=None, errors=None, status=200):
    values = values or {f"buyer_{field}": getattr(invoice, f"buyer_{field}") for field in BUYER_FIELDS}
    return (
        render_template(
            "einvoice/invoice.html",
            invoice=invoice,
            values=values,
            errors=errors or {},
            fields=[(f"buyer_{field}", BUYER_LABELS[f"buyer.{field}"]) for field in BUYER_FIELDS],
        ),
        status,
    )


@bp.post("/einvoices/<int:invoice_id>/send-again")
@role_required("manager")
def send_again_action(invoice_id):
    """A refused invoice corrected and queued again, or a pending one tried now (audited)."""
    invoice = invoice_or_404(invoice_id)
    try:
        invoice = send_again(invoice_id, request.form)
    except DomainError as error:
        errors = {key.replace("buyer.", "buyer_"): str(problem) for key, problem in (error.fields or {}).items()}
        flash(error.message, "error")
        values = {key: request.form.get(key, "") for key in (f"buyer_{field}" for field in BUYER_FIELDS)}
        return _invoice_page(invoice_or_404(invoice_id), values, errors, 422)
    flash(_("Invoice %(number)s is queued and will be sent within seconds.", number=f"{invoice.number:08d}"), "success")
    day = invoice.issued_at and _local_day(invoice.issued_at)
    return redirect(url_for("einvoice.day_page", day=day.isoformat() if day else None))


def _local_day(moment) -> date:
    return to_local(moment).date()


@bp.app_template_filter("provider_reason")
def provider_reason(text: str) -> str:
    """A refusal's reason as stored (English, e.g. vnpt.INVOICE_ERRORS) in the page's language when the catalog
    knows it; else as it is (the provider's own words, a schema message). Plain text: the page escapes it."""
    return _(text) if text else ""


@bp.app_context_processor
def unsent_warning():
    """Managers see on every page, from EINVOICE_WARN_AT, how many of today's invoices are not yet sent."""

    def count() -> int:
        if not (current_user.is_authenticated and current_user.has_role("manager")):
            return 0
        return unsent_today_warning()

    return {"einvoices_unsent_today": count}
