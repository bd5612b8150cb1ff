"""Online backups while stock moves, and restores."""

import threading

from sqlalchemy import func, select

from pos.core.database import atomic
from pos.core.extensions import db as _db
from pos.inventory.ledger import find_or_create_lot, move_stock
from pos.models import StockMovement
from tests.conftest import make_product


def _receive(app, product_id, count, acknowledged):
    with app.app_context():
        for _ in range(count):
            with atomic():
                lot = find_or_create_lot(product_id, "L1")
                movement_id = move_stock(product_id, lot.id, 1, "receipt")
            acknowledged.append(movement_id)
        _db.session.remove()


def test_backup_under_load_holds_everything_acknowledged_before_it(app, db, runner, tmp_path):
    product = make_product()
    acknowledged: list[int] = []
    writer = threading.Thread(target=_receive, args=(app, product.id, 150, acknowledged))
    writer.start()
    while len(acknowledged) < 20:
        pass
    before_backup = list(acknowledged)
    result = runner.invoke(args=["backup", "--out", str(tmp_path / "copy.sqlite3")])
    writer.join()
    assert result.exit_code == 0, result.output
    assert len(acknowledged) == 150

    restored = runner.invoke(args=["restore", str(tmp_path / "copy.sqlite3")], input="y\n")
    assert restored.exit_code == 0, restored.output
    ids = set(db.session.scalars(select(StockMovement.id)).all())
    assert set(before_backup) <= ids
    assert len(ids) < 150  # the writes after the backup are gone: it really is the backup
    total = db.session.scalar(select(func.sum(StockMovement.quantity)))
    from pos.models import StockLevel

    assert db.session.get(StockLevel, product.id).on_hand == total


def test_backup_refuses_to_overwrite_and_restore_refuses_a_foreign_file(runner, tmp_path):
    target = tmp_path / "exists.sqlite3"
    target.write_text("x" * 4096)
    result = runner.invoke(args=["backup", "--out", str(target)])
    assert result.exit_code != 0 and "exists already" in result.output
    result = runner.invoke(args=["restore", str(target), "--yes"])
    assert result.exit_code != 0 and "not a SQLite database" in result.output


def test_restore_asks_first(runner, tmp_path, app):
    runner.invoke(args=["backup", "--out", str(tmp_path / "b.sqlite3")])
    result = runner.invoke(args=["restore", str(tmp_path / "b.sqlite3")], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
