"""A manager's approval at the till: their username and password typed in on the cashier's screen.

A password typed at the till is a password check like a login's, so it passes the same throttle
(pos/auth/passwords.py), and a wrong one is audited ("approval_refused": who asked, for which document, which
approver, from which address). After APPROVAL_PAUSE_AFTER refusals within APPROVAL_PAUSE_MINUTES the approver's
approvals pause, with no password checked, until that many minutes pass without as many refusals; managers see
it on their overview (paused_approvers).

The answer never tells a right password from a wrong one (or from a cashier's, or an unknown username's) while
the request has anything else wrong: the check is made before the write transaction (a password hash is slow,
~0.1 s, and must not hold the write lock), but a refused approver stands in for an approving one until the whole
request has been validated and written, and `confirm()` then refuses it, rolling everything back."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from pos.auth.passwords import TooManyAttempts, check_password, client_address
from pos.auth.service import StaffMember
from pos.core.audit import record_audit
from pos.core.clock import utcnow
from pos.core.database import atomic
from pos.core.errors import DomainError, Text
from pos.core.extensions import db
from pos.models import AuditEntry, User

REFUSED = "approval_refused"  # the audit action of a refused approval


class ApprovalRequired(DomainError, code="approval_required", status=422):
    """422 like any payload the rules refuse; the till recognises the code and asks for a manager."""


@dataclass
class Approval:
    """What the till sent as a manager's approval, checked once, before the write transaction."""

    given: bool
    approver: StaffMember | None  # the manager, when the password was right; None when not given, or refused
    refusal: Text | None = None  # why it was refused (the same words for a wrong password and a wrong approver)
    stand_in: StaffMember | None = None  # acts for a refused approver until the request is otherwise valid
    needed_for: list = field(default_factory=list)  # what the approval was required for, in order

    def require(self, reason: Text) -> StaffMember:
        """The approving manager, or ApprovalRequired when none was given. A refused approval is answered by
        confirm(), once everything else in the request is known to be valid."""
        if not self.given:
            raise ApprovalRequired(
                "A manager must approve: %(reason)s", reason=reason, fields={"approval": str(reason)}
            )
        self.needed_for.append(reason)
        return self.approver or self.stand_in

    def confirm(self) -> None:
        """At the end of the request's write transaction: refuse (and so roll back) what a refused approval
        would have approved."""
        if self.needed_for and self.approver is None:
            raise ApprovalRequired(
                "The approval was refused (%(why)s): %(reason)s",
                why=self.refusal,
                reason=self.needed_for[0],
                fields={"approval": "refused"},
            )


def check_approval(approval: dict | None, *, requester, document: str) -> Approval:
    """Check the approval the till sent for `document` (e.g. "sale <uuid>"), asked for by `requester`.
    Call it outside a write transaction: it writes the throttle's counters and the audit on its own."""
    if not isinstance(approval, dict) or not approval.get("username") or not approval.get("password"):
        return Approval(given=False, approver=None)
    username = _printable(str(approval["username"]).strip())[:64]
    stand_in = StaffMember(requester.id, username, "", "manager", None, "")
    paused_until = approval_paused_until(username)
    if paused_until:
        return _refused(
            Text("approvals by %(name)s are paused after repeated wrong passwords", name=username),
            username,
            requester,
            document,
            "paused",
            stand_in,
        )
    user = db.session.scalar(select(User).where(User.username == username))
    eligible = user if user is not None and user.active and user.has_role("manager") else None
    try:
        ok = check_password(eligible, username, approval["password"])
    except TooManyAttempts as refused:
        return _refused(
            Text(
                "too many wrong passwords from this device; try again in %(minutes)d minutes", minutes=refused.minutes
            ),
            username,
            requester,
            document,
            "too many attempts",
            stand_in,
        )
    if not ok:
        return _refused(
            Text("not a manager, or a wrong password"), username, requester, document, "wrong password", stand_in
        )
    return Approval(given=True, approver=StaffMember.of(eligible))


def _refused(why: Text, username: str, requester, document: str, cause: str, stand_in: StaffMember) -> Approval:
    address = client_address()
    with atomic():
        record_audit(
            REFUSED,
            "user",
            username,
            user=requester,
            after={"approver": username, "document": document, "address": address, "cause": cause},
            note=f"approval by {username} asked by {requester.username} for {document} from {address}: {cause}",
        )
    return Approval(given=True, approver=None, refusal=why, stand_in=stand_in)


def _recent_refusals(since: datetime, username: str | None = None) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.action == REFUSED, AuditEntry.entity == "user", AuditEntry.at > since)
        .order_by(AuditEntry.at.desc())
    )
    if username is not None:
        query = query.where(AuditEntry.entity_id == username).limit(current_app.config["APPROVAL_PAUSE_AFTER"])
    return list(db.session.scalars(query))


def approval_paused_until(username: str, now: datetime | None = None) -> datetime | None:
    """When the approver's approvals resume (UTC), or None when they are not paused: paused while the last
    APPROVAL_PAUSE_AFTER refusals all fall within APPROVAL_PAUSE_MINUTES."""
    config, now = current_app.config, now or utcnow()
    window = timedelta(minutes=config["APPROVAL_PAUSE_MINUTES"])
    refusals = _recent_refusals(now - window, username)
    if len(refusals) < config["APPROVAL_PAUSE_AFTER"]:
        return None
    return refusals[-1].at + window


@dataclass(frozen=True)
class PausedApprover:
    username: str
    until: datetime  # UTC
    refusals: int
    last_asked_by: str
    last_address: str


def paused_approvers(now: datetime | None = None) -> list[PausedApprover]:
    """The approvers whose approvals are paused now, for the managers' pages."""
    config, now = current_app.config, now or utcnow()
    window = timedelta(minutes=config["APPROVAL_PAUSE_MINUTES"])
    by_approver: dict[str, list[AuditEntry]] = {}
    for entry in _recent_refusals(now - window):
        by_approver.setdefault(entry.entity_id, []).append(entry)
    paused = []
    for username, refusals in sorted(by_approver.items()):
        if len(refusals) >= config["APPROVAL_PAUSE_AFTER"]:
            last = refusals[0]
            paused.append(
                PausedApprover(
                    username,
                    refusals[config["APPROVAL_PAUSE_AFTER"] - 1].at + window,
                    len(refusals),
                    last.username,
                    (last.after or {}).get("address", ""),
                )
            )
    return paused


def _printable(text: str) -> str:
    """A typed username as it can be stored and shown: NUL and lone surrogates spelled out."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
