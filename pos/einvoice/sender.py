"""The e-invoice queue: every invoice issued with a sale or a return goes to the provider soon after, batched,
retried with backoff, never holding up a sale.

The queue is the einvoices rows themselves (their sending columns): `pending` until the provider has answered
for the invoice, then `sent` (with what the provider recorded in `provider_reply`) or `refused` (with the
provider's reason in `last_error`; a manager corrects it and sends it again, pos/einvoice/corrections.py).
`attempts` counts the tries, `next_attempt_at` is when the next is due. The sale's (or return's) UUID is the
provider's key, so sending again after a crash, a timeout or a dropped connection is harmless: the provider
answers "already there" and the adapter looks up what it holds (pos/einvoice/vnpt.py).

A round has two steps. First the invoices issued since the last round get their XML built, checked against
the schema (a batch in one call) and stored in einvoice_xml, once (`build_pending`; an invoice failing the
schema is refused here, with the reason, and never reaches the provider). Then the due rows, oldest first, go out
EINVOICE_BATCH_SIZE per provider call, their stored XML as it is, and each batch's answers are written in one
transaction; the next batch is read while the provider answers, and sent while the answers are written. No
transaction is open while waiting on the network."""

import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, bindparam, cast, func, select, update
from sqlalchemy.orm import aliased

from pos.core.clock import local_today, utc_bounds, utcnow
from pos.core.database import atomic, dialect_insert
from pos.core.extensions import db
from pos.core.state import get_state, set_state
from pos.einvoice import xml
from pos.einvoice.provider import ISSUED, REFUSED, Provider, ProviderUnavailable, Submission, provider_from_settings
from pos.einvoice.settings import credentials, settings_row
from pos.models import Einvoice, EinvoiceXml, Sale

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


# --- building each invoice's XML once, soon after the sale ------------------------------------------

_RELATED = aliased(Einvoice)
_CONTENT = (
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
    _RELATED.form.label("related_form"),
    _RELATED.symbol.label("related_symbol"),
    _RELATED.number.label("related_number"),
    _RELATED.issued_at.label("related_issued_at"),
    Sale.lookup_code,
)


def lookup_base() -> str:
    """Where buyers look their invoice up (DLQRCode): PUBLIC_BASE_URL, else the showroom's own address."""
    from pos.labels.service import public_base_url

    return public_base_url()


@dataclass
class Built:
    built: int = 0  # XML built, checked and stored
    refused: int = 0  # failing the schema (or not writable): refused with the reason, never sent


def build_pending(limit: int = 0, ids: list[int] | None = None) -> Built:
    """The XML of pending invoices that have none yet (issued since the last round, or corrected), oldest
    first, up to `limit` (0: all, `limit` at a time): built from the row, checked against the schema (a form's
    invoices in one call) and stored, or refused with the schema's reason. Each invoice is built and checked
    once; every send and resend posts the stored bytes. Runs before each sending round."""
    limit = limit or max(1, current_app.config["EINVOICE_BATCH_SIZE"])
    total, waiting = Built(), pending_ids(unbuilt=True, ids=ids)
    for start in range(0, len(waiting), limit):
        query = (
            select(*_CONTENT)
            .join(Sale, Sale.id == Einvoice.sale_id)
            .outerjoin(_RELATED, _RELATED.id == Einvoice.related_id)
            .outerjoin(EinvoiceXml, EinvoiceXml.einvoice_id == Einvoice.id)
            .where(Einvoice.id.in_(waiting[start : start + limit]), Einvoice.status == "pending")
            .where(EinvoiceXml.einvoice_id.is_(None))
        )
        rows = db.session.execute(query.order_by(Einvoice.id)).all()
        db.session.rollback()
        if not rows:
            continue
        built, refused = _build(rows)
        with atomic():
            if built:  # another sender may have built it meanwhile: the same bytes
                db.session.execute(dialect_insert(EinvoiceXml.__table__).on_conflict_do_nothing(), built)
            _refuse(refused)
        total.built, total.refused = total.built + len(built), total.refused + len(refused)
    return total


