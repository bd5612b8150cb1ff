"""Bodies no till or showroom sends, from a clumsy or hostile client: answered 422 with a reason, nothing
written, never a 500."""

import json

import pytest
from sqlalchemy import func, select

from pos.models import OutboxEntry, Sale

DEEP = [
    b"[" * 50_000 + b"]" * 50_000,  # past the parser's own recursion limit
    b'{"uuid": "x", "lines": ' + b"[" * 40 + b"]" * 40 + b"}",  # parses, but deeper than any payload
    b'{"events": [{"kind": "sale", "extra": ' + b'{"a":' * 500 + b"1" + b"}" * 500 + b"}]}",
]


@pytest.mark.parametrize("body", DEEP, ids=["50000-arrays", "40-arrays-in-a-sale", "500-objects-in-an-event"])
def test_deeply_nested_json_on_the_sales_api_is_refused_with_a_reason(cashier_client, shop, db, body):
    response = cashier_client.post("/api/v1/sales", data=body, content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["error"] == "too_deeply_nested" and "32" in answer["message"]
    assert db.session.scalar(select(func.count(Sale.id))) == 0
    assert db.session.scalar(select(func.count(OutboxEntry.id))) == 0


def test_deeply_nested_json_in_english(cashier_client, shop):
    response = cashier_client.post(
        "/api/v1/sales?lang=en", data=DEEP[0], content_type="application/json", headers={"Accept-Language": "en"}
    )
    assert response.get_json()["message"] == "The JSON body is nested more than 32 levels deep."


def test_an_ordinary_sale_body_is_still_read(cashier_client, shop):
    body = {
        "uuid": "4f0c6a36-5a0e-4bd5-9f43-2d6f3d0b8c11",
        "lines": [{"product_id": shop["tea"].id, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 350_000}],
    }
    response = cashier_client.post("/api/v1/sales", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.get_json()
