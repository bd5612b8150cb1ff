"""A sale the showroom accepts is always one central can store: money is 64-bit on every database, and the
showroom and central read their bounds from one table (pos.core.limits)."""

import json
import uuid

import pytest
import requests
from sqlalchemy import func, select

from pos.auth.service import create_user
from pos.checkout.sales import record_sale
from pos.core import limits
from pos.core.errors import ValidationError
from pos.models import OutboxEntry, RemoteSale, ShowroomDaily, SyncRejection
from pos.protocol import signing
from pos.sync.sender import push_all
from tests.conftest import PASSWORD, _pg_reachable, login, make_product, stock
from tests.sync.conftest import SECRET, assert_books_match, sell


@pytest.fixture
def postgresql_central(central):
    reason = _pg_reachable()
    if reason:
        pytest.skip(f"central on PostgreSQL is the point of this test; {reason}")
    assert central.app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    return central


def _sale(cashier, product, quantity, payments):
    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": product.id, "quantity": quantity}],
        "payments": [
            {"method": method, "amount": amount, "reference": "TID-1" if method == "card" else ""}
            for method, amount in payments
        ],
    }
    return record_sale(body, cashier)[0]


def _central_report(central, *needles):
    with central.app.app_context():
        create_user("boss", PASSWORD, "manager")
    client = central.app.test_client()
    login(client, "boss")
    page = client.get("/central/reports/showrooms?period=today")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    return [needle in text for needle in needles]


def test_three_peach_trees_for_2_4_billion_reach_a_postgresql_central(
    app, db, users, shop, postgresql_central, central_client
):
    peach = make_product(sku="DAO-NHAT-TAN", name_vi="Cây đào thế Nhật Tân", price=800_000_000, vat_rate=5)
    stock(peach, 3, cost=500_000_000)
    sale = _sale(users["cashier"], peach, 3, [("card", 1_000_000_000), ("card", 400_000_000), ("cash", 1_000_000_000)])
    assert sale.total == 2_400_000_000

    result = push_all(central_client)

    assert (result.sent, result.dead, result.error) == (1, 0, "")
    assert db.session.scalar(select(OutboxEntry.status)) == "sent"
    assert postgresql_central.query(lambda s: s.scalar(select(RemoteSale.total))) == 2_400_000_000
    assert postgresql_central.query(lambda s: s.scalar(select(ShowroomDaily.sales_total))) == 2_400_000_000
    assert_books_match(central_client)
    assert _central_report(postgresql_central, "2.400.000.000") == [True]


def test_the_largest_sale_the_showroom_allows_reaches_central_and_its_reports(
    app, db, users, shop, postgresql_central, central_client
):
    """The largest price × the quantity that makes the largest line, which is the largest sale, paid at once."""
    top = make_product(sku="GO-HUONG", name_vi="Tượng gỗ hương", price=limits.UNIT_PRICE_MAX, vat_rate=10)
    quantity = limits.SALE_TOTAL_MAX // limits.UNIT_PRICE_MAX
    stock(top, quantity + 1, cost=limits.UNIT_PRICE_MAX)
    with pytest.raises(ValidationError):  # one unit more is more than the showroom sells at once
        _sale(users["cashier"], top, quantity + 1, [("cash", limits.PAYMENT_MAX)])
    sale = _sale(users["cashier"], top, quantity, [("cash", limits.PAYMENT_MAX)])
    assert sale.total == limits.SALE_TOTAL_MAX

    result = push_all(central_client)

    assert (result.sent, result.dead, result.error) == (1, 0, "")
    assert postgresql_central.query(lambda s: s.scalar(select(RemoteSale.total))) == limits.SALE_TOTAL_MAX
    assert_books_match(central_client)
    assert _central_report(postgresql_central, f"{limits.SALE_TOTAL_MAX:,}".replace(",", ".")) == [True]


def test_an_event_holding_text_no_database_stores_is_refused_alone(app, db, users, shop, central):
    """A NUL in a product's name, a lone surrogate in the cashier's name: each event is refused with the field
    named, and the good event of the same batch is stored (on PostgreSQL, the NUL was a 500 for the batch)."""
    sell(users["cashier"], shop["tea"], 1)
    good = json.loads(db.session.scalar(select(OutboxEntry.payload)))
    nul_name = json.loads(json.dumps(good)) | {"uuid": str(uuid.uuid4()), "number": "TH-NUL-1"}
    nul_name["lines"][0]["name_vi"] = "Chè\x00 Shan"
    surrogate = good | {"uuid": str(uuid.uuid4()), "number": "TH-SUR-1", "cashier": "thu\ud800"}
    body = json.dumps({"events": [nul_name, good, surrogate]}).encode()  # ASCII escapes carry the odd text
    answer = requests.post(
        central.url + "/api/v1/sync/sales",
        data=body,
        timeout=10,
        headers={
            "Content-Type": "application/json",
            **signing.signed_headers("TH", SECRET, "POST", "/api/v1/sync/sales", body),
        },
    )

    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "accepted", "rejected"]
    assert "lines[0].name_vi" in results[0]["reason"] and "cashier" in results[2]["reason"]
    assert central.query(lambda s: s.scalars(select(RemoteSale.uuid)).all()) == [good["uuid"]]
    assert central.query(lambda s: s.scalar(select(func.count()).select_from(SyncRejection))) == 2