def _build(rows) -> tuple[list[dict], list[tuple[int, str]]]:
    """({"einvoice_id", "xml"} of those passing the schema, (id, reason) of the others)."""
    fresh, refused, base = {}, [], lookup_base()
    for row in rows:
        try:
            body = xml.build(xml.document(row, qr_data=f"{base}/r/{row.lookup_code}"))
        except (ValueError, KeyError, TypeError) as problem:  # content the builder cannot write: refused here
            refused.append((row.id, f"the invoice cannot be written as XML: {problem}"[:500]))
            continue
        fresh.setdefault(int(row.form), []).append((row, body))
    built = []
    for form, items in fresh.items():
        for (row, body), problem in zip(items, xml.problems([b for _, b in items], form), strict=True):
            if problem:
                refused.append((row.id, f"the invoice XML fails the schema: {problem}"[:500]))
            else:
                built.append({"einvoice_id": row.id, "xml": body})
    return built, refused


# --- sending ---------------------------------------------------------------------------------------

_SENDING = (
    Einvoice.id,
    Einvoice.uuid,
    Einvoice.form,
    Einvoice.symbol,
    Einvoice.number,
    Einvoice.authority_code,
    EinvoiceXml.xml,
)


def pending_ids(*, due_only: bool = False, unbuilt: bool = False, ids: list[int] | None = None) -> list[int]:
    """The pending invoices' ids, oldest first (those due now with due_only; those whose XML is not built yet with
    unbuilt; among `ids` when given). Read from the (status, next_attempt_at) index and einvoice_xml's key alone:
    no invoice row is read to find them."""
    query = select(Einvoice.id).where(Einvoice.status == "pending")
    if due_only:
        query = query.where(Einvoice.next_attempt_at <= utcnow())
    if unbuilt:
        query = query.where(~select(EinvoiceXml.einvoice_id).where(EinvoiceXml.einvoice_id == Einvoice.id).exists())
    if ids is not None:
        query = query.where(Einvoice.id.in_(ids))
    return sorted(db.session.scalars(query))


def due_rows(ids: list[int]) -> list:
    """These invoices as sending needs them, those still pending with their XML built, oldest first."""
    query = (
        select(*_SENDING)
        .join(EinvoiceXml, EinvoiceXml.einvoice_id == Einvoice.id)
        .where(Einvoice.id.in_(ids), Einvoice.status == "pending")
    )
    return db.session.execute(query.order_by(Einvoice.id)).all()


def configured_provider() -> Provider:
    """The provider the settings name, with the credentials of the environment or instance/; ProviderUnavailable
    when it cannot be built (unknown, credentials missing). Keep it: it holds one HTTP session."""
    return provider_from_settings(settings_row(), credentials(), current_app.config["EINVOICE_TIMEOUT_S"])


@dataclass
class _Batch:
    """Due invoices read, ready for one provider call."""

    rows: list
    submissions: list[Submission] = field(default_factory=list)

    def __post_init__(self):
        self.submissions = [
            Submission(row.uuid, row.xml, int(row.form), row.symbol, row.number, row.authority_code)
            for row in self.rows
        ]


def _batch_size(provider: Provider | None) -> int:
    limit = max(1, current_app.config["EINVOICE_BATCH_SIZE"])
    return min(limit, provider.max_batch) if provider is not None else limit


def _batches(limit: int, *, ignore_backoff: bool = False, ids=None):
    """The due invoices, `limit` at a time, each batch read from the database only when asked for."""
    waiting = pending_ids(due_only=not ignore_backoff and ids is None, ids=ids)
    db.session.rollback()
    for start in range(0, len(waiting), limit):
        rows = due_rows(waiting[start : start + limit])
        db.session.rollback()  # no read transaction stays open across the network call
        if rows:
            yield _Batch(rows)


def _publish(provider: Provider, submissions: list[Submission]):
    """The provider's outcomes, or the ProviderUnavailable it raised (returned: this may run in a thread)."""
    try:
        return provider.publish(submissions)
    except ProviderUnavailable as problem:
        return problem


def send_once(
    provider: Provider | None = None, *, ignore_backoff: bool = False, ids: list[int] | None = None
) -> SendResult:
    """One batch: the XML of new invoices built, then the due invoices (up to EINVOICE_BATCH_SIZE and the
    provider's own limit) sent in one call, the answers recorded. Invoices issued before e-invoicing was turned
    off are still sent."""
    limit = _batch_size(provider)
    refused = build_pending(limit, ids).refused
    batch = next(_batches(limit, ignore_backoff=ignore_backoff, ids=ids), None)
    if batch is None:
        return SendResult(refused=refused)
    try:
        provider = provider or configured_provider()
    except ProviderUnavailable as problem:
        result = _record(batch, problem)
    else:
        result = _record(batch, _publish(provider, batch.submissions))
    result.refused += refused
    return result


