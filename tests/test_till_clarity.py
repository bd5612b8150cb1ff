"""The till says what is true: the order discount is its own figure, approved as it is applied; a receipt
"printed" to the preview printer is said to be ready to view; no e-invoice symbol before an e-invoice exists."""

import uuid

import pytest

from pos.checkout import receipts
from tests.conftest import PASSWORD

MANAGER = {"username": "manager", "password": PASSWORD}


def cart(shop, discount=None, line_discount=None):
    return {"lines": [{"product_id": shop["tea"].id, "quantity": 2, "discount": line_discount}], "discount": discount}


def test_the_cart_price_names_the_order_discount_apart_from_line_discounts(cashier_client, shop):
    priced = cashier_client.post(
        "/api/v1/cart/price", json=cart(shop, {"kind": "amount", "value": 20_000}, {"kind": "amount", "value": 10_000})
    ).get_json()
    assert (priced["line_discount"], priced["order_discount"], priced["discount_total"]) == (10_000, 20_000, 30_000)


@pytest.mark.parametrize(
    "approval, status, answer",
    [
        (None, 422, "approval_required"),
        ({"username": "manager", "password": "wrong"}, 422, "approval_required"),
        ({"username": "cashier", "password": PASSWORD}, 422, "approval_required"),
        (MANAGER, 200, None),
    ],
)
def test_a_discount_over_the_limit_is_approved_as_it_is_applied(cashier_client, shop, approval, status, answer):
    body = cart(shop, {"kind": "percent", "value": 15}) | ({"approval": approval} if approval else {})
    response = cashier_client.post("/api/v1/cart/approval", json=body)
    assert response.status_code == status
    if answer:
        assert response.get_json()["error"] == answer and "15.0%" in response.get_json()["message"]
    else:
        assert response.get_json() == {"needed": True, "approved_by": "manager"}


def test_a_discount_within_the_limit_needs_no_approval(cashier_client, shop):
    response = cashier_client.post("/api/v1/cart/approval", json=cart(shop, {"kind": "percent", "value": 10}))
    assert response.status_code == 200 and response.get_json() == {"needed": False}


@pytest.mark.parametrize("body", [[], {"lines": "x"}, {"lines": [{"product_id": 10**12, "quantity": 1}]}])
def test_an_approval_for_a_cart_that_is_no_cart_is_refused(cashier_client, shop, body):
    assert cashier_client.post("/api/v1/cart/approval", json=body).status_code == 422


def test_with_the_preview_printer_the_till_is_told_nothing_printed(app, cashier_client, shop):
    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": shop["tea"].id, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 350_000}],
    }
    sale = cashier_client.post("/api/v1/sales", json=body).get_json()
    printed = cashier_client.post(f"/api/v1/sales/{sale['uuid']}/print", json={})
    assert printed.get_json()["preview"] is True
    page = cashier_client.post(f"/sales/{sale['number']}/print", follow_redirects=True).get_data(as_text=True)
    assert "sẵn sàng để xem" in page and "Đã in hóa đơn" not in page


def test_no_e_invoice_symbol_is_printed_before_an_e_invoice_is_issued(cashier_client, client, shop, db, monkeypatch):
    from pos.models import Showroom

    db.session.add(Showroom(code="TH", name="OCOP Tây Hồ", tax_code="0109876543", invoice_symbol="1C26MTH"))
    db.session.commit()
    written = []
    original = receipts._Canvas.text
    monkeypatch.setattr(
        receipts._Canvas, "text", lambda self, text, **kw: (written.append(text), original(self, text, **kw))
    )
    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": shop["tea"].id, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 350_000}],
    }
    sale = cashier_client.post("/api/v1/sales", json=body).get_json()
    assert cashier_client.get(f"/sales/{sale['number']}/receipt.png").status_code == 200
    assert any(sale["lookup_code"] in line for line in written)
    assert not any("1C26MTH" in line or "Ký hiệu" in line for line in written)
    public = client.get(f"/r/{sale['lookup_code']}").get_data(as_text=True)
    assert sale["lookup_code"] in public and "1C26MTH" not in public
