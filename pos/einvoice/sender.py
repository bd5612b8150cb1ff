"""The e-invoice queue: every invoice issued with a sale or a return goes to the provider soon after, batched,
retried with backoff, never holding up a sale.

The queue is the einvoices rows themselves (their sending columns): `pending` until the provider has answered
for the invoice, then `sent` (with what the provider recorded in `provider_reply`) or `refused` (with the
provider's reason in `last_error`; a manager corrects it and sends it again, pos/einvoice/corrections.py).
`attempts` counts the tries, `next_attempt_at` is when the next is due. The sale's (or return's) UUID is the
provider's key, so sending again after a crash, a timeout or a dropped connection is harmless: the provider
answers "already there" and the adapter looks up what it holds (pos/einvoice/vnpt.py).

A round: the due rows, oldest first (EINVOICE_BATCH_SIZE); those not yet built get their XML built and checked
against the schema once, a batch at a time (an invoice failing the schema is refused here, with the reason,
and never reaches the provider); then one provider call for the batch, and the answers recorded in a few
statements. No transaction is open while waiting on the network."""

import logging
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import aliased

from pos.core.clock import local_today, utc_bounds, utcnow
from pos.core.database import atomic
from pos.core.extensions import db
from pos.einvoice import xml
from pos.einvoice.provider import ISSUED, REFUSED, Provider, ProviderUnavailable, Submission, provider_from_settings
from pos.einvoice.settings import credentials, settings_row
from pos.models import Einvoice, Sale, SyncState

log = logging.getLogger(__name__)
BACKOFF_MIN_S, BACKOFF_MAX_S = 10, 600
STATE_SUCCESS, STATE_ERROR = "einvoice_last_success_at", "einvoice_last_error"


def backoff_delay(attempts: int) -> float:
    """Exponential from 10 s to 10 min, jittered: a provider back after an outage is not hit by every showroom in
    the same second."""
    ceiling = min(BACKOFF_MAX_S, BACKOFF_MIN_S * 2 ** max(0, attempts - 1))
    return random.uniform(max(BACKOFF_MIN_S, ceiling / 2), ceiling)


@dataclass
class SendResult:
    sent: int = 0  # the provider has it (now, or it already had it)
    refused: int = 0  # the provider (or our schema check) said no: a manager must correct it
    deferred: int = 0  # to be tried again after the backoff
    error: str = ""  # the provider unreachable or refusing the whole batch

    def add(self, other: "SendResult") -> None:
        self.sent += other.sent
        self.refused += other.refused
        self.deferred += other.deferred
        self.error = other.error or self.error


# --- reading the queue -----------------------------------------------------------------------------

_RELATED = aliased(Einvoice)
_COLUMNS = (
    Einvoice.id,
    Einvoice.uuid,
    Einvoice.kind,
    Einvoice.form,
    Einvoice.symbol,
    Einvoice.number,
    Einvoice.authority_code,
    Einvoice.issued_at,
    Einvoice.spec_version,
    Einvoice.seller_tax_code,
    Einvoice.seller_name,
    Einvoice.seller_address,
    Einvoice.buyer_name,
    Einvoice.buyer_tax_code,
    Einvoice.buyer_address,
    Einvoice.buyer_phone,
    Einvoice.buyer_id_number,
    Einvoice.total_before_vat,
    Einvoice.vat_total,
    Einvoice.total,
    Einvoice.amount_in_words,
    Einvoice.content,
    Einvoice.related_id,
    Einvoice.attempts,
    Einvoice.xml,
    _RELATED.form.label("related_form"),
    _RELATED.symbol.label("related_symbol"),
    _RELATED.number.label("related_number"),
    _RELATED.issued_at.label("related_issued_at"),
    Sale.lookup_code,
)


def due_rows(limit: int, *, ignore_backoff: bool = False, ids: list[int] | None = None) -> list:
    """Pending invoices due now (all pending with ignore_backoff), oldest first: what document() needs, the
    related invoice's fields for an adjustment, and the sale's look-up code for the QR link."""
    query = (
        select(*_COLUMNS)
        .join(Sale, Sale.id == Einvoice.sale_id)
        .outerjoin(_RELATED, _RELATED.id == Einvoice.related_id)
        .where(Einvoice.status == "pending")
    )
    if ids is not None:
        query = query.where(Einvoice.id.in_(ids))
    elif not ignore_backoff:
        query = query.where(Einvoice.next_attempt_at <= utcnow())
    return db.session.execute(query.order_by(Einvoice.id).limit(limit)).all()


# --- building each invoice's XML once --------------------------------------------------------------


def lookup_base() -> str:
    """Where buyers look their invoice up (DLQRCode): PUBLIC_BASE_URL, else the showroom's own address."""
    from pos.labels.service import public_base_url

    return public_base_url()


