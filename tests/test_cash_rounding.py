"""Cash is rounded as cash is paid: what is due in cash goes to the nearest CASH_ROUNDING (1.000 ₫ by default),
half up; card and VietQR pay exactly. The rounding is its own figure on the sale, its own line on the receipt, in
the shift's expected cash and in the reports; VAT stays on the goods. Refunds in cash round the same way."""

import json
import uuid

import pytest
from sqlalchemy import select

from pos.checkout import receipts
from pos.checkout.shifts import current_shift, shift_report
from pos.models import OutboxEntry, Sale
from tests.conftest import PASSWORD, make_app, make_product, stock

MANAGER = {"username": "manager", "password": PASSWORD}
FIFTEEN_PERCENT = {"kind": "percent", "value": 15}


@pytest.fixture
def basket(shop):
    """225.000 ₫ of honey (8 % VAT): 15 % off is 191.250 ₫."""
    honey = make_product(sku="MO-1", name_vi="Mật ong Ba Vì", price=225_000, vat_rate=8)
    stock(honey, 10)
    return shop | {"honey": honey}


def sell(client, product, payments, **extra):
    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": product.id, "quantity": extra.pop("quantity", 1)}],
        "payments": payments,
        "discount": FIFTEEN_PERCENT,
        "approval": MANAGER,
    } | extra
    return client.post("/api/v1/sales", json=body)


def test_a_cash_sale_pays_191000_for_191250_and_keeps_the_rounding_as_its_own_figure(cashier_client, basket, db):
    response = sell(cashier_client, basket["honey"], [{"method": "cash", "amount": 200_000}])
    assert response.status_code == 201, response.get_json()
    sale = response.get_json()
    assert (sale["total"], sale["cash_rounding"], sale["paid"]) == (191_250, -250, 191_000)
    assert sale["payments"] == [
        {"method": "cash", "amount": 191_000, "tendered": 200_000, "change": 9_000, "reference": ""}
    ]
    assert sale["vat_total"] == round(191_250 * 8 / 108)  # VAT on the goods, not on the rounding
    stored = db.session.scalar(select(Sale).where(Sale.uuid == sale["uuid"]))
    assert (stored.total, stored.cash_rounding) == (191_250, -250)
    payload = json.loads(db.session.scalar(select(OutboxEntry.payload).where(OutboxEntry.uuid == sale["uuid"])))
    assert (payload["total"], payload["cash_rounding"]) == (191_250, -250)


def test_exactly_the_rounded_amount_in_cash_is_enough(cashier_client, basket):
    response = sell(cashier_client, basket["honey"], [{"method": "cash", "amount": 191_000}])
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["payments"][0]["change"] == 0


def test_card_and_vietqr_pay_exactly(cashier_client, basket):
    short = sell(cashier_client, basket["honey"], [{"method": "card", "amount": 191_000, "reference": "T-1"}])
    assert short.status_code == 422
    sale = sell(cashier_client, basket["honey"], [{"method": "vietqr", "amount": 191_250}]).get_json()
    assert (sale["total"], sale["cash_rounding"], sale["paid"]) == (191_250, 0, 191_250)


def test_in_a_split_payment_only_the_part_left_for_cash_is_rounded(cashier_client, basket):
    sale = sell(
        cashier_client,
        basket["honey"],
        [{"method": "card", "amount": 100_000, "reference": "T-2"}, {"method": "cash", "amount": 100_000}],
    ).get_json()
    assert sale["cash_rounding"] == -250  # 91.250 left for cash: 91.000
    assert [(p["method"], p["amount"], p["change"]) for p in sale["payments"]] == [
        ("card", 100_000, 0),
        ("cash", 91_000, 9_000),
    ]


def test_cash_handed_over_when_the_card_paid_everything_is_handed_back_not_a_crash(cashier_client, basket, db):
    response = sell(
        cashier_client,
        basket["honey"],
        [{"method": "card", "amount": 191_250, "reference": "T-3"}, {"method": "cash", "amount": 50_000}],
    )
    assert response.status_code == 201, response.get_json()
    assert [p["method"] for p in response.get_json()["payments"]] == ["card"]


@pytest.mark.parametrize("step, paid", [(0, 191_250), (100, 191_300), (500, 191_500), (1000, 191_000)])
def test_the_step_is_the_showrooms_setting(app, cashier_client, basket, step, paid):
    app.config["CASH_ROUNDING"] = step
    sale = sell(cashier_client, basket["honey"], [{"method": "cash", "amount": 500_000}]).get_json()
    assert sale["paid"] == paid and sale["payments"][0]["amount"] == paid