def send_all(provider: Provider | None = None, *, ignore_backoff: bool = False) -> SendResult:
    """The XML of every new invoice built and checked, then batch after batch, oldest first, until nothing is
    due or the provider stops answering. The provider calls run in a thread of their own (only this thread uses
    the database): while the provider works on one batch the next is read, and once it has answered the next
    call goes out while its answers are written. A call never carries a row whose answer is unwritten."""
    try:
        provider = provider or configured_provider()
    except ProviderUnavailable:
        return send_once(None, ignore_backoff=ignore_backoff)  # records why on the first batch
    limit = _batch_size(provider)
    total = SendResult(refused=build_pending(limit).refused)
    batches = _batches(limit, ignore_backoff=ignore_backoff)
    batch = next(batches, None)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="einvoice-send") as network:
        answer = network.submit(_publish, provider, batch.submissions) if batch else None
        while answer is not None:
            following = next(batches, None)
            outcomes, answer = answer.result(), None
            if following is not None and not isinstance(outcomes, ProviderUnavailable):
                answer = network.submit(_publish, provider, following.submissions)
            result = _record(batch, outcomes)
            total.add(result)
            if result.error:
                return total  # the provider is not answering: the rest waits for the next round, untouched
            batch = following
    return total


def _record(batch: _Batch, outcomes) -> SendResult:
    """The provider's answers for the batch (a list of outcomes, or the ProviderUnavailable that stopped it),
    written in one transaction."""
    ids_by_key = {row.uuid: row.id for row in batch.rows}
    if isinstance(outcomes, ProviderUnavailable):
        reason = str(outcomes)[:500]
        with atomic():
            _defer(list(ids_by_key.values()), reason)
            set_state(STATE_ERROR, f"{utcnow().isoformat()}Z {reason}")
        log.warning("einvoice: %d invoices not sent: %s", len(ids_by_key), reason)
        return SendResult(deferred=len(ids_by_key), error=reason)
    ours_by_key = {row.uuid: f"{row.number} {row.authority_code}" for row in batch.rows}
    issued, refused, later, seen = [], [], {}, set()
    for outcome in outcomes:
        row_id = ids_by_key.get(outcome.key)
        if row_id is None or row_id in seen:
            continue  # not ours, or answered twice: the first answer counts
        seen.add(row_id)
        if outcome.status == ISSUED:
            reply = f"{outcome.number} {outcome.code}".strip()[:500]
            issued.append({"row_id": row_id, "reply": reply, "ours": reply == ours_by_key[outcome.key]})
        elif outcome.status == REFUSED:
            refused.append((row_id, outcome.reason or "refused by the provider"))
        else:
            later[row_id] = outcome.reason or "the provider gave no answer for this invoice"
    for row_id in ids_by_key.values():
        if row_id not in seen:
            later[row_id] = "the provider gave no answer for this invoice"
    with atomic():  # the round's one write: every answer
        _record_sent(issued)
        _refuse(refused)
        for reason in set(later.values()):
            _defer([row_id for row_id, why in later.items() if why == reason], reason)
    return SendResult(sent=len(issued), refused=len(refused), deferred=len(later))


def _record_sent(issued: list[dict]) -> None:
    """The provider has these (`reply`: the number and code it recorded; `ours`: whether they are the invoice's
    own): sent. The usual case, the provider recording our number and code, is one statement for the batch."""
    if not issued:
        return
    now, table = utcnow(), Einvoice.__table__
    sent = {"status": "sent", "sent_at": now, "last_error": "", "attempts": table.c.attempts + 1}
    pending = table.c.status == "pending"
    ours = [item["row_id"] for item in issued if item["ours"]]
    others = [item for item in issued if not item["ours"]]
    with atomic():
        if ours:
            reply = cast(table.c.number, String).concat(" ").concat(table.c.authority_code)
            db.session.execute(
                update(table).where(table.c.id.in_(ours), pending).values(sent | {"provider_reply": reply})
            )
        if others:
            db.session.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"), pending)
                .values(sent | {"provider_reply": bindparam("reply")}),
                [{"row_id": item["row_id"], "reply": item["reply"]} for item in others],
            )
        set_state(STATE_SUCCESS, now.isoformat() + "Z")


def _refuse(refused: list[tuple[int, str]]) -> None:
    """The provider (or our own schema check) said no to these: they wait for a manager's correction."""
    if not refused:
        return
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
            with atomic():
                set_state(STATE_ERROR, f"{utcnow().isoformat()}Z {problem}")
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
        last_success_at=get_state(STATE_SUCCESS),
        last_error=get_state(STATE_ERROR),
    )