@dataclass
class Prepared:
    ready: list[tuple] = field(default_factory=list)  # (row, xml bytes)
    broken: list[tuple[int, str]] = field(default_factory=list)  # (invoice id, why it fails the schema)


def prepare(rows) -> Prepared:
    """The rows' XML: stored when it was built before, else built now, checked against the schema (a form's
    invoices in one call) and stored, so a retry never builds or checks it again."""
    result, fresh, base = Prepared(), {}, None
    for row in rows:
        if row.xml:
            result.ready.append((row, row.xml.encode()))
            continue
        if base is None:
            base = lookup_base()
        try:
            built = xml.build(xml.document(row, qr_data=f"{base}/r/{row.lookup_code}"))
        except (ValueError, KeyError, TypeError) as problem:  # content the builder cannot write: refused here
            result.broken.append((row.id, f"the invoice cannot be written as XML: {problem}"[:500]))
            continue
        fresh.setdefault(int(row.form), []).append((row, built))
    stored = []
    for form, items in fresh.items():
        for (row, built), problem in zip(items, xml.problems([b for _, b in items], form), strict=True):
            if problem:
                result.broken.append((row.id, f"the invoice XML fails the schema: {problem}"[:500]))
            else:
                result.ready.append((row, built))
                stored.append({"row_id": row.id, "xml": built.decode()})
    if stored:
        with atomic():
            db.session.execute(update(Einvoice.__table__).where(Einvoice.__table__.c.id == bindparam("row_id")), stored)
    if result.broken:
        _refuse(result.broken)
    result.ready.sort(key=lambda item: item[0].id)
    return result


# --- one round -------------------------------------------------------------------------------------


def configured_provider() -> Provider:
    """The provider the settings name, with the credentials of the environment or instance/; ProviderUnavailable
    when it cannot be built (unknown, credentials missing). Keep it: it holds one HTTP session."""
    return provider_from_settings(settings_row(), credentials(), current_app.config["EINVOICE_TIMEOUT_S"])


def send_once(
    provider: Provider | None = None, *, ignore_backoff: bool = False, ids: list[int] | None = None
) -> SendResult:
    """One batch: the due invoices (up to EINVOICE_BATCH_SIZE and the provider's own limit), built if need be,
    sent in one call, the answers recorded. Invoices issued before e-invoicing was turned off are still sent."""
    limit = max(1, current_app.config["EINVOICE_BATCH_SIZE"])
    if provider is not None:
        limit = min(limit, provider.max_batch)
    rows = due_rows(limit, ignore_backoff=ignore_backoff, ids=ids)
    db.session.rollback()  # no read transaction stays open across the network call
    if not rows:
        return SendResult()
    prepared = prepare(rows)
    result = SendResult(refused=len(prepared.broken))
    if not prepared.ready:
        return result
    submissions = [
        Submission(row.uuid, body, int(row.form), row.symbol, row.number, row.authority_code)
        for row, body in prepared.ready
    ]
    ids_by_key = {row.uuid: row.id for row, _ in prepared.ready}
    try:
        provider = provider or configured_provider()
        outcomes = provider.publish(submissions)
    except ProviderUnavailable as problem:
        reason = str(problem)[:500]
        _defer(list(ids_by_key.values()), reason)
        _set_state(STATE_ERROR, f"{utcnow().isoformat()}Z {reason}")
        log.warning("einvoice: %d invoices not sent: %s", len(ids_by_key), reason)
        result.deferred += len(ids_by_key)
        result.error = reason
        return result
    issued, refused, later, seen = [], [], {}, set()
    for outcome in outcomes:
        row_id = ids_by_key.get(outcome.key)
        if row_id is None or row_id in seen:
            continue  # not ours, or answered twice: the first answer counts
        seen.add(row_id)
        if outcome.status == ISSUED:
            issued.append({"row_id": row_id, "reply": f"{outcome.number} {outcome.code}".strip()[:500]})
        elif outcome.status == REFUSED:
            refused.append((row_id, outcome.reason or "refused by the provider"))
        else:
            later[row_id] = outcome.reason or "the provider gave no answer for this invoice"
    for row_id in ids_by_key.values():
        if row_id not in seen:
            later[row_id] = "the provider gave no answer for this invoice"
    _record_sent(issued)
    if refused:
        _refuse(refused)
    for reason in set(later.values()):
        _defer([row_id for row_id, why in later.items() if why == reason], reason)
    result.sent += len(issued)
    result.refused += len(refused)
    result.deferred += len(later)
    return result


def _record_sent(issued: list[dict]) -> None:
    now = utcnow()
    with atomic():
        if issued:  # the usual case: the whole batch in one statement
            table = Einvoice.__table__
            db.session.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"), table.c.status == "pending")
                .values(
                    status="sent",
                    sent_at=now,
                    last_error="",
                    provider_reply=bindparam("reply"),
                    attempts=table.c.attempts + 1,
                ),
                issued,
            )
        _set_state(STATE_SUCCESS, now.isoformat() + "Z")


