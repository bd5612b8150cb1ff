"""Consignment settlement: what the showroom owes a consigning producer for a period, from the sales and returns of
their consigned lots; settled once, so no sale is ever paid out twice."""

import io
import uuid
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from pos.checkout.sales import record_sale
from pos.checkout.shifts import open_shift
from pos.core.clock import local_today
from pos.core.database import atomic
from pos.core.errors import Conflict, ValidationError
from pos.inventory.consignment import commission_of, consignment_statement, settle
from pos.inventory.receipts import create_receipt, post_receipt
from pos.models import ConsignmentSettlement, ConsignmentSettlementMovement, StockMovement
from tests.conftest import PASSWORD, give_back, make_producer, make_product


def receive(product, user, quantity, *, consigned=True, rate=20, lot="KG1"):
    receipt = create_receipt(
        product.producer_id,
        [
            {
                "sku": product.sku,
                "lot_code": lot,
                "quantity": str(quantity),
                "unit_cost": "0" if consigned else "1000",
                "ownership": "consignment" if consigned else "purchased",
                "commission_rate": str(rate),
                "expiry_date": (local_today() + timedelta(days=365)).isoformat(),
            }
        ],
        user,
    )
    post_receipt(receipt.id, user)


def sell(product, quantity, cashier, *, at: datetime | None = None):
    sale, _ = record_sale(
        {
            "uuid": str(uuid.uuid4()),
            "lines": [{"product_id": product.id, "quantity": quantity}],
            "payments": [{"method": "cash", "amount": product.price * quantity}],
        },
        cashier,
    )
    if at:
        move_to(sale.uuid, at)
    return sale


def move_to(document_id: str, at: datetime):
    """Place a document's movements at a given UTC time (the test's clock)."""
    from pos.core.extensions import db

    with atomic():
        db.session.execute(update(StockMovement).where(StockMovement.document_id == document_id).values(at=at))


@pytest.fixture
def consignor(app, users, db):
    """Lụa Vạn Phúc consigns scarves (20 % commission); the showroom also bought their bags outright."""
    open_shift(users["cashier"], 500_000)
    producer = make_producer(name="Hộ kinh doanh Lụa Vạn Phúc")
    scarf = make_product(producer, sku="LVP-KHAN", name_vi="Khăn lụa Vạn Phúc", price=350_000, vat_rate=8)
    bag = make_product(producer, sku="LVP-TUI", name_vi="Túi lụa", price=200_000, vat_rate=8)
    receive(scarf, users["manager"], 10)
    receive(bag, users["manager"], 5, consigned=False)
    return {"producer": producer, "scarf": scarf, "bag": bag}


