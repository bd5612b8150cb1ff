"""A sale the showroom accepts is always one central can store: money is 64-bit on every database, and the
showroom and central read their bounds from one table (pos.limits)."""
import uuid

import pytest
from sqlalchemy import select

from pos.auth.service import create_user
from pos.checkout.sales import record_sale
from pos.models import OutboxEntry, RemoteSale, ShowroomDaily
from pos.sync.sender import push_all
from tests.conftest import PASSWORD, _pg_reachable, login, make_product, stock
from tests.sync.conftest import assert_books_match


@pytest.fixture
def postgresql_central(central):
    reason = _pg_reachable()
    if reason:
        pytest.skip(f"central on PostgreSQL is the point of this test; {reason}")
    assert central.app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    return central


def _sale(cashier, product, quantity, payments):
    body = {"uuid": str(uuid.uuid4()), "lines": [{"product_id": product.id, "quantity": quantity}],
            "payments": [{"method": method, "amount": amount, "reference": "TID-1" if method == "card" else ""}
                         for method, amount in payments]}
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


def test_three_peach_trees_for_2_4_billion_reach_a_postgresql_central(app, db, users, shop, postgresql_central,
                                                                      central_client):
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
