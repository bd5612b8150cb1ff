"""Ships the outbox to central, and pulls the catalog back.

An outbox row stays `pending` until central has answered for it, so a crash, a lost response or a
restart mid-send only means it is sent again, and central answers `duplicate`. Rows central refuses
as invalid go `dead` with the reason (the sync page lists them; a manager can retry them after a
fix); they never hold back the rows behind them. No database transaction is open while waiting on
the network, so the tills keep selling."""

import json
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from pos.core.clock import LOCAL_TZ, utcnow
from pos.core.database import atomic
from pos.core.extensions import db
from pos.core.state import get_state, set_state
from pos.models import OutboxEntry
from pos.protocol.events import MAX_BATCH
from pos.sync.client import CentralClient, CentralFault, CentralUnavailable

log = logging.getLogger(__name__)
BACKOFF_MIN_S, BACKOFF_MAX_S = 5, 300


def backoff_delay(attempts: int) -> float:
    """Exponential from 5 s to 5 min, with jitter so a hundred showrooms coming back online at once
    do not all knock on central in the same second."""
    ceiling = min(BACKOFF_MAX_S, BACKOFF_MIN_S * 2 ** max(0, attempts - 1))
    return random.uniform(max(BACKOFF_MIN_S, ceiling / 2), ceiling)


# --- sales: showroom → central --------------------------------------------------------------------


@dataclass
class PushResult:
    sent: int = 0  # accepted now, or found already at central
    dead: int = 0
    deferred: int = 0  # to be tried again later
    error: str = ""  # central unreachable or refusing the whole batch

    @property
    def attempted(self) -> int:
        return self.sent + self.dead + self.deferred


def push_once(client: CentralClient | None = None, *, ignore_backoff: bool = False) -> PushResult:
    """Send one batch (up to SYNC_BATCH_SIZE pending rows, never more than the protocol's MAX_BATCH, oldest
    first) and record central's answers: a `rejected` one is final, dead-lettered with central's reason."""
    query = select(OutboxEntry.id, OutboxEntry.uuid, OutboxEntry.payload).where(OutboxEntry.status == "pending")
    if not ignore_backoff:
        query = query.where(OutboxEntry.next_attempt_at <= utcnow())
    batch_size = max(1, min(current_app.config["SYNC_BATCH_SIZE"], MAX_BATCH))
    rows = db.session.execute(query.order_by(OutboxEntry.id).limit(batch_size)).all()
    db.session.rollback()  # no read transaction stays open across the network call
    if not rows:
        return PushResult()
    exchange = _Exchange(rows)
    try:
        exchange.client = client or CentralClient.from_config()
        exchange.send(rows)
    except CentralUnavailable as problem:  # offline, or central down for everyone: nothing is anyone's fault
        exchange.error = str(problem)
    return exchange.record()


