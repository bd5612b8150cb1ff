"""Database engine set-up and the one way services write: `with atomic():`."""

import fcntl
import os
import re
import sqlite3
import threading
from contextlib import contextmanager, nullcontext
from datetime import date, datetime

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from pos.core.extensions import ATOMIC_BLOCK, db
from pos.core.limits import ROW_ID_MAX


class _Block:
    """The atomic() block open in this context: the pooled connection its transaction is on, whose DB-API driver Sql
    runs on, and the SQLAlchemy Connection the ORM and Core run on, made the first time they are used inside."""

    __slots__ = ("core", "dialect", "driver", "engine", "pooled")

    def __init__(self, engine: Engine):
        self.engine, self.dialect = engine, engine.dialect
        self.pooled = engine.raw_connection()
        self.driver = self.pooled.driver_connection
        self.core: Connection | None = None

    def connection(self) -> Connection:
        if self.core is None:
            self.core = Connection(self.engine, self.pooled)
            self.core.begin()  # SQLAlchemy's view of the transaction atomic() began on the driver (on_begin skips it)
        return self.core

    def on_driver(self, method: str, *args) -> None:
        """BEGIN or COMMIT on the driver itself; its error raised as SQLAlchemy's, as a statement's is."""
        try:
            getattr(self.driver, method)(*args)
        except self.dialect.loaded_dbapi.Error as error:
            statement = args[0] if args else method.upper()
            raise DBAPIError.instance(
                statement, (), error, self.dialect.loaded_dbapi.Error, dialect=self.dialect
            ) from error


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


OWNER_ONLY_FILE, OWNER_ONLY_DIR = 0o600, 0o700


def keep_private(path: str | os.PathLike, mode: int = OWNER_ONLY_FILE) -> None:
    """Narrow an existing file or directory of ours to `mode`: one made by an older version, or by hand,
    stays readable by others no longer. Another user's file is left as it is (we could not change it)."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return
    if status.st_uid == os.getuid() and status.st_mode & 0o777 != mode:
        os.chmod(path, mode)


def create_private_file(path: str | os.PathLike) -> None:
    """Create `path` empty and readable by its owner only, or raise FileExistsError."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY_FILE))


def secure_sqlite_files(database: str | None) -> None:
    """A showroom's database holds its users' password hashes, a central one every showroom's HMAC secret:
    readable by its owner only. The file is made (empty, which SQLite takes as a new database) with mode 0600
    before SQLite first opens it, since SQLite gives its -wal and -shm files the database file's mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        create_private_file(database)
    except FileExistsError:
        for path in (database, database + "-wal", database + "-shm", database + ".writer-lock"):
            keep_private(path)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, busy timeout; and BEGIN IMMEDIATE for write transactions so two tills
    never both read stock, then both write it (the second waits instead of failing on a stale read).
    The database's files are its owner's only (secure_sqlite_files)."""
    secure_sqlite_files(engine.url.database)

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
    def on_begin(connection):  # on the driver itself: every transaction passes here but atomic()'s own
        block = ATOMIC_BLOCK.get()
        if block is not None and block.driver is connection.connection.driver_connection:
            return  # atomic() began it, and SQLAlchemy joins it
        statement = "BEGIN IMMEDIATE" if block is not None else "BEGIN"
        try:
            connection.connection.driver_connection.execute(statement)
        except sqlite3.Error as error:  # e.g. locked past the busy timeout: SQLAlchemy's OperationalError
            raise DBAPIError.instance(statement, (), error, sqlite3.Error, dialect=connection.dialect) from error


def open_session() -> Session | None:
    """The context's db.session if it was made, without making one: None means nothing loaded, nothing pending."""
    registry = db.session.registry
    return registry() if registry.has() else None


@contextmanager
def atomic():
    """One write transaction, committed on success and rolled back on any error.

    Any read transaction the request already holds is ended first, so the write starts on fresh
    data (on SQLite it then takes the write lock up front). Nested blocks join the outer one.

    The transaction is begun and committed on a pooled DB-API connection, where Sql runs. The ORM session, once
    used inside, joins it through a SQLAlchemy Connection made then (SQLAlchemy's "rollback_only" join): its
    flushes and a rollback apply to it, the commit is atomic()'s. A block that runs only Sql, as a sale does, makes
    neither that Connection nor a session: they cost about a tenth of a sale (docs/benchmarks.md)."""
    if ATOMIC_BLOCK.get() is not None:  # already inside atomic(): the outer block commits or rolls back everything
        yield db.session
        return
    session = open_session()
    if session is not None and session.in_transaction():
        session.rollback()
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"
    with sqlite_writer(engine.url.database) if sqlite else nullcontext():
        block = _Block(engine)
        token = ATOMIC_BLOCK.set(block)
        try:
            if sqlite:  # PostgreSQL's driver begins at the first statement
                block.on_driver("execute", "BEGIN IMMEDIATE")
            yield db.session
            session = open_session()
            if session is not None and session.in_transaction():
                session.commit()  # flushes, and expires what it loaded; it leaves the commit to us
            if block.core is not None:
                block.core.commit()
            else:
                block.on_driver("commit")
        except BaseException:
            session = open_session()
            if session is not None:
                session.rollback()
            raise
        finally:
            ATOMIC_BLOCK.reset(token)
            # Back to the pool, which rolls back what was not committed (SQLAlchemy's Connection does it itself)
            (block.pooled if block.core is None else block.core).close()


