"""Database engine set-up and the one way services write: `with atomic():`."""
import contextvars
import fcntl
import os
import threading
from contextlib import contextmanager, nullcontext

from sqlalchemy import event
from sqlalchemy.engine import Engine

from pos.extensions import db

_immediate = contextvars.ContextVar("immediate_transaction", default=False)
_writer_threads = threading.Lock()
_writer_lock_files: dict[tuple[int, str], int] = {}  # (process, database) → its open lock file


@contextmanager
def sqlite_writer(database: str | None):
    """SQLite has one writer at a time. The threads and worker processes of the server queue here, on a
    lock that wakes the next till the moment it is free, instead of in SQLite's busy handler, whose sleeps
    (up to 100 ms each) would otherwise stretch the wait of a till behind another."""
    with _writer_threads:
        if not database or database == ":memory:":
            yield
            return
        key = (os.getpid(), database)  # a forked worker opens its own: flock is shared across fork
        if key not in _writer_lock_files:
            _writer_lock_files[key] = os.open(database + ".writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(_writer_lock_files[key], fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(_writer_lock_files[key], fcntl.LOCK_UN)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, busy timeout; and BEGIN IMMEDIATE for write transactions so two tills
    never both read stock, then both write it (the second waits instead of failing on a stale read)."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, emits BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=FULL")  # an acknowledged sale survives a power cut, not only a crash
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _immediate.get() else "BEGIN")


@contextmanager
def atomic():
    """One write transaction, committed on success and rolled back on any error.

    Any read transaction the request already holds is ended first, so the write starts on fresh
    data (on SQLite it then takes the write lock up front). Nested blocks join the outer one."""
    session = db.session
    if _immediate.get():  # already inside atomic(): the outer block commits or rolls back everything
        yield session
        return
    if session().in_transaction():
        session.rollback()
    token = _immediate.set(True)
    engine = session.get_bind()
    writer_lock = sqlite_writer(engine.url.database) if engine.dialect.name == "sqlite" else nullcontext()
    try:
        with writer_lock:
            yield session
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _immediate.reset(token)


def dialect_insert(table):
    """An INSERT that can take ON CONFLICT … DO NOTHING / DO UPDATE: PostgreSQL and SQLite both support it,
    each through its own SQLAlchemy construct."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite).insert(table)


def claim(model, row_id: int, from_status: str, **values):
    """Move a document out of `from_status` exactly once, inside atomic(): a double click or a retry finds it
    already moved. Returns (row, claimed); the row is None when there is no such document."""
    from sqlalchemy import update

    result = db.session.execute(update(model).where(model.id == row_id, model.status == from_status)
                                .values(**values).execution_options(synchronize_session=False))
    row = db.session.get(model, row_id)
    if row is not None:
        db.session.refresh(row)
    return row, result.rowcount == 1