def _refuse(refused: list[tuple[int, str]]) -> None:
    """The provider (or our own schema check) said no to these: they wait for a manager's correction."""
    table = Einvoice.__table__
    with atomic():
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"), table.c.status == "pending")
            .values(status="refused", last_error=bindparam("reason"), attempts=table.c.attempts + 1),
            [{"row_id": row_id, "reason": reason[:500]} for row_id, reason in refused],
        )
    log.warning("einvoice: %d invoices refused: %s", len(refused), refused[0][1])


def _defer(ids: list[int], reason: str) -> None:
    """Try these again after a growing, jittered delay (one per attempt count)."""
    if not ids:
        return
    table = Einvoice.__table__
    now = utcnow()
    with atomic():
        attempts = dict(db.session.execute(select(table.c.id, table.c.attempts).where(table.c.id.in_(ids))).all())
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"), table.c.status == "pending")
            .values(attempts=table.c.attempts + 1, last_error=reason[:500], next_attempt_at=bindparam("due")),
            [
                {"row_id": row_id, "due": now + timedelta(seconds=backoff_delay(count + 1))}
                for row_id, count in attempts.items()
            ],
        )


def _set_state(key: str, value: str) -> None:
    with atomic():
        row = db.session.get(SyncState, key)
        if row is None:
            db.session.add(SyncState(key=key, value=value))
        else:
            row.value = value


def _get_state(key: str) -> str:
    row = db.session.get(SyncState, key)
    return row.value if row else ""


def send_all(provider: Provider | None = None, *, ignore_backoff: bool = False) -> SendResult:
    """Batch after batch until nothing is due, or the provider stops answering."""
    total = SendResult()
    while True:
        result = send_once(provider, ignore_backoff=ignore_backoff)
        total.add(result)
        if result.error or result.sent + result.refused == 0:
            return total


def run_forever(stop=lambda: False, echo=print) -> None:
    """`flask einvoice run`: send whatever is due every EINVOICE_INTERVAL_S. The provider is built once (one HTTP
    session), again after the settings or credentials were missing."""
    provider = None
    while not stop():
        try:
            if _has_pending():
                provider = provider or configured_provider()
                result = send_all(provider)
                if result.sent or result.refused:
                    echo(f"einvoice: {result.sent} sent, {result.refused} refused")
        except ProviderUnavailable as problem:
            provider = None
            log.warning("einvoice: %s", problem)
            _set_state(STATE_ERROR, f"{utcnow().isoformat()}Z {problem}")
        except Exception:  # the loop must outlive any one bad moment; the next round tries again
            log.exception("einvoice: round failed")
            db.session.rollback()
        db.session.rollback()
        time.sleep(current_app.config["EINVOICE_INTERVAL_S"])


def _has_pending() -> bool:
    return db.session.scalar(select(Einvoice.id).where(Einvoice.status == "pending").limit(1)) is not None


# --- what the page, `flask einvoice status` and central see ------------------------------------------


@dataclass
class QueueStatus:
    pending: int
    sent: int
    refused: int
    unsent_today: int  # today's (local day) invoices not yet sent: pending or refused
    oldest_pending_at: datetime | None
    last_success_at: str
    last_error: str


UNSENT = ("pending", "sending", "refused")


def unsent_counts() -> tuple[int, int, int]:
    """(pending, refused, today's unsent): what central shows per showroom. Index range scans only (the sent
    rows, nearly all of them, are never counted), so the sync sender can ask every round."""
    counts = dict(
        db.session.execute(
            select(Einvoice.status, func.count()).where(Einvoice.status.in_(UNSENT)).group_by(Einvoice.status)
        ).all()
    )
    start, end = utc_bounds(local_today())
    today = db.session.scalar(
        select(func.count()).where(Einvoice.issued_at >= start, Einvoice.issued_at < end, Einvoice.status.in_(UNSENT))
    )
    return counts.get("pending", 0) + counts.get("sending", 0), counts.get("refused", 0), today or 0


def queue_status() -> QueueStatus:
    counts = dict(db.session.execute(select(Einvoice.status, func.count()).group_by(Einvoice.status)).all())
    unsent_today = unsent_counts()[2]
    oldest = db.session.scalar(select(func.min(Einvoice.issued_at)).where(Einvoice.status == "pending"))
    return QueueStatus(
        pending=counts.get("pending", 0) + counts.get("sending", 0),
        sent=counts.get("sent", 0),
        refused=counts.get("refused", 0),
        unsent_today=unsent_today or 0,
        oldest_pending_at=oldest,
        last_success_at=_get_state(STATE_SUCCESS),
        last_error=_get_state(STATE_ERROR),
    )