def dialect_insert(table):
    """An INSERT that can take ON CONFLICT … DO NOTHING / DO UPDATE: PostgreSQL and SQLite both support it,
    each through its own SQLAlchemy construct."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite).insert(table)


def claim(model, row_id: int, from_status: str, **values):
    """Move a document out of `from_status` exactly once, inside atomic(): a double click or a retry finds it
    already moved. Returns (row, claimed); the row is None when there is no such document."""
    from sqlalchemy import update

    result = db.session.execute(
        update(model)
        .where(model.id == row_id, model.status == from_status)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    row = db.session.get(model, row_id)
    if row is not None:
        db.session.refresh(row)
    return row, result.rowcount == 1


def claim_or_refuse(model, row_id: int, from_status: str, *, missing: Exception, moved, **values):
    """claim() a document, or refuse: raises `missing` when there is no such document, and `moved(row)` (the
    error to raise for it) when it is no longer in `from_status`. Returns the row, moved on."""
    row, claimed = claim(model, row_id, from_status, **values)
    if row is None:
        raise missing
    if not claimed:
        raise moved(row)
    return row


# SQLite stores dates and times as text. Sql hands the driver Python values, and these adapters write them in
# SQLAlchemy's text forms, so the ORM reads back what Sql wrote. SQLAlchemy converts its own values before they
# reach the driver, so nothing else is affected.
sqlite3.register_adapter(datetime, lambda moment: moment.isoformat(" ", "microseconds"))
sqlite3.register_adapter(date, date.isoformat)


MAX_PAGE = 100_000  # far past any list; a larger ?page= would overflow the database's integer OFFSET


def row_id(values, name: str) -> int | None:
    """An id from a form or query string (request.form, request.args): None unless it could be a row's."""
    value = values.get(name, type=int)
    return value if value is not None and 0 < value <= ROW_ID_MAX else None


def requested_page() -> int:
    """The ?page= of a paged list: 1 when missing or not a number, at most MAX_PAGE."""
    from flask import request

    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)


def paginate(query, per_page: int):
    """A page of `query` for a list page; past the end gives an empty page, never an error."""
    return db.paginate(query, page=requested_page(), per_page=per_page, error_out=False)


def read_date(value) -> date | None:
    """A date column as Sql read it: SQLite hands it back as text, PostgreSQL as a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


class Sql:
    """A hand-written statement of the fast path, run straight on the DB-API cursor of atomic()'s transaction
    (outside one, of the session's). Only the sale writer (pos/checkout/sales.py: the sale, its number, its
    outbox row, and the e-invoice it issues in pos/einvoice) and the stock ledger (pos/inventory/ledger.py) use
    it; every other module uses the ORM or Core.
    A sale runs about twenty statements, and SQLAlchemy's own work per statement was most of a sale's time that
    is not the disk's (figures: docs/benchmarks.md).

    Written with :name parameters, which SQLite takes as they are and psycopg as %(name)s; `for_update` is
    added on PostgreSQL only (SQLite's write lock already covers the rows). Values go as the driver takes them
    (on SQLite, dates and datetimes as SQLAlchemy writes them: see the adapters above). A driver error is raised
    as SQLAlchemy's, so an IntegrityError is caught the same wherever it comes from."""

    def __init__(self, statement: str, *, for_update: bool = False):
        self.sqlite = statement
        self.postgresql = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", statement.replace("%", "%%")) + (
            " FOR UPDATE" if for_update else ""
        )

    def run(self, params: dict | None = None):
        """Execute once; returns the DB-API cursor (rowcount, fetchone, fetchall)."""
        return self._execute("execute", params or {})

    def many(self, rows: list[dict]) -> None:
        if len(rows) == 1:  # the usual sale line or lot; the driver's executemany costs more for one row
            self._execute("execute", rows[0])
        elif rows:
            self._execute("executemany", rows)

    def _execute(self, method: str, params):
        block = ATOMIC_BLOCK.get()
        driver, dialect = (block.driver, block.dialect) if block is not None else _transaction_driver(db.session())
        statement = self.sqlite if dialect.name == "sqlite" else self.postgresql
        cursor = driver.cursor()
        try:
            getattr(cursor, method)(statement, params)
        except dialect.loaded_dbapi.Error as error:
            raise DBAPIError.instance(statement, params, error, dialect.loaded_dbapi.Error, dialect=dialect) from error
        return cursor


_DRIVER = "pos.transaction_driver"  # a session.info key, kept while the session's transaction lasts


def _transaction_driver(session: Session):
    """Outside atomic(): the DB-API connection of the session's transaction (begun if none)."""
    found = session.info.get(_DRIVER)
    if found is None:
        connection = session.connection()
        found = session.info[_DRIVER] = (connection.connection.driver_connection, connection.dialect)
    return found


@event.listens_for(Session, "after_transaction_end")
def _forget_transaction_driver(session: Session, transaction) -> None:
    if transaction.parent is None:  # the connection goes back to the pool
        session.info.pop(_DRIVER, None)
