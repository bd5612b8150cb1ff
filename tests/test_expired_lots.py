"""An expired lot never leaves the shop: a label naming a lot sells that lot (FEFO only without one); an expired or
written-off lot is refused at the scan (a red message naming the lot and its expiry, a one-step write-off for a
manager) and by the sales API, with or without a manager; a shortage shows on the line when it is scanned."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pos.core.clock import local_today
from pos.core.database import atomic
from pos.inventory.ledger import find_or_create_lot, move_stock
from pos.models import AuditEntry, Lot, Sale, StockMovement
from tests.conftest import PASSWORD, make_product

MANAGER = {"username": "manager", "password": PASSWORD}


def receive(product, code, quantity, expires_in_days):
    with atomic():
        lot = find_or_create_lot(product.id, code, expiry_date=local_today() + timedelta(days=expires_in_days))
        move_stock(product.id, lot.id, quantity, "receipt", unit_cost=30_000)
    return lot.id


@pytest.fixture
def com(shop):
    """Cốm with an expired lot (4 packs, expired 3 days ago), one expiring in 10 days and one in 25."""
    product = make_product(sku="CLV-T", name_vi="Cốm Làng Vòng", price=60_000)
    lots = {
        "CLV2610": receive(product, "CLV2610", 4, -3),
        "CLV2611": receive(product, "CLV2611", 5, 10),
        "CLV2612": receive(product, "CLV2612", 30, 25),
    }
    return {"product": product, "lots": lots}


def sell(client, product, lot=None, quantity=1, **extra):
    line = {"product_id": product.id, "quantity": quantity} | ({"lot": lot} if lot is not None else {})
    body = {"uuid": str(uuid.uuid4()), "lines": [line], "payments": [{"method": "cash", "amount": 5_000_000}]}
    return client.post("/api/v1/sales", json=body | extra)


def taken_from(db, sale_uuid):
    return dict(
        db.session.execute(
            select(Lot.code, -func.sum(StockMovement.quantity))
            .join(Lot, Lot.id == StockMovement.lot_id)
            .where(StockMovement.document_id == sale_uuid, StockMovement.kind == "sale")
            .group_by(Lot.code)
        ).all()
    )


def test_a_scanned_label_sells_its_own_lot_not_the_one_fefo_would_take(cashier_client, com, db):
    sale = sell(cashier_client, com["product"], lot="CLV2612", quantity=2).get_json()
    assert taken_from(db, sale["uuid"]) == {"CLV2612": 2}
    fefo = sell(cashier_client, com["product"], quantity=2).get_json()  # no label lot: the first to expire
    assert taken_from(db, fefo["uuid"]) == {"CLV2611": 2}


@pytest.mark.parametrize("approval", [None, MANAGER])
def test_the_api_refuses_an_expired_lot_naming_it_and_its_expiry_even_with_a_manager(cashier_client, com, db, approval):
    response = sell(cashier_client, com["product"], lot="CLV2610", **({"approval": approval} if approval else {}))
    assert response.status_code == 422
    body = response.get_json()
    expired_on = (local_today() - timedelta(days=3)).strftime("%d/%m/%Y")
    assert body["error"] == "lot_not_sellable" and "CLV2610" in body["message"] and expired_on in body["message"]
    assert db.session.scalar(select(func.count(Sale.id))) == 0
    assert db.session.get(Lot, com["lots"]["CLV2610"]).on_hand == 4
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind == "sale")) == 0


def test_a_written_off_lot_is_refused_too(cashier_client, manager_client, com, db):
    from pos.inventory.stock import write_off_lot
    from pos.models import User

    write_off_lot(com["lots"]["CLV2611"], db.session.scalar(select(User).where(User.username == "manager")))
    response = sell(cashier_client, com["product"], lot="CLV2611", approval=MANAGER)
    assert response.status_code == 422 and "CLV2611" in response.get_json()["message"]
    assert response.get_json()["error"] == "lot_not_sellable"
    scan = cashier_client.get(f"/api/v1/products/lookup?code=https://x.vn/01/{com['product'].gtin14}/10/CLV2611")
    assert scan.get_json()["lot_status"] == "written_off" and "CLV2611" in scan.get_json()["lot_message"]


def test_scanning_an_expired_lot_says_so_in_red_words_and_offers_the_write_off(cashier_client, com):
    url = f"https://ocop.example/01/{com['product'].gtin14}/10/CLV2610"
    scan = cashier_client.get(f"/api/v1/products/lookup?code={url}").get_json()
    expired_on = (local_today() - timedelta(days=3)).strftime("%d/%m/%Y")
    assert scan["lot_status"] == "expired" and scan["lot_can_write_off"] is True and scan["lot_on_hand"] == 4
    assert scan["lot_message"] == (
        f"Lô CLV2610 của Cốm Làng Vòng đã hết hạn ngày {expired_on}: để riêng gói hàng này, không được bán."
    )
    fresh = cashier_client.get(f"/api/v1/products/lookup?code={url[:-1]}2").get_json()
    assert fresh["lot_status"] == "sellable" and "lot_message" not in fresh


def test_a_cashier_writes_the_expired_lot_off_with_a_managers_approval_in_one_step(cashier_client, com, db):
    body = {"product_id": com["product"].id, "lot": "CLV2610"}
    asked = cashier_client.post("/api/v1/lots/write-off", json=body)
    assert asked.status_code == 422 and asked.get_json()["error"] == "approval_required"
    assert db.session.get(Lot, com["lots"]["CLV2610"]).on_hand == 4
    done = cashier_client.post("/api/v1/lots/write-off", json=body | {"approval": MANAGER})
    assert done.status_code == 200 and done.get_json()["written_off"] == 4
    assert db.session.get(Lot, com["lots"]["CLV2610"]).on_hand == 0
    assert db.session.scalar(select(StockMovement.quantity).where(StockMovement.kind == "write_off")) == -4
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.entity == "lot")) == "write_off"
    again = cashier_client.post("/api/v1/lots/write-off", json=body | {"approval": MANAGER})
    assert again.status_code == 422  # nothing left to write off


def test_a_manager_at_the_till_writes_off_without_typing_a_password(manager_client, com, db):
    done = manager_client.post("/api/v1/lots/write-off", json={"product_id": com["product"].id, "lot": "CLV2610"})
    assert done.status_code == 200 and db.session.get(Lot, com["lots"]["CLV2610"]).on_hand == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"product_id": True, "lot": "CLV2610"},
        {"product_id": 2**40, "lot": "X"},
        {"product_id": "ID", "lot": "CLV2612"},
        {"product_id": "ID", "lot": "x" * 21},
        {"product_id": "ID", "lot": ["CLV2610"]},
        {"product_id": "1", "lot": "CLV2610"},
        {"product_id": "ID", "lot": "CLV2610\x00"},
    ],
)
def test_a_write_off_of_anything_but_an_expired_lot_with_stock_is_refused(manager_client, com, db, body):
    body = {k: (com["product"].id if v == "ID" else v) for k, v in body.items()}
    assert manager_client.post("/api/v1/lots/write-off", json=body).status_code == 422
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind == "write_off")) == 0


def test_the_cart_tells_each_line_what_is_left_so_a_shortage_shows_when_scanned(cashier_client, com):
    product = com["product"].id
    priced = cashier_client.post(
        "/api/v1/cart/price",
        json={
            "lines": [
                {"product_id": product, "quantity": 6, "lot": "CLV2611"},  # 5 in that lot: short
                {"product_id": product, "quantity": 31},  # 35 sellable, 5 on the line above: short
                {"product_id": product, "quantity": 1, "lot": "CLV2610"},  # expired: nothing to sell
            ]
        },
    ).get_json()
    assert [line["available"] for line in priced["lines"]] == [5, 30, 0]


def test_a_short_named_lot_sells_with_a_manager_topping_up_that_lot(cashier_client, com, db):
    refused = sell(cashier_client, com["product"], lot="CLV2611", quantity=7)
    assert refused.status_code == 422 and refused.get_json()["error"] == "approval_required"
    assert "CLV2611" in refused.get_json()["message"]
    sale = sell(cashier_client, com["product"], lot="CLV2611", quantity=7, approval=MANAGER).get_json()
    assert taken_from(db, sale["uuid"]) == {"CLV2611": 7}
    assert db.session.get(Lot, com["lots"]["CLV2612"]).on_hand == 30
