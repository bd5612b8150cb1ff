import secrets
from dataclasses import dataclass

from flask_login import UserMixin
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from pos.auth.passwords import check_password
from pos.core.audit import record_audit
from pos.core.database import atomic
from pos.core.errors import Conflict, ValidationError
from pos.core.extensions import db
from pos.core.limits import FULL_NAME_MAX, unstorable
from pos.models import ROLES, User
from pos.models.core import role_at_least

MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class StaffMember(UserMixin):
    """A user as plain values: the signed-in user of a request (current_user), a manager who approved. Still
    readable once the transaction that read it has ended, where an ORM User would be expired and read again."""

    id: int
    username: str
    full_name: str
    role: str
    showroom_code: str | None
    session_token: str

    @classmethod
    def of(cls, user) -> "StaffMember":
        return cls(user.id, user.username, user.full_name, user.role, user.showroom_code, user.session_token)

    def get_id(self) -> str:  # what the login cookie carries: a password change ends the user's other sessions
        return self.session_token

    def has_role(self, role: str) -> bool:
        return role_at_least(self.role, role)


# Every request asks for its user: its columns in one Core statement, no ORM object (which costs twice as much).
_SIGNED_IN = select(User.id, User.username, User.full_name, User.role, User.showroom_code, User.session_token)


def signed_in_user(session_token: str) -> StaffMember | None:
    row = db.session.execute(_SIGNED_IN.where(User.session_token == str(session_token)[:64], User.active)).first()
    return StaffMember(*row) if row else None


def authenticate(username: str, password: str) -> User | None:
    """The user whose username and password these are, or None. Raises TooManyAttempts (pos/auth/passwords.py)."""
    username = username.strip()
    user = db.session.scalar(select(User).where(User.username == username))
    ok = check_password(user if user is not None and user.active else None, username, password)
    with atomic():
        record_audit("login" if ok else "login_failed", "user", username[:64], user=user if ok else None)
    return user if ok else None


def create_user(username: str, password: str, role: str, full_name: str = "") -> User:
    _refuse_unstorable(username=username, password=password, full_name=full_name)
    username, full_name = (username or "").strip(), (full_name or "").strip()[:FULL_NAME_MAX]
    errors = {}
    if not username or len(username) > 64:
        errors["username"] = "Username is required (at most 64 characters)."
    if role not in ROLES:
        errors["role"] = f"Role must be one of: {', '.join(ROLES)}."
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Password must be at least {MIN_PASSWORD_LENGTH} characters."
    # The message names the first problem (a constant msgid, so it reads in the user's language); `fields` has all.
    if "username" in errors:
        raise ValidationError("Username is required (at most 64 characters).", fields=errors)
    if "role" in errors:
        raise ValidationError("Role must be one of: %(roles)s.", roles=", ".join(ROLES), fields=errors)
    if errors:
        raise ValidationError("Password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH, fields=errors)
    with atomic():
        if db.session.scalar(select(User).where(User.username == username)):
            raise Conflict(
                "User '%(username)s' already exists.", username=username, fields={"username": "already exists"}
            )
        user = User(
            username=username,
            full_name=full_name,
            role=role,
            password_hash=generate_password_hash(password),
            session_token=new_session_token(),
        )
        db.session.add(user)
        db.session.flush()
        record_audit("create", "user", user.id, after={"username": username, "role": role})
    return user


def _refuse_unstorable(**values) -> None:
    """A NUL or a lone surrogate (the command line passes one from bytes that are not UTF-8) is refused:
    no database stores it, and a password holding one cannot even be hashed."""
    odd = {
        name: "contains a character that cannot be stored"
        for name, value in values.items()
        if isinstance(value, str) and unstorable(value)
    }
    if odd:
        raise ValidationError(
            "%(names)s: contains a character that cannot be stored (NUL or an invalid Unicode character).",
            names=", ".join(odd),
            fields=odd,
        )


def set_password(user: User, password: str) -> None:
    _refuse_unstorable(password=password)
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            "Password must be at least %(n)d characters.", n=MIN_PASSWORD_LENGTH, fields={"password": "too short"}
        )
    with atomic():
        user.password_hash = generate_password_hash(password)
        user.session_token = new_session_token()  # ends every other session of this user
        record_audit("update", "user", user.id, note="password changed")


def new_session_token() -> str:
    """A user's session version: carried in the session and the remember cookie, checked on each request
    (signed_in_user); a new one ends every session and remember cookie of that user, on every device."""
    return secrets.token_hex(16)


def end_sessions(user_id: int) -> None:
    """Logout: the session cookie and remember cookie, and any copy of them taken earlier, open nothing any more."""
    with atomic():
        user = db.session.get(User, user_id)
        if user is not None:
            user.session_token = new_session_token()
