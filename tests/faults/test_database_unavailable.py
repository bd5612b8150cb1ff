"""A locked database (or a full disk) during a sale: a clear error, nothing half-written, and the till's
retry with the same UUID records the sale once."""

import sqlite3
import uuid

from sqlalchemy import func, select

from pos.models import OutboxEntry, Sale, StockMovement


def test_a_locked_database_gives_a_clear_503_and_the_same_uuid_can_be_retried(app, cashier_client, shop, db):
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 100
    db.engine.dispose()  # reconnect with the short timeout
    from pos.core.database import configure_sqlite  # noqa: F401 - the pragma is read on connect

    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": shop["tea"].id, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 350_000}],
    }
    blocker = sqlite3.connect(db.engine.url.database, timeout=0.1)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
    try:
        response = cashier_client.post("/api/v1/sales", json=body)
    finally:
        blocker.rollback()
        blocker.close()
    assert response.status_code == 503, response.get_json()
    assert response.get_json()["error"] == "database_unavailable"
    assert "Chưa có gì được lưu" in response.get_json()["message"]  # Vietnamese by default
    assert db.session.scalar(select(func.count(Sale.id))) == 0
    assert db.session.scalar(select(func.count(OutboxEntry.id))) == 0
    movements = db.session.scalar(select(func.count(StockMovement.id)))
    retry = cashier_client.post("/api/v1/sales", json=body)
    assert retry.status_code == 201
    assert db.session.scalar(select(func.count(Sale.id))) == 1
    assert db.session.scalar(select(func.count(StockMovement.id))) == movements + 1


def test_a_full_disk_midway_through_a_sale_writes_nothing_and_the_retry_records_it_once(
    app, cashier_client, shop, db, monkeypatch
):
    """The disk fills up after the sale, its lines and stock movements were written, at the outbox row:
    the whole transaction rolls back, the till gets a clear 503, and its retry records the sale once.
    (The outbox statement is swapped for one SQLite refuses with an OperationalError, as it refuses a write
    to a full disk.)"""
    import pos.checkout.sales
    from pos.core.database import Sql

    writable = pos.checkout.sales._INSERT_OUTBOX
    monkeypatch.setattr(
        pos.checkout.sales, "_INSERT_OUTBOX", Sql("INSERT INTO outbox_on_a_full_disk (uuid) VALUES (:uuid)")
    )
    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": shop["tea"].id, "quantity": 2}],
        "payments": [{"method": "cash", "amount": 700_000}],
    }
    movements = db.session.scalar(select(func.count(StockMovement.id)))
    on_hand = db.session.execute(
        select(func.sum(StockMovement.quantity)).where(StockMovement.product_id == shop["tea"].id)
    ).scalar()
    response = cashier_client.post("/api/v1/sales", json=body)
    assert response.status_code == 503, response.get_json()
    assert response.get_json()["error"] == "database_unavailable"
    assert "Traceback" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Sale.id))) == 0
    assert db.session.scalar(select(func.count(StockMovement.id))) == movements  # no stock taken
    assert db.session.scalar(select(func.count(OutboxEntry.id))) == 0
    monkeypatch.setattr(pos.checkout.sales, "_INSERT_OUTBOX", writable)  # space was freed
    retry = cashier_client.post("/api/v1/sales", json=body)
    assert retry.status_code == 201
    again = cashier_client.post("/api/v1/sales", json=body)  # and a second retry is the same sale
    assert again.status_code in (200, 201) and again.get_json()["uuid"] == body["uuid"]
    assert db.session.scalar(select(func.count(Sale.id))) == 1
    assert db.session.scalar(select(func.count(OutboxEntry.id))) == 1
    assert (
        db.session.execute(
            select(func.sum(StockMovement.quantity)).where(StockMovement.product_id == shop["tea"].id)
        ).scalar()
        == on_hand - 2
    )
