"""Admin rules: the showroom's own settings, staff accounts and the audit log."""

import re

from flask import current_app
from sqlalchemy import Select, or_, select

from pos.auth.scope import Scope
from pos.auth.service import new_session_token
from pos.catalog.service import snapshot
from pos.core.audit import record_audit
from pos.core.database import atomic
from pos.core.errors import NotFound, Text, ValidationError, problem_list
from pos.core.extensions import db
from pos.core.limits import ADDRESS_MAX, PHONE_MAX, PLACE_MAX, unstorable
from pos.models import AuditEntry, Showroom, User

# (The showroom's old `invoice_symbol` column is no longer set here: e-invoicing has its own settings,
# pos/einvoice/settings.py on /admin/einvoice.)
SHOWROOM_FIELDS = {  # field → its label on the settings page and in messages
    "name": Text("Name"),
    "address": Text("Address"),
    "ward": Text("Ward"),
    "district": Text("District"),
    "province": Text("Province"),
    "tax_code": Text("Tax code"),
    "phone": Text("Phone"),
    "bank_bin": Text("Bank BIN (VietQR)"),
    "bank_account": Text("Bank account"),
    "bank_account_name": Text("Account name"),
}
_RULES = {
    "name": (r".{1,200}", Text("required, at most 200 characters")),
    "tax_code": (r"(\d{10}(-\d{3})?)?", Text("10 digits, or 10-3 for a branch")),
    "bank_bin": (r"(\d{6})?", Text("6 digits, e.g. 970436")),
    "bank_account": (r"([0-9A-Za-z]{1,19})?", Text("1 to 19 letters or digits")),
    "bank_account_name": (r"[A-Z0-9 ]{0,50}", Text("capital letters without diacritics, as the bank shows it")),
}

_LENGTHS = {"address": ADDRESS_MAX, "ward": PLACE_MAX, "district": PLACE_MAX, "province": PLACE_MAX, "phone": PHONE_MAX}


def local_showroom_row() -> Showroom:
    code = current_app.config["SHOWROOM_CODE"]
    showroom = db.session.scalar(select(Showroom).where(Showroom.code == code))
    return showroom or Showroom(code=code, name="")


def save_settings(data: dict) -> Showroom:
    clean = {field: str(data.get(field) or "").strip() for field in SHOWROOM_FIELDS}
    errors = {field: problem for field, (pattern, problem) in _RULES.items() if not re.fullmatch(pattern, clean[field])}
    errors |= {
        f: Text("at most %(max)d characters", max=limit) for f, limit in _LENGTHS.items() if len(clean[f]) > limit
    }
    errors |= {
        f: Text("contains a character that cannot be stored (NUL or an invalid Unicode character)")
        for f, value in clean.items()
        if unstorable(value)
    }
    if errors:
        raise ValidationError(
            "Settings not saved: %(problems)s.", problems=problem_list(errors, SHOWROOM_FIELDS.get), fields=errors
        )
    with atomic():
        showroom = local_showroom_row()
        before = snapshot(showroom, SHOWROOM_FIELDS) if showroom.id else None
        for field, value in clean.items():
            setattr(showroom, field, value)
        db.session.add(showroom)
        db.session.flush()
        record_audit(
            "update" if before else "create",
            "showroom",
            showroom.code,
            before=before,
            after=snapshot(showroom, SHOWROOM_FIELDS),
        )
    return showroom


def set_active(user_id: int, active: bool, acting_user) -> User:
    with atomic():
        user = db.session.get(User, user_id)
        if user is None:
            raise NotFound("No such user.")
        if user.id == acting_user.id and not active:
            raise ValidationError("You cannot deactivate your own account.", fields={"active": "own account"})
        user.active = active
        if not active:  # reactivating later must not bring back the sessions open now
            user.session_token = new_session_token()
        record_audit("update", "user", user.id, before={"active": not active}, after={"active": active})
    return user


def audit_entries(scope: Scope, filters: dict | None = None) -> Select:
    """The audit log, newest first, within `scope`, narrowed by exact `filters` (action, entity, username).

    A showroom's manager at central sees what their showroom's users did, the failed logins against those
    users, and their showroom's own registration and key changes; nothing of central's staff or other showrooms."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if not scope.everything:
        users = select(User.id, User.username).where(User.showroom_code == scope.showroom).subquery()
        query = query.where(
            or_(
                AuditEntry.user_id.in_(select(users.c.id)),
                AuditEntry.action.in_(("login", "login_failed"))
                & (AuditEntry.entity == "user")
                & AuditEntry.entity_id.in_(select(users.c.username)),
                AuditEntry.entity.in_(("showroom", "showroom_key")) & (AuditEntry.entity_id == scope.showroom),
            )
        )
    for column, value in (filters or {}).items():
        if value:
            query = query.where(getattr(AuditEntry, column) == value)
    return query


def audit_actions(scope: Scope) -> list[str]:
    """The actions the log in `scope` holds, for its filter."""
    entries = audit_entries(scope).subquery()
    return db.session.scalars(select(entries.c.action).distinct().order_by(entries.c.action)).all()
