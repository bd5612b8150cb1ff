"""Central's showrooms page shows each showroom's e-invoices pending and refused, as the showroom reports them
over the signed sync API (POST /api/v1/sync/status): sent when the counts change, a stale report ignored, a
malformed one refused with nothing stored."""

import json
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select, update

from pos.auth.service import create_user
from pos.core.clock import utcnow
from pos.core.extensions import db as _db
from pos.core.outbox import iso_utc
from pos.einvoice.settings import save_settings
from pos.models import Einvoice, ShowroomKey
from pos.protocol import signing
from pos.sync.status_report import StatusReporter, current_status
from tests.conftest import PASSWORD, login
from tests.sync.conftest import SECRET, sell
from tests.test_einvoice import CREDENTIALS, SETTINGS


@pytest.fixture
def invoices(app, users, shop, monkeypatch):
    """Four sales with their invoices: one sent, one refused, two pending."""
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    with app.test_request_context():
        save_settings(SETTINGS)
    sales = [sell(users["cashier"], shop["tea"]) for _ in range(4)]
    for sale, status in zip(sales, ("sent", "refused", "pending", "pending"), strict=True):
        _db.session.execute(update(Einvoice).where(Einvoice.sale_id == sale.id).values(status=status))
    _db.session.commit()
    return sales


def central_key(central) -> ShowroomKey:
    return central.query(lambda s: s.scalar(select(ShowroomKey)))


def test_the_showroom_reports_its_einvoices_and_central_shows_them(app, central, central_client, invoices):
    reporter = StatusReporter()
    assert reporter.report(central_client) is True
    key = central_key(central)
    assert (key.einvoices_pending, key.einvoices_refused, key.einvoices_unsent_today) == (2, 1, 3)
    assert key.status_at is not None
    assert reporter.report(central_client) is False  # unchanged: not sent again before the interval
    _db.session.execute(update(Einvoice).where(Einvoice.status == "pending").values(status="sent"))
    _db.session.commit()
    assert reporter.report(central_client) is True  # changed: sent at once
    assert (central_key(central).einvoices_pending, central_key(central).einvoices_unsent_today) == (0, 1)
    with central.app.app_context():
        create_user("boss", PASSWORD, "admin")
        _db.session.remove()
    browser = central.app.test_client()
    login(browser, "boss")
    page = browser.get("/central/showrooms").get_data(as_text=True)
    assert 'data-einvoices="pending">0' in page and 'data-einvoices="refused">1<' in page


def test_a_stale_or_malformed_report_changes_nothing(app, central, central_client, invoices):
    assert central_client.send_status(current_status()) is True
    older = current_status() | {"at": iso_utc(utcnow() - timedelta(minutes=5)), "einvoices_refused": 99}
    assert central_client.send_status(older) is False
    assert central_key(central).einvoices_refused == 1
    for bad in (
        {"einvoices_pending": 1},
        current_status() | {"einvoices_refused": -1},
        current_status() | {"einvoices_pending": 10**12},
        current_status() | {"at": "yesterday"},
        current_status() | {"at": iso_utc(utcnow() + timedelta(days=2))},
        ["not", "an", "object"],
    ):
        body = json.dumps(bad).encode()
        headers = signing.signed_headers("TH", SECRET, "POST", "/api/v1/sync/status", body)
        response = requests.post(
            central.url + "/api/v1/sync/status",
            data=body,
            headers=headers | {"Content-Type": "application/json"},
            timeout=10,
        )
        assert response.status_code == 422, (bad, response.text)
    unsigned = requests.post(central.url + "/api/v1/sync/status", json=current_status(), timeout=10)
    assert unsigned.status_code == 401
    assert central_key(central).einvoices_refused == 1
