"""Every password check of the app: the login form, a manager's approval at the till (a sale, a return) and any
later one. `check_password` is the only caller of the password hash (a test holds every module to it), so no
route can check a password without passing the throttle.

The throttle counts passwords per (username, client address) and, with a higher ceiling, per client address,
in fixed windows (PASSWORD_RATE_LIMIT, PASSWORD_RATE_LIMIT_PER_ADDRESS): a guesser is stopped without locking
the account's owner out at another till or browser. An attempt is counted *before* its password is checked and
given back when the password was right, so concurrent guesses, across any number of worker processes, check
at most the limit. The counters live in this database by default (table password_attempts: every gunicorn
worker shares them and nothing else is needed); RATELIMIT_STORAGE_URI may name a store of the `limits`
library instead (redis://…, memcached://…; memory:// is one process's only).

The client address is the socket's. Behind a reverse proxy, TRUSTED_PROXIES=N (werkzeug's ProxyFix, applied in
create_app) takes it from the N proxies' X-Forwarded-For; without it X-Forwarded-For is ignored."""

import hashlib
import math
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask import current_app, has_request_context, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from sqlalchemy import case, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from pos.core.clock import utcnow
from pos.core.database import atomic, dialect_insert
from pos.core.errors import DomainError
from pos.core.extensions import db
from pos.models import PasswordAttempts

PASSWORD_MAX = 1000  # characters; no one's password is longer (and hashing a megabyte costs the server)
# Checked against when there is no such user, so an unknown username takes as long as a known one.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class TooManyAttempts(DomainError, code="too_many_attempts", status=429):
    """Refused before any password is checked: this username from this address, or this address, used up its
    window's allowance of passwords."""

    def __init__(self, message: str, *, minutes: int):
        super().__init__(message, minutes=minutes, fields={"password": "too many attempts"})
        self.minutes = minutes


def client_address() -> str:
    """Where the request came from (see the module docstring on proxies); "local" for the CLI."""
    if not has_request_context():
        return "local"
    return (request.remote_addr or "unknown")[:64]


def check_password(user, username: str, password) -> bool:
    """Whether `password` is `user`'s (False when user is None, after the same work). Raises TooManyAttempts,
    checking nothing, when `username` from this client address, or this address, has no attempt left."""
    address = client_address()
    counters = _counters()
    buckets = (
        (_bucket("user", username, address), _limit("PASSWORD_RATE_LIMIT")),
        (_bucket("address", address), _limit("PASSWORD_RATE_LIMIT_PER_ADDRESS")),
    )
    counts = counters.hit([(bucket, limit.get_expiry()) for bucket, limit in buckets])
    over = [bucket for (bucket, limit), count in zip(buckets, counts, strict=False) if count > limit.amount]
    if over:
        wait = max(counters.get_expiry(bucket) for bucket in over) - time.time()
        raise TooManyAttempts(
            "Too many wrong passwords from this device. Try again in %(minutes)d minutes.",
            minutes=max(1, math.ceil(wait / 60)),
        )
    ok = user is not None and _matches(user.password_hash, password)
    if user is None:
        _matches(_DUMMY_HASH, password)
    if ok:
        counters.give_back([(bucket, limit.get_expiry()) for bucket, limit in buckets])
    return ok


def _matches(password_hash: str, password) -> bool:
    password = password if isinstance(password, str) else str(password or "")
    try:
        password.encode()  # a lone surrogate is nobody's password, and would break the hash
    except UnicodeEncodeError:
        return False
    return len(password) <= PASSWORD_MAX and check_password_hash(password_hash, password)


def _bucket(*parts: str) -> str:
    text = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=16)
def _parse(text: str) -> RateLimitItem:
    return parse(text)


def _limit(name: str) -> RateLimitItem:
    return _parse(current_app.config[name])


def _counters():
    uri = current_app.config.get("RATELIMIT_STORAGE_URI") or "database"
    counters = current_app.extensions.get("password_counters")
    if counters is None or counters.uri != uri:
        counters = DatabaseCounters() if uri == "database" else LimitsCounters(uri)
        current_app.extensions["password_counters"] = counters
    return counters


class DatabaseCounters:
    """Counters in the password_attempts table; each attempt's counting is one short transaction."""

    uri = "database"

    def hit(self, buckets: list[tuple[str, int]]) -> list[int]:
        """Count one attempt in each (bucket, window seconds); their counts in this window."""
        table, now = PasswordAttempts.__table__, utcnow()
        counts = []
        with atomic():
            db.session.execute(table.delete().where(table.c.window_ends < now - timedelta(days=1)))
            for bucket, expiry in buckets:
                insert = dialect_insert(table).values(
                    bucket=bucket, attempts=1, window_ends=now + timedelta(seconds=expiry)
                )
                expired = table.c.window_ends <= now
                counts.append(
                    db.session.execute(
                        insert.on_conflict_do_update(
                            index_elements=[table.c.bucket],
                            set_={
                                "attempts": case((expired, 1), else_=table.c.attempts + 1),
                                "window_ends": case((expired, insert.excluded.window_ends), else_=table.c.window_ends),
                            },
                        ).returning(table.c.attempts)
                    ).scalar_one()
                )
        return counts

    def give_back(self, buckets: list[tuple[str, int]]) -> None:
        with atomic():
            db.session.execute(
                update(PasswordAttempts)
                .where(PasswordAttempts.bucket.in_([b for b, _ in buckets]), PasswordAttempts.attempts > 0)
                .values(attempts=PasswordAttempts.attempts - 1)
                .execution_options(synchronize_session=False)
            )

    def get_expiry(self, bucket: str) -> float:
        ends = db.session.scalar(select(PasswordAttempts.window_ends).where(PasswordAttempts.bucket == bucket))
        db.session.rollback()  # end the read: the caller goes on to write
        if ends is None:
            return time.time()
        if isinstance(ends, str):
            ends = datetime.fromisoformat(ends)
        return ends.replace(tzinfo=UTC).timestamp()


class LimitsCounters:
    """Counters in a store of the `limits` library (Redis, Memcached, or one process's memory)."""

    def __init__(self, uri: str):
        self.uri = uri
        self.storage = storage_from_string(uri)

    def hit(self, buckets: list[tuple[str, int]]) -> list[int]:
        return [self.storage.incr(bucket, expiry) for bucket, expiry in buckets]

    def give_back(self, buckets: list[tuple[str, int]]) -> None:
        for bucket, expiry in buckets:
            self.storage.incr(bucket, expiry, amount=-1)

    def get_expiry(self, bucket: str) -> float:
        return self.storage.get_expiry(bucket)