def test_statement_page_shows_the_figures_and_settling_stores_them_once(manager_client, consignor, users, db):
    cashier = users["cashier"]
    sell(consignor["scarf"], 2, cashier)
    sell(consignor["scarf"], 1, cashier)
    sell(consignor["bag"], 1, cashier)  # bought outright: not on the statement
    today = local_today().isoformat()
    query = {"producer_id": consignor["producer"].id, "date_from": today, "date_to": today}
    page = manager_client.get("/inventory/consignment", query_string=query).get_data(as_text=True)
    assert "Khăn lụa Vạn Phúc" in page and "Túi lụa" not in page.split('id="statement"')[1].split("</table>")[0]
    assert '<th class="num" id="total-units">3</th>' in page
    assert "1.050.000\u00a0₫" in page and "210.000\u00a0₫" in page  # revenue, 20 % commission
    assert '<strong id="payable">840.000\u00a0₫</strong>' in page
    assert '<span id="on-hand">7</span>' in page  # consigned scarves still on the shelf
    assert "Bảng kê bán hàng ký gửi" in page  # Vietnamese first
    csv = manager_client.get("/inventory/consignment", query_string=query | {"format": "csv"}).get_data(as_text=True)
    assert "LVP-KHAN,Khăn lụa Vạn Phúc,20,3,1050000,210000,840000" in csv and "TOTAL" not in csv  # data only
    sheet = load_workbook(
        io.BytesIO(manager_client.get("/inventory/consignment", query_string=query | {"format": "xlsx"}).data)
    ).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["LVP-KHAN", "Khăn lụa Vạn Phúc", 0.2, 3, 1_050_000, 210_000, 840_000] in rows  # 20 % as a fraction
    assert rows[-1] == ["Tổng cộng", None, None, 3, 1_050_000, 210_000, 840_000]
    printable = manager_client.get("/inventory/consignment", query_string=query | {"view": "print"})
    assert 'class="print-view"' in printable.get_data(as_text=True)

    form = query | {"expected_revenue": "1050000"}
    first = manager_client.post("/inventory/consignment/settle", data=form)
    second = manager_client.post("/inventory/consignment/settle", data=form)  # a double click
    assert first.status_code == 302 and "/settlements/" in first.headers["Location"]
    assert second.status_code == 302 and "/inventory/consignment?" in second.headers["Location"]
    settlement = db.session.scalar(select(ConsignmentSettlement))
    assert db.session.scalar(select(func.count(ConsignmentSettlement.id))) == 1
    assert (settlement.units, settlement.revenue, settlement.commission, settlement.payable) == (
        3,
        1_050_000,
        210_000,
        840_000,
    )
    assert (settlement.period_from, settlement.period_to) == (local_today(), local_today())
    assert settlement.settled_by_id == users["manager"].id and settlement.settled_at is not None
    linked = db.session.scalars(select(ConsignmentSettlementMovement.movement_id)).all()
    scarf_sales = db.session.scalars(
        select(StockMovement.id).where(StockMovement.kind == "sale", StockMovement.product_id == consignor["scarf"].id)
    ).all()
    assert sorted(linked) == sorted(scarf_sales)
    detail = manager_client.get(f"/inventory/consignment/settlements/{settlement.id}").get_data(as_text=True)
    assert "840.000\u00a0₫" in detail and settlement.number in detail
    listing = manager_client.get("/inventory/consignment/settlements?format=csv").get_data(as_text=True)
    assert f"{settlement.number},Hộ kinh doanh Lụa Vạn Phúc,{today},{today},3,1050000,210000,840000,manager," in listing
    after = manager_client.get("/inventory/consignment", query_string=query).get_data(as_text=True)
    assert '<th class="num" id="total-units">0</th>' in after and "Xác nhận đã đối soát" not in after
    with pytest.raises(Conflict, match="already settled"):
        settle(consignor["producer"].id, today, today, users["manager"])


def test_returns_reduce_and_commission_rounds_half_up(consignor, users, db):
    producer = consignor["producer"]
    odd = make_product(producer, sku="LVP-MINI", name_vi="Khăn nhỏ", price=12_345, vat_rate=8)
    receive(odd, users["manager"], 5, rate=10, lot="KG2")
    sell(odd, 1, users["cashier"])  # 12.345 ₫ at 10 % → 1.234,5 → 1.235
    sale = sell(consignor["scarf"], 3, users["cashier"])
    give_back(sale.number, users["cashier"], reason="lỗi dệt")
    today = local_today()
    statement = consignment_statement(producer.id, today.isoformat(), today.isoformat())
    rows = {(r.product.sku, r.commission_rate): (r.units, r.revenue, r.commission) for r in statement.rows}
    assert rows == {("LVP-MINI", 10): (1, 12_345, 1_235), ("LVP-KHAN", 20): (2, 700_000, 140_000)}
    assert (statement.units, statement.revenue, statement.commission, statement.payable) == (
        3,
        712_345,
        141_235,
        571_110,
    )
    assert statement.units_on_hand == 4 + 8  # 5 − 1 small scarves, 10 − 3 + 1 scarves


@pytest.mark.parametrize(
    "revenue, rate, commission",
    [
        (12_345, 10, 1_235),
        (12_344, 10, 1_234),
        (5, 10, 1),
        (4, 10, 0),
        (0, 20, 0),
        (-12_345, 10, -1_235),
        (999_999, 15, 150_000),
    ],
)
def test_commission_is_whole_dong_rounded_half_up(revenue, rate, commission):
    assert commission_of(revenue, rate) == commission


