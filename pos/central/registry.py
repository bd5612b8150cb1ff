"""The showrooms central trusts, each with the secret it signs its requests with."""
import re
import secrets
from datetime import timedelta

from flask import g, request
from sqlalchemy import select

from pos.audit import record_audit
from pos.database import atomic
from pos.errors import Conflict, DomainError, NotFound, ValidationError
from pos.extensions import db
from pos.models import Showroom, ShowroomKey, SyncRejection
from pos.models.base import utcnow
from pos.sync import signing

CODE_RE = re.compile(r"^[A-Z0-9]{2,10}$")
ROTATION_GRACE = timedelta(hours=24)  # the old secret keeps working while the showroom is reconfigured


class Unauthorized(DomainError):
    code = "unauthorized"
    status = 401


def clean_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not CODE_RE.match(code):
        raise ValidationError("A showroom code is 2 to 10 letters or digits, e.g. TH or HK02.",
                              fields={"code": "invalid"})
    return code


def add_showroom(code: str, name: str, secret: str | None = None) -> str:
    """Register a showroom; returns its new secret (shown once)."""
    code, name = clean_code(code), (name or "").strip()
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
            raise Conflict("Showroom %(code)s is already registered; rotate its secret instead.", code=code,
                           fields={"code": "already registered"})
        db.session.add(ShowroomKey(showroom_id=showroom.id, secret=secret))
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


def _log_refusal(code: str, reason: str) -> None:
    """Logged in English, the reason as a machine gives it; the Unauthorized raised next is for people."""
    with atomic():
        db.session.add(SyncRejection(showroom_code=code[:16], reason=f"unauthorized: {reason}"[:500]))


def authenticate_showroom() -> Showroom:
    """The showroom that signed this request, or 401 (logged) for an unknown showroom, a stale
    timestamp or a bad signature."""
    code = request.headers.get(signing.SHOWROOM_HEADER, "")
    row = db.session.execute(select(Showroom, ShowroomKey).join(ShowroomKey, ShowroomKey.showroom_id == Showroom.id)
                             .where(Showroom.code == code, ShowroomKey.active.is_(True))).first()
    if row is None:
        _log_refusal(code, "unknown showroom")
        raise Unauthorized("Request refused: unknown showroom.")
    showroom, key = row
    allowed = [key.secret]
    if key.previous_secret and key.previous_valid_until and key.previous_valid_until > utcnow():
        allowed.append(key.previous_secret)
    path = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
    problem = signing.verify(allowed, request.method, path, request.headers.get(signing.TIMESTAMP_HEADER, ""),
                             request.get_data(cache=True), request.headers.get(signing.SIGNATURE_HEADER, ""))
    if problem:
        _log_refusal(code, problem)
        raise Unauthorized("Request refused: %(reason)s.", reason=problem)
    g.showroom = showroom
    return showroom
