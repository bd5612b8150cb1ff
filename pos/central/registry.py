"""The showrooms central trusts, each with the secret it signs its requests with."""

import logging
import re
import secrets
from datetime import UTC, date, datetime, time, timedelta

from flask import g, request
from sqlalchemy import delete, select

from pos.core.audit import record_audit
from pos.core.clock import LOCAL_TZ, to_local, utcnow
from pos.core.database import atomic, dialect_insert
from pos.core.errors import Conflict, DomainError, NotFound, ValidationError
from pos.core.extensions import db
from pos.models import RefusedRequests, Showroom, ShowroomKey
from pos.protocol import signing

log = logging.getLogger(__name__)
CODE_RE = re.compile(r"^[A-Z0-9]{2,10}$")
ROTATION_GRACE = timedelta(hours=24)  # the old secret keeps working while the showroom is reconfigured
REFUSALS_KEPT = timedelta(days=7)  # per-minute counts of refused requests are pruned after this


class Unauthorized(DomainError, code="unauthorized", status=401): ...


def clean_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not CODE_RE.match(code):
        raise ValidationError(
            "A showroom code is 2 to 10 letters or digits, e.g. TH or HK02.", fields={"code": "invalid"}
        )
    return code


def add_showroom(code: str, name: str, secret: str | None = None, since: date | None = None) -> str:
    """Register a showroom; returns its new secret (shown once). Central takes its events from the start of
    the local day `since` (a showroom that sold before it was paired), by default from the start of today."""
    code, name = clean_code(code), (name or "").strip()
    today = to_local(utcnow()).date()
    since = since or today
    if not date(2000, 1, 1) <= since <= today:
        raise ValidationError(
            "The first day of sales must be a date from 2000-01-01 to today.", fields={"since": "out of range"}
        )
    if not name or len(name) > 200:
        raise ValidationError("A showroom needs a name of at most 200 characters.", fields={"name": "required"})
    secret = secret or secrets.token_urlsafe(32)
    if len(secret) < 32:
        raise ValidationError("A sync secret must be at least 32 characters.", fields={"secret": "too short"})
    with atomic():
        showroom = db.session.scalar(select(Showroom).where(Showroom.code == code))
        if showroom is None:
            showroom = Showroom(code=code, name=name)
            db.session.add(showroom)
            db.session.flush()
        if db.session.scalar(select(ShowroomKey).where(ShowroomKey.showroom_id == showroom.id)):
            raise Conflict(
                "Showroom %(code)s is already registered; rotate its secret instead.",
                code=code,
                fields={"code": "already registered"},
            )
        events_from = datetime.combine(since, time(0), tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)
        db.session.add(ShowroomKey(showroom_id=showroom.id, secret=secret, events_from=events_from))
        record_audit("create", "showroom_key", code, note=f"showroom {code} registered for sync")
    return secret


def rotate_secret(code: str) -> str:
    code = clean_code(code)
    with atomic():
        key = db.session.scalar(select(ShowroomKey).join(Showroom).where(Showroom.code == code))
        if key is None:
            raise NotFound("No registered showroom %(code)s.", code=code, fields={"code": "unknown"})
        key.previous_secret, key.previous_valid_until = key.secret, utcnow() + ROTATION_GRACE
        key.secret = secrets.token_urlsafe(32)
        record_audit("update", "showroom_key", code, note="sync secret rotated; the old one works for 24 hours")
    return key.secret


def _refusal_reason(problem: str) -> str:
    """One of a few fixed reasons (the counter's key must not vary with what a forger sends)."""
    if problem.startswith("timestamp off"):
        return "stale timestamp"
    if problem in ("unknown showroom", "missing or malformed timestamp"):
        return problem
    return "bad signature"


def _count_refusal(code: str, reason: str, known: bool) -> None:
    """One more refused request in this minute's counter for (claimed code, reason). The code is the one the
    request claimed, kept only when it is a registered showroom (else ""), so a forger can neither grow the
    table by inventing codes nor be counted as that showroom: nobody proved to be it."""
    reason = _refusal_reason(reason)
    now = utcnow()
    minute = now.replace(second=0, microsecond=0)
    with atomic():
        add_refusal(minute, code[:16] if known else "", reason)
        if minute.minute == 0:  # once an hour is often enough to keep the table to a week
            db.session.execute(delete(RefusedRequests).where(RefusedRequests.minute < now - REFUSALS_KEPT))
    log.warning("sync: refused a request claiming to be %r: %s", code[:16], reason)


def add_refusal(minute: datetime, claimed_code: str, reason: str) -> None:
    """count += 1 for (minute, claimed code, reason), inserting the row the first time (one statement); inside
    atomic(). Refused sync requests and refused payment webhooks (pos.payments.transfers) are counted here."""
    statement = dialect_insert(RefusedRequests.__table__)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["minute", "claimed_code", "reason"],
            set_={"count": RefusedRequests.__table__.c["count"] + 1},
        ),
        {"minute": minute, "claimed_code": claimed_code, "reason": reason, "count": 1},
    )


def authenticate_showroom() -> Showroom:
    """The showroom that signed this request, or 401 (counted, see _count_refusal) for an unknown showroom, a
    stale timestamp or a bad signature."""
    code = request.headers.get(signing.SHOWROOM_HEADER, "")
    row = db.session.execute(
        select(Showroom, ShowroomKey)
        .join(ShowroomKey, ShowroomKey.showroom_id == Showroom.id)
        .where(Showroom.code == code, ShowroomKey.active.is_(True))
    ).first()
    if row is None:
        _count_refusal(code, "unknown showroom", known=False)
        raise Unauthorized("Request refused: unknown showroom.")
    showroom, key = row
    allowed = [key.secret]
    if key.previous_secret and key.previous_valid_until and key.previous_valid_until > utcnow():
        allowed.append(key.previous_secret)
    path = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
    problem = signing.verify(
        allowed,
        request.method,
        path,
        request.headers.get(signing.TIMESTAMP_HEADER, ""),
        request.get_data(cache=True),
        request.headers.get(signing.SIGNATURE_HEADER, ""),
    )
    if problem:
        _count_refusal(code, problem, known=True)
        raise Unauthorized("Request refused: %(reason)s.", reason=problem)
    g.showroom = showroom
    return showroom
