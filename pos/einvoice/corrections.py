"""A manager's hand on the queue: the day's invoices as the page lists them, the warning from EINVOICE_WARN_AT while
any of today's is unsent, and "send again" — a refused invoice corrected (the buyer's details, what providers
refuse most) and queued again, or a pending one tried now instead of after its backoff. Audited.

An invoice the provider refused never reached the tax authority, so correcting it before it is sent changes no
issued invoice: its number, code, date and amounts stay; only the buyer's details may change, and its XML is
built again from them."""

from dataclasses import dataclass
from datetime import date, datetime, time

from flask import current_app
from sqlalchemy import case, delete, func, select

from pos.core.audit import record_audit
from pos.core.clock import to_local, utc_bounds, utcnow
from pos.core.database import atomic
from pos.core.errors import Conflict, NotFound
from pos.core.extensions import db
from pos.einvoice.service import BUYER_FIELDS, parse_buyer
from pos.models import Einvoice, EinvoiceXml, Sale

DAY_LIMIT = 2000  # invoices listed for one day (a showroom makes far fewer)
_ORDER = case({"refused": 0, "pending": 1, "sending": 1}, value=Einvoice.status, else_=2)


@dataclass
class DayInvoices:
    day: date
    rows: list  # (Einvoice, sale number), refused first, then pending, then sent
    counts: dict  # status → how many
    more: bool  # more than DAY_LIMIT that day

    @property
    def unsent(self) -> int:
        return self.counts.get("pending", 0) + self.counts.get("refused", 0)


def day_invoices(day: date) -> DayInvoices:
    start, end = utc_bounds(day)
    in_day = (Einvoice.issued_at >= start, Einvoice.issued_at < end)
    counts = dict(
        db.session.execute(select(Einvoice.status, func.count()).where(*in_day).group_by(Einvoice.status)).all()
    )
    counts["pending"] = counts.get("pending", 0) + counts.pop("sending", 0)
    rows = db.session.execute(
        select(Einvoice, Sale.number)
        .join(Sale, Sale.id == Einvoice.sale_id)
        .where(*in_day)
        .order_by(_ORDER, Einvoice.id)
        .limit(DAY_LIMIT + 1)
    ).all()
    return DayInvoices(day, rows[:DAY_LIMIT], counts, len(rows) > DAY_LIMIT)


def warn_from() -> time:
    """EINVOICE_WARN_AT as a local time of day (20:00 when it cannot be read)."""
    try:
        hours, minutes = (int(part) for part in str(current_app.config["EINVOICE_WARN_AT"]).split(":"))
        return time(hours, minutes)
    except (ValueError, TypeError):
        return time(20, 0)


def unsent_today_warning(now: datetime | None = None) -> int:
    """How many of today's invoices have not reached the provider, once it is EINVOICE_WARN_AT or later (local);
    0 before then or when all are sent. The rules want the day's invoices at the tax authority by its end."""
    local = to_local(now or utcnow())
    if local.time() < warn_from():
        return 0
    start, end = utc_bounds(local.date())
    return db.session.scalar(
        select(func.count()).where(
            Einvoice.status.in_(("pending", "sending", "refused")),
            Einvoice.issued_at >= start,
            Einvoice.issued_at < end,
        )
    )


def invoice_or_404(invoice_id: int) -> Einvoice:
    invoice = db.session.get(Einvoice, invoice_id)
    if invoice is None:
        raise NotFound("No such e-invoice.")
    return invoice


def send_again(invoice_id: int, form) -> Einvoice:
    """A refused invoice back in the queue, with the buyer's details of `form` (buyer_name, buyer_tax_code, …)
    when it has any, checked as at the till; a pending one due now. A sent invoice cannot be sent again."""
    with atomic():
        invoice = invoice_or_404(invoice_id)
        if invoice.status == "sent":
            raise Conflict("This invoice was accepted by the provider: it cannot be changed or sent again.")
        before = _snapshot(invoice)
        if invoice.status == "refused":
            if any(f"buyer_{field}" in form for field in BUYER_FIELDS):
                buyer = parse_buyer({field: form.get(f"buyer_{field}", "") for field in BUYER_FIELDS})
                for field in BUYER_FIELDS:
                    setattr(invoice, f"buyer_{field}", getattr(buyer, field) if buyer else "")
            invoice.status, invoice.attempts = "pending", 0
            db.session.execute(delete(EinvoiceXml).where(EinvoiceXml.einvoice_id == invoice.id))  # built again
        invoice.next_attempt_at = utcnow()
        record_audit(
            "send_again",
            "einvoice",
            invoice.id,
            before=before,
            after=_snapshot(invoice),
            note=f"{invoice.form}{invoice.symbol} {invoice.number:08d}",
        )
    return invoice


def _snapshot(invoice: Einvoice) -> dict:
    return {"status": invoice.status, "last_error": invoice.last_error} | {
        f"buyer_{field}": getattr(invoice, f"buyer_{field}") for field in BUYER_FIELDS
    }
