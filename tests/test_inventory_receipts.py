"""Goods receipts post once, reverse by a document, and keep stock equal to the ledger; expired lots are
listed, never sold, and written off in one click."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pos.core.clock import local_today
from pos.core.errors import Conflict, ValidationError
from pos.inventory.ledger import take_stock
from pos.inventory.receipts import create_receipt, post_receipt, reverse_receipt
from pos.inventory.stock import write_off_lot
from pos.models import GoodsReceipt, Lot, StockLevel, StockMovement
from tests.conftest import make_product, receipt_form


def ledger_matches(db, product_id):
    ledger = db.session.scalar(
        select(func.coalesce(func.sum(StockMovement.quantity), 0)).where(StockMovement.product_id == product_id)
    )
    lots = db.session.scalar(select(func.coalesce(func.sum(Lot.on_hand), 0)).where(Lot.product_id == product_id))
    level = db.session.get(StockLevel, product_id)
    return ledger == lots == (level.on_hand if level else 0)


def test_receive_post_once_then_reverse(manager_client, users, db):
    product = make_product(sku="TEA-1")
    today = local_today()
    line = {"sku": "TEA-1", "lot_code": "L2611", "quantity": "24", "unit_cost": "200000", "ownership": "purchased"}
    line |= {"production_date": str(today - timedelta(days=5)), "expiry_date": str(today + timedelta(days=200))}
    empty_rows = {"ownership_1": "purchased", "ownership_2": "consignment"}  # still carry a select's value
    page = manager_client.post("/inventory/receipts/new", data=receipt_form(product.producer_id, line, **empty_rows))
    assert page.status_code == 302
    receipt = db.session.scalar(select(GoodsReceipt))
    assert receipt.status == "draft" and db.session.get(StockLevel, product.id) is None
    manager_client.post(f"/inventory/receipts/{receipt.id}", data={"action": "post"})
    manager_client.post(f"/inventory/receipts/{receipt.id}", data={"action": "post"})  # a double click
    db.session.refresh(receipt)
    assert receipt.status == "posted"
    assert db.session.get(StockLevel, product.id).on_hand == 24 and ledger_matches(db, product.id)
    detail = manager_client.get(f"/inventory/receipts/{receipt.id}").get_data(as_text=True)
    assert "sku=TEA-1:24:L2611" in detail  # the labels page for the received quantities
    with pytest.raises(Conflict):
        post_receipt(receipt.id, users["manager"])
    reversal = reverse_receipt(receipt.id, users["manager"], "nhầm nhà cung cấp")
    assert reversal.reverses_id == receipt.id
    assert db.session.get(StockLevel, product.id).on_hand == 0 and ledger_matches(db, product.id)
    with pytest.raises(Conflict):
        reverse_receipt(receipt.id, users["manager"], "again")
    again = manager_client.post(
        f"/inventory/receipts/{receipt.id}", data={"action": "reverse", "reason": "again"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "(trạng thái: Đã đảo)" in again  # the status in the manager's words, not the stored code


def test_a_receipt_whose_goods_were_sold_cannot_be_reversed(users, db):
    product = make_product()
    receipt = create_receipt(
        product.producer_id,
        [{"sku": product.sku, "quantity": "5", "unit_cost": "1000", "lot_code": "L1", "expiry_date": "2099-01-01"}],
        users["manager"],
    )
    post_receipt(receipt.id, users["manager"])
    from pos.core.database import atomic

    with atomic():
        take_stock(product.id, 2)
    with pytest.raises(Conflict, match="3 left"):
        reverse_receipt(receipt.id, users["manager"], "sai")
    assert db.session.get(StockLevel, product.id).on_hand == 3 and ledger_matches(db, product.id)


@pytest.mark.parametrize(
    "line, field",
    [
        ({"sku": "NOPE", "quantity": "1", "unit_cost": "1"}, "line 1 sku"),
        ({"sku": "{sku}", "quantity": "0", "unit_cost": "1"}, "line 1 quantity"),
        ({"sku": "{sku}", "quantity": "-3", "unit_cost": "1"}, "line 1 quantity"),
        (
            {
                "sku": "{sku}",
                "quantity": "2",
                "unit_cost": "1",
                "production_date": "2026-05-01",
                "expiry_date": "2026-04-01",
            },
            "line 1 expiry_date",
        ),
        ({"sku": "{sku}", "quantity": "2", "unit_cost": "x"}, "line 1 unit_cost"),
    ],
)
def test_bad_receipt_lines_are_refused_and_nothing_is_written(users, db, line, field):
    product = make_product()
    line = {k: v.format(sku=product.sku) for k, v in line.items()}
    with pytest.raises(ValidationError) as refused:
        create_receipt(product.producer_id, [line], users["manager"])
    assert field in refused.value.fields
    assert db.session.scalar(select(func.count(GoodsReceipt.id))) == 0


def test_expired_lots_are_listed_never_sold_and_written_off(manager_client, users, db):
    product = make_product()
    today = local_today()
    receipt = create_receipt(
        product.producer_id,
        [
            {
                "sku": product.sku,
                "lot_code": "OLD",
                "quantity": "4",
                "unit_cost": "1000",
                "expiry_date": (today - timedelta(days=1)).isoformat(),
            },
            {
                "sku": product.sku,
                "lot_code": "NEW",
                "quantity": "6",
                "unit_cost": "1000",
                "expiry_date": (today + timedelta(days=90)).isoformat(),
            },
        ],
        users["manager"],
    )
    post_receipt(receipt.id, users["manager"])
    from pos.core.database import atomic

    with atomic():
        taken = take_stock(product.id, 2)
    assert {t.lot_code for t in taken} == {"NEW"}  # the expired lot is skipped
    page = manager_client.get("/inventory/expiring").get_data(as_text=True)
    assert "OLD" in page and "NEW" not in page
    old = db.session.scalar(select(Lot).where(Lot.code == "OLD"))
    manager_client.post("/inventory/expiring", data={"lot_id": old.id})
    db.session.refresh(old)
    assert old.on_hand == 0 and ledger_matches(db, product.id)
    assert db.session.scalar(select(StockMovement.kind).order_by(StockMovement.id.desc())) == "write_off"
    with pytest.raises(ValidationError):
        write_off_lot(old.id, users["manager"])


def test_a_manager_reads_a_refused_receipt_in_vietnamese(manager_client, db):
    product = make_product(sku="TEA-VI")
    unknown = {"sku": "NOPE", "quantity": "1", "unit_cost": "1"}
    bad = {"sku": "TEA-VI", "quantity": "0", "unit_cost": "1", "lot_code": "A/B"}
    page = manager_client.post("/inventory/receipts/new", data=receipt_form(product.producer_id, unknown, bad))
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "dòng 1, mã hàng</strong>: không có sản phẩm &#39;NOPE&#39;" in html
    assert "dòng 2, số lượng</strong>: phải ít nhất là 1" in html
    assert "dòng 2, mã lô</strong>: tối đa 20 ký tự, không có dấu &#39;/&#39;" in html
    assert "unknown product" not in html and "line 1" not in html
    assert db.session.scalar(select(func.count(GoodsReceipt.id))) == 0


def test_a_refused_receipt_outside_a_request_reads_in_english(users, db):
    product = make_product(sku="TEA-EN")
    with pytest.raises(ValidationError) as refused:
        create_receipt(
            product.producer_id,
            [{"sku": "NOPE", "quantity": "1", "unit_cost": "1"}, {"sku": "TEA-EN", "quantity": "0", "unit_cost": "1"}],
            users["manager"],
        )
    english = (
        "Receipt not saved: line 1, product code: unknown product 'NOPE'; line 2, quantity: must be at least 1; "
        "line 2, lot code: required: Chè Sen Quảng An has an expiry date; line 2, expiry date: required: "
        "Chè Sen Quảng An has an expiry date."
    )
    assert str(refused.value) == refused.value.message == english
    assert refused.value.fields == {
        "line 1 sku": "unknown product 'NOPE'",
        "line 2 quantity": "must be at least 1",
        "line 2 lot_code": "required: Chè Sen Quảng An has an expiry date",
        "line 2 expiry_date": "required: Chè Sen Quảng An has an expiry date",
    }
