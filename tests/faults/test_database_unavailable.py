"""A locked database (or a full disk) during a sale: a clear error, nothing half-written, and the till's
retry with the same UUID records the sale once."""
import sqlite3
import uuid

from sqlalchemy import func, select

from pos.models import OutboxEntry, Sale, StockMovement


def test_a_locked_database_gives_a_clear_503_and_the_same_uuid_can_be_retried(app, cashier_client, shop, db):
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 100
    db.engine.dispose()  # reconnect with the short timeout
    from pos.database import configure_sqlite  # noqa: F401 - the pragma is read on connect
    body = {"uuid": str(uuid.uuid4()), "lines": [{"product_id": shop["tea"].id, "quantity": 1}],
            "payments": [{"method": "cash", "amount": 350_000}]}
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
