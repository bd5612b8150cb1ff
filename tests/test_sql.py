"""Sql, the hand-written statements of the sale path: what they write reads back through the ORM alike on
SQLite and PostgreSQL, a driver error is SQLAlchemy's, and a failed transaction leaves nothing."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pos.core.database import Sql, atomic
from pos.core.extensions import db as _db
from pos.models import Lot, OutboxEntry
from tests.conftest import make_app, make_product

_INSERT = Sql(
    "INSERT INTO outbox (kind, uuid, payload, created_at, status, attempts, next_attempt_at, last_error)"
    " VALUES ('sale', :uuid, :payload, :at, 'pending', 0, :at, '') RETURNING id"
)
_EXPIRING = Sql("SELECT code FROM lots WHERE expiry_date >= :today AND on_hand > :none ORDER BY code", for_update=True)


def test_what_sql_writes_reads_back_through_the_orm(database):
    app = make_app(database)
    moment = datetime(2026, 11, 25, 9, 30, 15, 123456)
    with app.app_context():
        _db.create_all()
        with atomic():
            entry_id = _INSERT.run({"uuid": "u-1", "payload": '{"đồng": 100%}', "at": moment}).fetchone()[0]
        _db.session.remove()
        entry = _db.session.get(OutboxEntry, entry_id)
        assert (entry.created_at, entry.next_attempt_at, entry.payload) == (moment, moment, '{"đồng": 100%}')
        product = make_product()
        with atomic():
            _db.session.add_all(
                [
                    Lot(product_id=product.id, code="OLD", expiry_date=date(2026, 1, 1), on_hand=5),
                    Lot(product_id=product.id, code="NEW", expiry_date=date(2027, 1, 1), on_hand=5),
                ]
            )
        with atomic():  # dates compare as dates on both; FOR UPDATE only where the database has it
            assert _EXPIRING.run({"today": date(2026, 11, 25), "none": 0}).fetchall() == [("NEW",)]
        _db.session.remove()
        _db.engine.dispose()


def test_a_driver_error_is_sqlalchemys_and_the_transaction_leaves_nothing(database):
    app = make_app(database)
    with app.app_context():
        _db.create_all()
        with pytest.raises(IntegrityError), atomic():
            _INSERT.run({"uuid": "same", "payload": "{}", "at": datetime(2026, 11, 25)})
            _INSERT.run({"uuid": "same", "payload": "{}", "at": datetime(2026, 11, 25)})
        assert _db.session.scalar(select(func.count(OutboxEntry.id))) == 0
        with atomic():  # the next transaction starts clean, on whatever connection the pool gives
            _INSERT.run({"uuid": "same", "payload": "{}", "at": datetime(2026, 11, 25)})
        assert _db.session.scalar(select(func.count(OutboxEntry.id))) == 1
        _db.session.remove()
        _db.engine.dispose()


def test_orm_and_sql_share_atomics_one_transaction(database):
    """atomic() runs on a connection of its own; the ORM joins it: each sees the other's uncommitted rows, an
    error takes back both, and a block of Sql alone never begins the session's transaction."""
    app = make_app(database)
    with app.app_context():
        _db.create_all()
        product = make_product()
        with pytest.raises(IntegrityError), atomic():
            _db.session.add(Lot(product_id=product.id, code="ORM", on_hand=3))
            _db.session.flush()
            assert Sql("SELECT code FROM lots").run().fetchall() == [("ORM",)]
            _INSERT.run({"uuid": "both", "payload": "{}", "at": datetime(2026, 11, 25)})
            assert _db.session.scalar(select(func.count(OutboxEntry.id))) == 1
            _INSERT.run({"uuid": "both", "payload": "{}", "at": datetime(2026, 11, 25)})
        assert _db.session.scalar(select(func.count(Lot.id)).where(Lot.code == "ORM")) == 0
        assert _db.session.scalar(select(func.count(OutboxEntry.id))) == 0
        _db.session.rollback()
        with atomic():
            _INSERT.run({"uuid": "alone", "payload": "{}", "at": datetime(2026, 11, 25)})
            assert not _db.session().in_transaction()
        with atomic():
            lot = Lot(product_id=product.id, code="KEPT", on_hand=3)
            _db.session.add(lot)
        assert lot.code == "KEPT" and _db.session.scalar(select(func.count(OutboxEntry.id))) == 1
        _db.session.remove()
        _db.engine.dispose()


def test_every_sql_insert_names_each_column_that_has_a_default_or_is_required():
    """Hand-written INSERTs skip SQLAlchemy's defaults: a column added later with a default (or NOT NULL) must be
    named in them, or rows written by the sale path would differ from rows written through the ORM."""
    import re

    import pos.checkout.sales
    import pos.inventory.ledger

    inserts = [
        sql
        for module in (pos.checkout.sales, pos.inventory.ledger)
        for sql in vars(module).values()
        if isinstance(sql, Sql) and sql.sqlite.startswith("INSERT")
    ]
    assert len(inserts) >= 6
    for sql in inserts:
        table_name, named = re.match(r"INSERT INTO (\w+) \(([^)]*)\)", sql.sqlite).groups()
        table = _db.metadata.tables[table_name]
        named = {column.strip() for column in named.split(",")}
        assert named <= set(table.columns.keys()), sql.sqlite
        left_out = {column.name for column in table.columns if column.name not in named and not column.primary_key}
        may_be_left_out = {
            column.name
            for column in table.columns
            if column.nullable and column.default is None and column.server_default is None
        }
        assert left_out <= may_be_left_out, (table_name, left_out - may_be_left_out)


def test_the_fast_path_is_the_sale_writer_and_the_ledger_only():
    """Sql is for the checkout benchmark's path (docs/benchmarks.md): the sale writer, the ledger, and the e-invoice
    the writer issues in the sale's transaction (its settings read and its numbers). Every other module uses the ORM
    or Core."""
    import re
    from pathlib import Path

    pos = Path(__file__).resolve().parents[1] / "pos"
    users = {
        path.relative_to(pos).as_posix()
        for path in pos.rglob("*.py")
        if re.search(r"\bSql\b", path.read_text()) and path != pos / "core" / "database.py"
    }
    assert users == {"checkout/sales.py", "inventory/ledger.py", "einvoice/service.py", "einvoice/settings.py"}
