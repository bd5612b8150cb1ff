"""A goods receipt refuses another producer's product and spoiling goods without lot and expiry, takes any code a
scanner types, keeps what was typed when refused, and stays a draft that can be changed or thrown away."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pos.core.clock import local_today
from pos.core.database import atomic
from pos.core.errors import Conflict, ValidationError
from pos.inventory.receipts import create_receipt, delete_receipt, post_receipt, update_receipt
from pos.models import AuditEntry, GoodsReceipt, GoodsReceiptLine, Lot, Product, StockLevel
from tests.conftest import make_producer, make_product, receipt_form

LATER = (local_today() + timedelta(days=200)).isoformat()


@pytest.fixture
def two_producers(app):
    sen = make_producer(name="Công ty TNHH Sen Tây Hồ")
    quang_an = make_producer(name="Hợp tác xã Chè Sen Quảng An")
    tea = make_product(quang_an, sku="CSQA-100", gtin="8936012340013", name_vi="Chè Sen Quảng An hộp 100g")
    seeds = make_product(sen, sku="STH-HAT", name_vi="Hạt sen sấy Tây Hồ", ocop_group="food", unit="gói")
    vase = make_product(sen, sku="STH-BINH", name_vi="Bình gốm sen", ocop_group="textiles_handicrafts", unit="chiếc")
    return sen, quang_an, tea, seeds, vase


def test_another_producers_product_without_lot_or_expiry_is_refused_on_the_page(manager_client, db, two_producers):
    sen, _, tea, _, _ = two_producers
    line = {"sku": "CSQA-100", "quantity": "12", "unit_cost": "230000", "ownership": "purchased"}
    page = manager_client.post("/inventory/receipts/new", data=receipt_form(sen.id, line, note="Hàng về sáng thứ Tư"))
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "CSQA-100 là sản phẩm của Hợp tác xã Chè Sen Quảng An, không phải của nhà sản xuất trên phiếu này" in html
    assert "dòng 1, mã lô</strong>: bắt buộc: Chè Sen Quảng An hộp 100g có hạn sử dụng" in html
    assert "dòng 1, hạn sử dụng</strong>: bắt buộc" in html
    # every bad field is marked at once, and what was typed is still there, the note too
    assert set(re.findall(r'name="(\w+)"[^>]*aria-invalid="true"', html)) == {"sku_0", "lot_code_0", "expiry_date_0"}
    for typed in (
        'value="CSQA-100"',
        'value="12"',
        'value="230000"',
        'value="Hàng về sáng thứ Tư"',
        f'<option value="{sen.id}" selected',
    ):
        assert typed in html
    assert db.session.scalar(select(func.count(GoodsReceipt.id))) == 0
    assert db.session.get(StockLevel, tea.id) is None


def test_spoiling_goods_need_a_lot_and_expiry_handicrafts_only_when_flagged(users, db, two_producers):
    sen, _, _, _seeds, vase = two_producers
    with pytest.raises(ValidationError) as refused:
        create_receipt(sen.id, [{"sku": "STH-HAT", "quantity": "5", "unit_cost": "60000"}], users["manager"])
    assert set(refused.value.fields) == {"line 1 lot_code", "line 1 expiry_date"}
    receipt = create_receipt(sen.id, [{"sku": "STH-BINH", "quantity": "2", "unit_cost": "900000"}], users["manager"])
    assert receipt.lines[0].lot_code == "" and receipt.lines[0].expiry_date is None
    with atomic():
        db.session.get(Product, vase.id).has_expiry = True
    with pytest.raises(ValidationError) as refused:
        create_receipt(sen.id, [{"sku": "STH-BINH", "quantity": "2", "unit_cost": "900000"}], users["manager"])
    assert set(refused.value.fields) == {"line 1 lot_code", "line 1 expiry_date"}


def test_the_product_form_sets_the_has_expiry_flag(manager_client, db, two_producers):
    _, _, _, _, vase = two_producers
    form = manager_client.get(f"/catalog/products/{vase.id}/edit").get_data(as_text=True)
    assert 'name="has_expiry"' in form and "Có hạn sử dụng" in form
    data = {
        "sku": vase.sku,
        "name_vi": vase.name_vi,
        "ocop_group": vase.ocop_group,
        "unit": vase.unit,
        "price": str(vase.price),
        "vat_rate": "8",
        "producer_id": str(vase.producer_id),
        "active": "on",
        "has_expiry": "on",
    }
    assert manager_client.post(f"/catalog/products/{vase.id}/edit", data=data).status_code == 302
    db.session.refresh(vase)
    assert vase.has_expiry is True
    assert 'name="has_expiry" checked' in manager_client.get(f"/catalog/products/{vase.id}/edit").get_data(as_text=True)


@pytest.mark.parametrize(
    "code",
    [
        "csqa-100",
        "CSQA-100",
        "8936012340013",
        "08936012340013",
        "http://127.0.0.1:5000/01/08936012340013/10/QA2611",
        "https://ocop.example.vn/01/08936012340013/10/QA2611?x=1",
    ],
)
def test_a_line_takes_any_code_a_scanner_types(users, db, two_producers, code):
    _, quang_an, tea, _, _ = two_producers
    receipt = create_receipt(
        quang_an.id,
        [
            {
                "sku": code,
                "lot_code": "QA2611" if "/10/" not in code else "",
                "expiry_date": LATER,
                "quantity": "3",
                "unit_cost": "230000",
            }
        ],
        users["manager"],
    )
    assert (receipt.lines[0].product_id, receipt.lines[0].lot_code) == (tea.id, "QA2611")


def test_a_label_of_another_lot_than_typed_is_refused(users, db, two_producers):
    _, quang_an, _, _, _ = two_producers
    with pytest.raises(ValidationError) as refused:
        create_receipt(
            quang_an.id,
            [
                {
                    "sku": "http://x/01/08936012340013/10/QA2611",
                    "lot_code": "QA2612",
                    "expiry_date": LATER,
                    "quantity": "3",
                    "unit_cost": "1",
                }
            ],
            users["manager"],
        )
    assert refused.value.fields == {"line 1 lot_code": "the label scanned is lot QA2611"}


def test_lines_are_as_many_as_needed_not_eight(manager_client, db, users, two_producers):
    sen, _, _, _seeds, _ = two_producers
    data = {"producer_id": sen.id}
    for n, i in enumerate([0, 3, 7, 8, 9, 10, 11, 12, 13, 40, 41, 99]):  # rows added and removed in the browser
        line = {"sku": "sth-hat", "lot_code": f"L{n}", "expiry_date": LATER, "quantity": "1", "unit_cost": "60000"}
        data |= {f"{name}_{i}": value for name, value in (line | {"ownership": "purchased"}).items()}
    assert manager_client.post("/inventory/receipts/new", data=data).status_code == 302
    receipt = db.session.scalar(select(GoodsReceipt))
    assert [line.lot_code for line in receipt.lines] == [f"L{n}" for n in range(12)]


def test_the_lookup_shows_name_unit_and_last_cost(manager_client, users, db, two_producers):
    sen, _, _, _seeds, _ = two_producers
    first = create_receipt(
        sen.id,
        [{"sku": "STH-HAT", "lot_code": "A", "expiry_date": LATER, "quantity": "5", "unit_cost": "61000"}],
        users["manager"],
    )
    post_receipt(first.id, users["manager"])
    known = manager_client.get("/inventory/receipts/lookup?code=sth-hat").get_json()
    assert known["sku"] == "STH-HAT" and known["name"] == "Hạt sen sấy Tây Hồ" and known["unit"] == "gói"
    assert known["last_cost"] == 61000 and known["last_receipt"] == first.number
    assert known["needs_lot_and_expiry"] is True and known["producer_id"] == sen.id
    label = manager_client.get(
        "/inventory/receipts/lookup", query_string={"code": "http://127.0.0.1:5000/01/08936012340013/10/QA2611"}
    ).get_json()
    assert label["sku"] == "CSQA-100" and label["lot_code"] == "QA2611" and label["last_cost"] is None
    unknown = manager_client.get("/inventory/receipts/lookup?code=NOPE")
    assert unknown.status_code == 404 and "NOPE" in unknown.get_json()["message"]
    for odd in ("x%00y", "%ED%A0%80", "%FF", "9" * 400):
        assert manager_client.get(f"/inventory/receipts/lookup?code={odd}").status_code in (404, 422)


def test_odd_input_is_refused_field_by_field_never_a_500(manager_client, db, two_producers):
    sen, _, _, _, _ = two_producers
    odd = {
        "sku": "STH-BINH",
        "quantity": "9" * 30,
        "unit_cost": "-5",
        "lot_code": "A\x00B",
        "expiry_date": "99999-01-01",
    }
    form = receipt_form(sen.id, odd, note="ghi\x00chú", sku_99999="STH-BINH")
    page = manager_client.post("/inventory/receipts/new", data=form)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert {"note", "quantity_0", "unit_cost_0", "lot_code_0", "expiry_date_0"} <= set(
        re.findall(r'name="(\w+)"[^>]*aria-invalid="true"', html)
    )
    assert db.session.scalar(select(func.count(GoodsReceipt.id))) == 0


def test_a_draft_is_changed_or_deleted_audited_and_a_posted_one_is_not(manager_client, users, db, two_producers):
    sen, _, _, _, _ = two_producers
    manager = users["manager"]
    draft = create_receipt(sen.id, [{"sku": "STH-BINH", "quantity": "2", "unit_cost": "900000"}], manager, "cũ")
    form = manager_client.get(f"/inventory/receipts/{draft.id}/edit").get_data(as_text=True)
    assert 'value="STH-BINH"' in form and 'value="cũ"' in form
    vases = {"sku": "STH-BINH", "quantity": "3", "unit_cost": "850000"}
    seeds = {"sku": "STH-HAT", "lot_code": "H1", "expiry_date": LATER, "quantity": "10", "unit_cost": "60000"}
    page = manager_client.post(
        f"/inventory/receipts/{draft.id}/edit", data=receipt_form(sen.id, vases, seeds, note="mới")
    )
    assert page.status_code == 302
    db.session.expire_all()
    draft = db.session.get(GoodsReceipt, draft.id)
    assert draft.note == "mới" and [(line.product.sku, line.quantity) for line in draft.lines] == [
        ("STH-BINH", 3),
        ("STH-HAT", 10),
    ]
    change = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.entity == "goods_receipt")
    )
    assert change.before["lines"][0]["quantity"] == 2 and len(change.after["lines"]) == 2

    number = draft.number
    gone = manager_client.post(f"/inventory/receipts/{draft.id}", data={"action": "delete"}, follow_redirects=True)
    assert f"Đã xóa phiếu nhập nháp {number}" in gone.get_data(as_text=True)
    assert db.session.scalar(select(func.count(GoodsReceiptLine.id))) == 0
    deleted = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "delete"))
    assert deleted.entity_id == number and deleted.username == "manager" and len(deleted.before["lines"]) == 2

    posted = create_receipt(sen.id, [{"sku": "STH-BINH", "quantity": "1", "unit_cost": "1"}], manager)
    assert posted.number == number  # the deleted newest draft leaves no hole in the numbering
    post_receipt(posted.id, manager)
    with pytest.raises(Conflict):
        delete_receipt(posted.id, manager)
    with pytest.raises(Conflict):
        update_receipt(posted.id, sen.id, [{"sku": "STH-BINH", "quantity": "9", "unit_cost": "1"}], manager)
    assert db.session.get(StockLevel, posted.lines[0].product_id).on_hand == 1


def test_a_draft_that_cannot_be_posted_says_why_and_what_to_change(manager_client, users, db, two_producers):
    sen, _, tea, _, _ = two_producers
    with atomic():  # saved before the rules existed, as on a showroom upgraded with drafts waiting
        draft = GoodsReceipt(number="PN-000001", producer_id=sen.id, created_by_id=users["manager"].id)
        db.session.add(draft)
        db.session.flush()
        db.session.add(GoodsReceiptLine(receipt_id=draft.id, product_id=tea.id, quantity=4, unit_cost=1))
    page = manager_client.get(f"/inventory/receipts/{draft.id}").get_data(as_text=True)
    assert "Phiếu nháp này chưa thể ghi sổ như hiện tại" in page and "Sửa phiếu nháp để chữa các dòng này" in page
    assert "CSQA-100 là sản phẩm của Hợp tác xã Chè Sen Quảng An" in page
    posted = manager_client.post(f"/inventory/receipts/{draft.id}", data={"action": "post"}, follow_redirects=True)
    assert "Không thể ghi sổ phiếu PN-000001" in posted.get_data(as_text=True)
    db.session.refresh(draft)
    assert draft.status == "draft" and db.session.get(StockLevel, tea.id) is None
    assert db.session.scalar(select(func.count(Lot.id))) == 0
