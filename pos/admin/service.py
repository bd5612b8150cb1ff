"""Admin rules: the showroom's own settings and staff accounts."""
import re

from flask import current_app
from sqlalchemy import select

from pos.audit import record_audit
from pos.auth.service import new_session_token
from pos.catalog.service import snapshot
from pos.database import atomic
from pos.errors import NotFound, Text, ValidationError, problem_list
from pos.extensions import db
from pos.models import Showroom, User

SHOWROOM_FIELDS = {  # field → its label on the settings page and in messages
    "name": Text("Name"), "address": Text("Address"), "ward": Text("Ward"), "district": Text("District"),
    "province": Text("Province"), "tax_code": Text("Tax code"), "phone": Text("Phone"),
    "invoice_symbol": Text("E-invoice symbol"), "bank_bin": Text("Bank BIN (VietQR)"),
    "bank_account": Text("Bank account"), "bank_account_name": Text("Account name"),
}
_RULES = {
    "name": (r".{1,200}", Text("required, at most 200 characters")),
    "tax_code": (r"(\d{10}(-\d{3})?)?", Text("10 digits, or 10-3 for a branch")),
    "invoice_symbol": (r"([12]C\d{2}[A-Z]{3})?", Text("like 1C26MAA (cash-register invoices: M)")),
    "bank_bin": (r"(\d{6})?", Text("6 digits, e.g. 970436")),
    "bank_account": (r"([0-9A-Za-z]{1,19})?", Text("1 to 19 letters or digits")),
    "bank_account_name": (r"[A-Z0-9 ]{0,50}", Text("capital letters without diacritics, as the bank shows it")),
}


def local_showroom_row() -> Showroom:
    code = current_app.config["SHOWROOM_CODE"]
    showroom = db.session.scalar(select(Showroom).where(Showroom.code == code))
    return showroom or Showroom(code=code, name="")


def save_settings(data: dict) -> Showroom:
    clean = {field: str(data.get(field) or "").strip() for field in SHOWROOM_FIELDS}
    errors = {field: problem for field, (pattern, problem) in _RULES.items()
              if not re.fullmatch(pattern, clean[field])}
    errors |= {f: Text("at most %(max)d characters", max=300) for f in ("address", "ward", "district", "province", "phone")
               if len(clean[f]) > 300}
    if errors:
        raise ValidationError("Settings not saved: %(problems)s.", problems=problem_list(errors, SHOWROOM_FIELDS.get),
                              fields=errors)
    with atomic():
        showroom = local_showroom_row()
        before = snapshot(showroom, SHOWROOM_FIELDS) if showroom.id else None
        for field, value in clean.items():
            setattr(showroom, field, value)
        db.session.add(showroom)
        db.session.flush()
        record_audit("update" if before else "create", "showroom", showroom.code, before=before,
                     after=snapshot(showroom, SHOWROOM_FIELDS))
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