def test_periods_are_local_days_and_overlaps_never_count_a_sale_twice(consignor, users, db):
    cashier, manager, pid = users["cashier"], users["manager"], consignor["producer"].id
    scarf = consignor["scarf"]
    sell(scarf, 1, cashier, at=datetime(2026, 3, 1, 2, 0))  # 1 March, 09:00 in Hanoi
    sell(scarf, 2, cashier, at=datetime(2026, 3, 15, 16, 59))  # 15 March, 23:59 in Hanoi
    sell(scarf, 3, cashier, at=datetime(2026, 3, 15, 17, 0))  # 16 March, 00:00 in Hanoi
    sell(scarf, 4, cashier, at=datetime(2026, 2, 28, 16, 59))  # 28 February, 23:59 in Hanoi: outside
    assert consignment_statement(pid, "2026-03-01", "2026-03-15").units == 3
    assert consignment_statement(pid, "01/03/2026", "31/03/2026").units == 6
    first = settle(pid, "2026-03-01", "2026-03-15", manager)
    assert (first.units, first.revenue) == (3, 1_050_000)
    overlapping = consignment_statement(pid, "2026-03-10", "2026-03-31")
    assert overlapping.units == 3 and overlapping.revenue == 1_050_000  # the settled sales are not counted again
    second = settle(pid, "2026-02-01", "2026-03-31", manager)
    assert (second.units, second.revenue) == (7, 2_450_000)  # February's and 16 March's sales only
    with pytest.raises(Conflict):
        settle(pid, "2026-02-01", "2026-03-31", manager)
    assert db.session.scalar(select(func.count(ConsignmentSettlementMovement.movement_id))) == 4
    assert db.session.scalar(select(func.sum(ConsignmentSettlement.units))) == 10


def test_a_statement_that_changed_since_it_was_shown_is_not_settled(manager_client, consignor, users, db):
    sell(consignor["scarf"], 1, users["cashier"])
    today = local_today().isoformat()
    page = manager_client.post(
        "/inventory/consignment/settle",
        data={"producer_id": consignor["producer"].id, "date_from": today, "date_to": today, "expected_revenue": "1"},
        follow_redirects=True,
    )
    assert page.status_code == 200 and "Bảng kê đã thay đổi" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ConsignmentSettlement.id))) == 0


@pytest.mark.parametrize(
    "producer, date_from, date_to, field",
    [
        (None, "2026-03-01", "2026-03-31", "producer_id"),
        (999_999, "2026-03-01", "2026-03-31", "producer_id"),
        ("ok", "2026-03-31", "2026-03-01", "date_to"),
        ("ok", "hôm qua", "2026-03-01", "date_from"),
        ("ok", "2026-03-01", "", "date_to"),
        ("ok", "1990-01-01", "2026-03-01", "date_to"),  # more than ten years
    ],
)
def test_bad_periods_are_refused(manager_client, consignor, users, db, producer, date_from, date_to, field):
    pid = consignor["producer"].id if producer == "ok" else producer
    with pytest.raises(ValidationError) as refused:
        settle(pid, date_from, date_to, users["manager"])
    assert field in refused.value.fields
    page = manager_client.get(
        "/inventory/consignment", query_string={"producer_id": pid or "", "date_from": date_from, "date_to": date_to}
    )
    assert page.status_code in (200, 422)
    posted = manager_client.post(
        "/inventory/consignment/settle", data={"producer_id": pid or "", "date_from": date_from, "date_to": date_to}
    )
    assert posted.status_code == 302
    assert db.session.scalar(select(func.count(ConsignmentSettlement.id))) == 0


@pytest.mark.postgres
def test_transfer_settlement_and_valuation_on_postgresql(pg_url):
    from pos.auth.service import create_user
    from pos.core.extensions import db as _db
    from pos.inventory.ledger import take_stock
    from pos.inventory.transfers import create_transfer_out, post_transfer
    from pos.inventory.valuation import valuation_as_of, valuation_now
    from tests.conftest import make_app

    app = make_app(pg_url)
    with app.app_context():
        _db.create_all()
        manager = create_user("manager", PASSWORD, "manager")
        scarf = make_product(sku="LVP-KHAN", price=450_000)
        receive(scarf, manager, 10, rate=20)
        with atomic():
            take_stock(scarf.id, 3, document=("sale", "S-1"), amount=1_350_000)
        today = local_today().isoformat()
        settlement = settle(scarf.producer_id, today, today, manager, expected_revenue="1350000")
        assert (settlement.units, settlement.commission, settlement.payable) == (3, 270_000, 1_080_000)
        with pytest.raises(Conflict):
            settle(scarf.producer_id, today, today, manager)
        receive(scarf, manager, 2, consigned=False, lot="OWN")  # only the showroom's own goods are sent on
        transfer = create_transfer_out("HK", [{"sku": "LVP-KHAN", "quantity": "2"}], manager)
        post_transfer(transfer.id, manager)
        as_of = [(r.on_hand, r.value) for r in valuation_as_of(local_today()).rows]
        assert as_of == [(r.on_hand, r.value) for r in valuation_now().rows] and as_of[0][0] == 7
        _db.session.remove()
        _db.engine.dispose()