@pytest.mark.parametrize("value", ["300", "-1000", "1e3", "mười", "²"])
def test_a_cash_rounding_that_is_not_0_100_500_or_1000_stops_the_app_with_its_reason(tmp_path, value):
    with pytest.raises(RuntimeError, match="CASH_ROUNDING must be one of 0, 100, 500, 1000"):
        make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", CASH_ROUNDING=value)


def test_the_till_is_told_the_step_and_what_cash_pays(cashier_client, basket):
    priced = cashier_client.post(
        "/api/v1/cart/price",
        json={"lines": [{"product_id": basket["honey"].id, "quantity": 1}], "discount": FIFTEEN_PERCENT},
    ).get_json()
    assert (priced["total"], priced["cash_rounding_step"], priced["cash_total"]) == (191_250, 1000, 191_000)


def test_the_receipt_prints_the_rounding_on_its_own_line(app, cashier_client, basket, db, monkeypatch):
    printed = []
    original = receipts._Canvas.pair
    monkeypatch.setattr(
        receipts._Canvas,
        "pair",
        lambda self, left, right, **kw: (printed.append((left, right)), original(self, left, right, **kw)),
    )
    sale = sell(cashier_client, basket["honey"], [{"method": "cash", "amount": 200_000}]).get_json()
    assert cashier_client.get(f"/sales/{sale['number']}/receipt.png").status_code == 200
    assert ("TỔNG CỘNG", "191.250 ₫") in printed
    assert ("Làm tròn tiền mặt", "-250 ₫") in printed
    assert ("KHÁCH TRẢ", "191.000 ₫") in printed
    assert ("Tiền mặt", "200.000 ₫") in printed


def test_a_cash_refund_is_rounded_the_same_way_and_the_drawer_knows_it(cashier_client, basket, db, users):
    from pos.checkout.returns import record_return

    sale = sell(cashier_client, basket["honey"], [{"method": "cash", "amount": 1_000_000}], quantity=4).get_json()
    assert (sale["total"], sale["paid"]) == (765_000, 765_000)  # 900.000 less 15 %: nothing to round
    body = {
        "uuid": str(uuid.uuid4()),
        "reason": "hỏng",
        "refund_method": "cash",
        "approval": MANAGER,
        "lines": [{"line_no": 1, "quantity": 1}],
    }
    refund = record_return(sale["number"], body, users["cashier"])
    assert (refund.total, refund.cash_rounding, refund.refunded) == (191_250, -250, 191_000)
    card = record_return(sale["number"], body | {"uuid": str(uuid.uuid4()), "refund_method": "card"}, users["cashier"])
    assert (card.total, card.cash_rounding) == (191_250, 0)
    payload = json.loads(db.session.scalar(select(OutboxEntry.payload).where(OutboxEntry.uuid == refund.uuid)))
    assert payload["cash_rounding"] == -250
    report = shift_report(current_shift())
    assert report["expected_cash"] == 1_000_000 + 765_000 - 191_000
    assert report["refunds_total"] == 2 * 191_250 and report["cash_rounding"] == 250


def test_the_x_report_z_report_and_day_report_show_the_rounding(cashier_client, manager_client, basket, users):
    sell(cashier_client, basket["honey"], [{"method": "cash", "amount": 200_000}])
    sell(cashier_client, basket["honey"], [{"method": "cash", "amount": 200_000}])
    shift_page = cashier_client.get("/shift").get_data(as_text=True)
    assert "Làm tròn tiền mặt" in shift_page and "-500" in shift_page
    report = shift_report(current_shift())
    assert report["sales_total"] + report["cash_rounding"] == sum(report["by_method"].values()) == 382_000
    assert report["expected_cash"] == 1_000_000 + 382_000
    day = manager_client.get("/reports/").get_data(as_text=True)
    assert 'id="cash-rounding"' in day and "-500" in day.split('id="cash-rounding"')[1][:200]
    closed = cashier_client.post(
        "/shift", data={"action": "close", "shift_id": current_shift().id, "count_500000": "2"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "-500" in closed.split('id="z-cash-rounding"')[1][:200]


def test_central_takes_a_sale_paid_with_cash_rounding(cashier_client, basket, db):
    from pos.central.ingest import Invalid, parse_event

    sell(cashier_client, basket["honey"], [{"method": "cash", "amount": 191_000}])
    event = json.loads(db.session.scalar(select(OutboxEntry.payload)))
    assert parse_event(event, "TH").raw["cash_rounding"] == -250
    with pytest.raises(Invalid):
        parse_event(event | {"cash_rounding": -5_000}, "TH")  # more than half a step is no rounding
    with pytest.raises(Invalid):
        parse_event(event | {"cash_rounding": 0}, "TH")  # 191.000 paid does not cover 191.250 unrounded
