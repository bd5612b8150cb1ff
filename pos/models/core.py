from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pos.core.clock import utcnow
from pos.core.extensions import db
from pos.models.base import BusinessContact, not_negative, one_of

ROLES = ("cashier", "manager", "admin")  # each role can do everything the one before it can


def role_at_least(role: str, wanted: str) -> bool:
    return ROLES.index(role) >= ROLES.index(wanted)


class Showroom(BusinessContact, db.Model):
    """A sales point. The local showroom is the row whose code is SHOWROOM_CODE."""

    __tablename__ = "showrooms"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    invoice_symbol: Mapped[str] = mapped_column(String(10), default="")
    bank_bin: Mapped[str] = mapped_column(String(6), default="")
    bank_account: Mapped[str] = mapped_column(String(19), default="")
    bank_account_name: Mapped[str] = mapped_column(String(100), default="")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (one_of("role", ROLES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # Changes with the password, so a password change ends the user's other sessions.
    session_token: Mapped[str] = mapped_column(String(64))
    showroom_code: Mapped[str | None] = mapped_column(String(16))  # central: a showroom manager's own showroom
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def get_id(self):
        return self.session_token

    @property
    def is_active(self):
        return self.active

    def has_role(self, role: str) -> bool:
        return role_at_least(self.role, role)


class PasswordAttempts(db.Model):
    """Wrong passwords counted in a fixed window, per bucket (a username from an address, or an address): the
    password throttle's storage shared by every worker process (pos/auth/passwords.py)."""

    __tablename__ = "password_attempts"
    __table_args__ = (not_negative("attempts"),)
    bucket: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of what is counted
    attempts: Mapped[int]
    window_ends: Mapped[datetime]


class AuditEntry(db.Model):
    """Who did what, when, with the values before and after."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(
        String(40), index=True
    )  # login, login_failed, create, update, delete, override…
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