class _Exchange:
    """One push_once. When central fails on a batch (CentralFault: a 500, an answer that cannot be read), the
    batch is halved and each half sent on its own, down to the one event central fails on, so every other
    event goes through now. That event counts a fault; after SYNC_FAULT_TRIES of them (with the backoff
    between) it is dead-lettered with central's reason. A fault counts only while central is otherwise
    working (something else went through, or it answers a plain request): a central failing on everything is
    an outage, and an outage never dead-letters anything. The halving is bounded: a few poison events in a
    batch of 500 cost about 2 × 9 requests each; past the bound the rest simply waits for the next round."""

    def __init__(self, rows):
        self.rows, self.client = rows, None
        self.requests_left = 4 * len(rows).bit_length() + 1
        self.delivered: list[int] = []
        self.refused: list[tuple[int, str]] = []
        self.later: list[tuple[int, str]] = []
        self.faults: list[tuple[int, str]] = []
        self.error = ""  # central unreachable or down for everyone: what is not answered yet waits

    def send(self, rows) -> None:
        if not self.requests_left:
            return  # left pending and due: the next round sends them
        self.requests_left -= 1
        try:
            answers = self.client.send_events([json.loads(row.payload) for row in rows])
        except CentralFault as fault:
            if len(rows) == 1:
                self.faults.append((rows[0].id, str(fault)[:500]))
                return
            middle = len(rows) // 2
            self.send(rows[:middle])
            self.send(rows[middle:])
            return
        by_uuid = {a.get("uuid"): a for a in answers if isinstance(a, dict)}
        for row in rows:
            answer = by_uuid.get(row.uuid, {})
            status, reason = answer.get("status"), str(answer.get("reason") or "")[:500]
            if status in ("accepted", "duplicate"):
                self.delivered.append(row.id)
            elif status == "rejected":
                self.refused.append((row.id, reason or "rejected by central"))
            else:
                self.later.append((row.id, reason or "central gave no answer for this event"))

    def failed_on_events(self) -> bool:
        """Was it these events central failed on, not central itself? Yes when it took anything else this
        round; for a lone event, when central still answers a plain request. A batch failing whole, down to
        every half tried, is an outage (central broken for everyone), and an outage dead-letters nothing."""
        if self.delivered or self.refused or self.later:
            return True
        if len(self.rows) != 1:
            return False
        try:
            self.client.reconcile(datetime.now(LOCAL_TZ).date().isoformat())
        except CentralUnavailable:
            return False
        return True

    def record(self) -> PushResult:
        now = utcnow()
        pending = OutboxEntry.status == "pending"
        if self.delivered or self.refused:
            with atomic():
                if self.delivered:  # the usual case: the whole batch in one statement
                    db.session.execute(
                        update(OutboxEntry)
                        .where(OutboxEntry.id.in_(self.delivered), pending)
                        .values(status="sent", sent_at=now, last_error="")
                    )
                for row_id, reason in self.refused:
                    db.session.execute(
                        update(OutboxEntry)
                        .where(OutboxEntry.id == row_id, pending)
                        .values(status="dead", last_error=reason, attempts=OutboxEntry.attempts + 1)
                    )
                set_state("last_success_at", now.isoformat() + "Z")
        for row_id, reason in self.later:
            _defer([row_id], reason)
        dead = len(self.refused)
        if self.faults and not self.error and not self.failed_on_events():
            self.error = self.faults[0][1]
        if self.error:  # every row not answered waits for the backoff; none counts a fault
            answered = {*self.delivered, *(i for i, _ in self.refused + self.later)}
            waiting = [row.id for row in self.rows if row.id not in answered]
            _defer(waiting, self.error)
            with atomic():
                set_state("last_error", f"{now.isoformat()}Z {self.error}")
            log.warning("sync: %d events not sent: %s", len(waiting), self.error)
        elif self.faults:
            dead += _count_faults(self.faults)
        return PushResult(
            sent=len(self.delivered), dead=dead, deferred=len(self.rows) - len(self.delivered) - dead, error=self.error
        )


def _count_faults(faults: list[tuple[int, str]]) -> int:
    """Central failed on each of these events alone: dead after SYNC_FAULT_TRIES, else tried again after
    the backoff. Returns how many went dead."""
    tries, dead = current_app.config["SYNC_FAULT_TRIES"], 0
    with atomic():
        for row_id, reason in faults:
            entry = db.session.get(OutboxEntry, row_id)
            if entry is None or entry.status != "pending":
                continue
            entry.attempts += 1
            entry.faults += 1
            entry.last_error = reason
            if entry.faults >= tries:
                entry.status = "dead"
                dead += 1
                log.warning(
                    "sync: central failed %d times on %s alone, dead-lettered: %s", entry.faults, entry.uuid, reason
                )
            else:
                entry.next_attempt_at = utcnow() + timedelta(seconds=backoff_delay(entry.faults))
    return dead


def _defer(ids: list[int], reason: str) -> None:
    """Try these rows again after a growing, jittered delay."""
    with atomic():
        for row_id in ids:
            entry = db.session.get(OutboxEntry, row_id)
            if entry is None or entry.status != "pending":
                continue
            entry.attempts += 1
            entry.last_error = reason[:500]
            entry.next_attempt_at = utcnow() + timedelta(seconds=backoff_delay(entry.attempts))


def push_all(client: CentralClient | None = None, *, ignore_backoff: bool = False) -> PushResult:
    """Send batch after batch until nothing is due or central stops answering."""
    total = PushResult()
    while True:
        result = push_once(client, ignore_backoff=ignore_backoff)
        total.sent += result.sent
        total.dead += result.dead
        total.deferred += result.deferred
        total.error = result.error or total.error
        if result.error or result.sent + result.dead == 0:
            return total


def retry_dead(entry_ids: list[int] | None = None) -> int:
    """Put dead-lettered rows back in the queue (after the cause was fixed); all of them when no ids are given."""
    with atomic():
        query = update(OutboxEntry).where(OutboxEntry.status == "dead")
        if entry_ids is not None:
            query = query.where(OutboxEntry.id.in_(entry_ids))
        result = db.session.execute(query.values(status="pending", attempts=0, faults=0, next_attempt_at=utcnow()))
    return result.rowcount


