"""Consistent online copies of the showroom's SQLite database through SQLite's backup API, so the till keeps
selling while the copy is made; restoring one. The commands are in pos/admin/cli.py."""

import sqlite3
from pathlib import Path

from pos.core.database import create_private_file
from pos.core.errors import ValidationError
from pos.core.extensions import db

REQUIRED_TABLES = {"products", "stock_movements", "outbox"}


def _live_sqlite_connection():
    if db.engine.dialect.name != "sqlite":
        raise ValidationError(
            "Online backup here is for the showroom's SQLite database; back up PostgreSQL with pg_dump."
        )
    return db.engine.raw_connection()


def backup_database(out: Path) -> int:
    """Copy the live database to `out` (a new file, readable by its owner only: a backup holds what the
    database holds). Returns the number of pages copied."""
    out = Path(out)
    source = _live_sqlite_connection()
    try:
        try:
            create_private_file(out)
        except FileExistsError:
            raise ValidationError(
                "%(path)s exists already; choose a new file name.", path=str(out), fields={"out": "exists"}
            ) from None
        except OSError as error:
            raise ValidationError(
                "Cannot write %(path)s: %(error)s.", path=str(out), error=error.strerror, fields={"out": "not writable"}
            ) from None
        try:
            target = sqlite3.connect(out)
            try:
                # Small steps let writers in between; the copy is still of one consistent state.
                source.driver_connection.backup(target, pages=256)
                return target.execute("PRAGMA page_count").fetchone()[0]
            finally:
                target.close()
        except BaseException:
            out.unlink(missing_ok=True)  # no half-written backup left behind to be restored one day
            raise
    finally:
        source.close()


def check_backup_file(path: Path) -> None:
    path = Path(path)
    if not path.is_file():
        raise ValidationError("No backup file at %(path)s.", path=str(path), fields={"file": "missing"})
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise ValidationError(
                    "%(path)s is damaged (integrity check failed).", path=str(path), fields={"file": "damaged"}
                )
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise ValidationError(
            "%(path)s is not a SQLite database: %(error)s.",
            path=str(path),
            error=str(error),
            fields={"file": "not a database"},
        ) from None
    missing = REQUIRED_TABLES - tables
    if missing:
        raise ValidationError(
            "%(path)s is not a showroom backup (missing tables: %(tables)s).",
            path=str(path),
            tables=", ".join(sorted(missing)),
            fields={"file": "not a showroom backup"},
        )


def restore_database(path: Path) -> None:
    """Replace the live database's content with the backup's, in one step."""
    check_backup_file(path)
    db.session.remove()
    target = _live_sqlite_connection()
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            source.backup(target.driver_connection)
        finally:
            source.close()
    finally:
        target.close()
    db.engine.dispose()
