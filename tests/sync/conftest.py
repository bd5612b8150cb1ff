"""Two app instances on loopback: the showroom (the `app` fixture, SQLite) and central, served over
real HTTP by a thread, on PostgreSQL when reachable (else SQLite, as in the demo)."""

import threading
import uuid

import pytest
from werkzeug.serving import make_server

from pos.central.registry import add_showroom
from pos.checkout.sales import record_sale
from pos.core.extensions import db as _db
from pos.sync.client import CentralClient
from pos.sync.reconcile import recent_days
from tests.conftest import _pg_reachable, fresh_pg_database, make_app

SECRET = "s" * 40


class CentralServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def restart(self):
        """Central comes back on the same port."""
        self.server = make_server("127.0.0.1", int(self.url.rsplit(":", 1)[1]), self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def query(self, fn):
        with self.app.app_context():
            try:
                return fn(_db.session)
            finally:
                _db.session.remove()


@pytest.fixture
def central_db_url(tmp_path):
    if _pg_reachable() is not None:
        yield f"sqlite:///{tmp_path / 'central.sqlite3'}"
        return
    with fresh_pg_database("pos_central") as url:
        yield url


@pytest.fixture
def central(central_db_url, app):
    """Central with the showroom TH registered; the showroom app is configured to reach it."""
    central_app = make_app(central_db_url, POS_ROLE="central")
    with central_app.app_context():
        _db.create_all()
        add_showroom("TH", "Điểm bán OCOP Tây Hồ", secret=SECRET)
        _db.session.remove()
    server = CentralServer(central_app)
    app.config.update(CENTRAL_URL=server.url, SYNC_SECRET=SECRET, SHOWROOM_CODE="TH", SYNC_BATCH_SIZE=500)
    yield server
    server.stop()
    with central_app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def central_client(central):
    return CentralClient(central.url, "TH", SECRET, timeout_s=5)


def sell(cashier, product, quantity=1, **extra):
    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": product.id, "quantity": quantity}],
        "payments": [{"method": "cash", "amount": product.price * quantity}],
    } | extra
    sale, _ = record_sale(body, cashier)
    return sale


def assert_books_match(client):
    """Central's per-day counts and totals equal the showroom's, for every recent day."""
    checks = recent_days(3, client)
    assert [c.matches for c in checks] == [True] * 3, [(c.day, c.ours, c.central) for c in checks]
    return checks