def send_again(entry_ids: list[int]) -> int:
    """A manager's "send again" on the sync page: dead-lettered rows go back in the queue with a clean slate,
    stuck pending ones are due now instead of after their backoff. Sent rows are left alone."""
    with atomic():
        revived = db.session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(entry_ids), OutboxEntry.status == "dead")
            .values(status="pending", attempts=0, faults=0, next_attempt_at=utcnow())
        )
        hurried = db.session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id.in_(entry_ids), OutboxEntry.status == "pending")
            .values(next_attempt_at=utcnow())
        )
    return revived.rowcount + hurried.rowcount


# --- what the sync page and `flask sync status` show ----------------------------------------------


@dataclass
class SyncStatus:
    configured: bool
    pending: int
    sent: int
    dead: int
    stuck: int  # pending for longer than SYNC_STUCK_AFTER_S
    oldest_pending_at: datetime | None
    last_success_at: str
    last_error: str

    @property
    def lag_seconds(self) -> int:
        """How far central is behind: the age of the oldest sale not yet delivered."""
        return int((utcnow() - self.oldest_pending_at).total_seconds()) if self.oldest_pending_at else 0


def sync_status() -> SyncStatus:
    counts = dict(db.session.execute(select(OutboxEntry.status, func.count()).group_by(OutboxEntry.status)).all())
    oldest = db.session.scalar(select(func.min(OutboxEntry.created_at)).where(OutboxEntry.status == "pending"))
    stuck = db.session.scalar(select(func.count()).where(*_stuck())) if oldest and oldest < _stuck_before() else 0
    config = current_app.config
    return SyncStatus(
        configured=bool(config.get("CENTRAL_URL") and config.get("SYNC_SECRET")),
        pending=counts.get("pending", 0),
        sent=counts.get("sent", 0),
        dead=counts.get("dead", 0),
        stuck=stuck,
        oldest_pending_at=oldest,
        last_success_at=get_state("last_success_at"),
        last_error=get_state("last_error"),
    )


def dead_letters(limit: int = 200) -> list[OutboxEntry]:
    return db.session.scalars(
        select(OutboxEntry).where(OutboxEntry.status == "dead").order_by(OutboxEntry.id.desc()).limit(limit)
    ).all()


def _stuck_before() -> datetime:
    return utcnow() - timedelta(seconds=current_app.config["SYNC_STUCK_AFTER_S"])


def _stuck():
    return OutboxEntry.status == "pending", OutboxEntry.created_at < _stuck_before()


def stuck_entries(limit: int = 200) -> list[OutboxEntry]:
    """Pending rows older than SYNC_STUCK_AFTER_S, oldest first: central offline for long, or failing on them."""
    return db.session.scalars(select(OutboxEntry).where(*_stuck()).order_by(OutboxEntry.id).limit(limit)).all()


# --- the loop `flask sync run` keeps going ---------------------------------------------------------


def run_forever(stop=lambda: False, echo=print) -> None:
    """Send whatever is due every SYNC_INTERVAL_S, and the showroom's status (pos/sync/status_report.py) when it
    changed; pull the catalog and send the label-scan counts every SYNC_CATALOG_INTERVAL_S, and, after a restore,
    take back first what central holds (pos/sync/recovery.py)."""
    from pos.sync.catalog import pull_catalog
    from pos.sync.recovery import recover, recovery_pending
    from pos.sync.scan_sender import push_scans
    from pos.sync.status_report import StatusReporter

    config = current_app.config
    client = CentralClient.from_config()
    next_catalog_pull = 0.0
    status = StatusReporter()
    while not stop():
        try:
            result = push_all(client)
            if result.sent or result.dead:
                echo(f"sync: {result.sent} sent, {result.dead} dead-lettered")
            status.report(client)  # the e-invoices pending and refused, when they changed
            if time.monotonic() >= next_catalog_pull:
                next_catalog_pull = time.monotonic() + config["SYNC_CATALOG_INTERVAL_S"]
                if recovery_pending():  # restored from a backup: take back what central holds
                    for line in recover(client).report():
                        echo(f"sync: {line}")
                changes = pull_catalog(client)
                if changes:
                    echo(f"sync: catalog updated ({changes} rows)")
                push_scans(client)
        except CentralUnavailable as problem:
            log.warning("sync: %s", problem)
        except Exception:  # the loop must outlive any one bad moment; the next round tries again
            log.exception("sync: round failed")
            db.session.rollback()
        time.sleep(config["SYNC_INTERVAL_S"])
