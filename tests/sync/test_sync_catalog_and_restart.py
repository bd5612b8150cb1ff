"""Central → showroom catalog pulls, and a sender killed mid-send then restarted."""

import os
import signal
import time

import pytest
from sqlalchemy import func, select

from pos.catalog.service import update_rating
from pos.checkout.approvals import ApprovalRequired
from pos.core.clock import local_today
from pos.core.extensions import db as _db
from pos.models import OcopRating, OutboxEntry, Product, RemoteSale
from pos.sync.catalog import pull_catalog
from tests.conftest import PASSWORD, make_product, stock
from tests.servers import flask_process
from tests.sync.conftest import SECRET, assert_books_match, sell


def _on_central(central, fn):
    with central.app.app_context():
        try:
            return fn()
        finally:
            _db.session.remove()


def test_catalog_pull_brings_new_products_and_a_central_revocation_stops_ocop_sales(
    app, db, users, shop, central, central_client, cashier_client
):
    sku = _on_central(central, lambda: make_product(sku="MASTER-1", name_vi="Mật ong hoa nhãn", price=120_000).sku)
    assert pull_catalog(central_client) > 0
    local = db.session.scalar(select(Product).where(Product.sku == sku))
    assert local.name_vi == "Mật ong hoa nhãn" and local.price == 120_000 and local.rating.stars == 4
    stock(local, 5)
    assert cashier_client.get(f"/api/v1/products/lookup?code={sku}").json["sellable_as_ocop"] is True

    def revoke():
        rating = _db.session.scalar(select(OcopRating).join(Product).where(Product.sku == sku))
        update_rating(
            rating,
            {
                "stars": rating.stars,
                "level": rating.level,
                "decision_no": rating.decision_no,
                "decision_date": rating.decision_date,
                "certificate_no": rating.certificate_no,
                "revoked_on": local_today(),
                "revoked_reason": "vi phạm an toàn thực phẩm",
            },
        )

    _on_central(central, revoke)
    assert pull_catalog(central_client) > 0
    looked_up = cashier_client.get(f"/api/v1/products/lookup?code={sku}").json
    assert looked_up["sellable_as_ocop"] is False and looked_up["rating_status"] == "revoked"
    with pytest.raises(ApprovalRequired, match="without a valid OCOP rating"):
        sell(users["cashier"], db.session.get(Product, local.id))
    sale = sell(
        users["cashier"], db.session.get(Product, local.id), approval={"username": "manager", "password": PASSWORD}
    )
    assert sale.lines[0].stars is None  # sold with a manager's approval, no longer as an OCOP-rated product


def test_a_local_price_survives_a_pull_when_central_allows_it(app, db, central, central_client):
    _on_central(central, lambda: make_product(sku="MASTER-2", price=100_000))
    pull_catalog(central_client)
    local = db.session.scalar(select(Product).where(Product.sku == "MASTER-2"))
    local.price = 95_000
    db.session.commit()

    def reprice():
        product = _db.session.scalar(select(Product).where(Product.sku == "MASTER-2"))
        product.price, product.name_en = 110_000, "Renamed"
        _db.session.commit()

    _on_central(central, reprice)
    pull_catalog(central_client)
    local = db.session.scalar(select(Product).where(Product.sku == "MASTER-2"))
    assert (local.price, local.name_en) == (95_000, "Renamed")
    central.app.config["CENTRAL_LOCAL_PRICES"] = False
    _on_central(central, reprice)
    pull_catalog(central_client)
    assert db.session.scalar(select(Product.price).where(Product.sku == "MASTER-2")) == 110_000


def test_the_has_expiry_flag_travels_with_the_master_catalog(app, db, central, central_client):
    _on_central(central, lambda: make_product(sku="MASTER-4", ocop_group="textiles_handicrafts", has_expiry=True))
    pull_catalog(central_client)
    local = db.session.scalar(select(Product).where(Product.sku == "MASTER-4"))
    assert local.has_expiry is True and local.needs_lot_and_expiry


def test_a_repeated_pull_changes_nothing(app, db, central, central_client):
    _on_central(central, lambda: make_product(sku="MASTER-3"))
    assert pull_catalog(central_client) > 0
    assert pull_catalog(central_client) == 0


def test_a_sender_killed_mid_send_and_restarted_delivers_everything_once(
    app, db, users, shop, central, central_client, tmp_path
):
    stock(shop["tea"], 400)
    sales = [sell(users["cashier"], shop["tea"]) for _ in range(300)]
    env = os.environ | {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CENTRAL_URL": central.url,
        "SYNC_SECRET": SECRET,
        "SHOWROOM_CODE": "TH",
        "SYNC_BATCH_SIZE": "10",
        "SECRET_KEY": "test",
        "FLASK_APP": "wsgi.py",
        "SYNC_INTERVAL_S": "0.2",
    }
    sender = flask_process(env, "sync", "run")
    deadline = time.time() + 30
    while _on_central(central, lambda: _db.session.scalar(select(func.count()).select_from(RemoteSale))) < 50:
        assert time.time() < deadline, "the sender never got going"
        time.sleep(0.05)
    sender.send_signal(signal.SIGKILL)  # mid-send: some batches committed centrally, maybe unacknowledged
    sender.wait(10)
    db.session.commit()
    assert db.session.scalar(select(func.count()).where(OutboxEntry.status == "pending")) > 0
    sender = flask_process(env, "sync", "run")
    try:
        deadline = time.time() + 60
        while db.session.scalar(select(func.count()).where(OutboxEntry.status != "sent")):
            db.session.commit()
            assert time.time() < deadline, "the restarted sender did not catch up"
            time.sleep(0.2)
    finally:
        sender.terminate()
        sender.wait(10)
    uuids = _on_central(central, lambda: sorted(_db.session.scalars(select(RemoteSale.uuid))))
    assert uuids == sorted(sale.uuid for sale in sales)
    assert_books_match(central_client)
