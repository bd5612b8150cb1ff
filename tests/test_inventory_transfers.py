"""Transfers between showrooms: goods leave first-expiry-first-out, once; the receiving showroom records the
matching transfer-in once; bad input is refused and writes nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pos.core.clock import local_today
from pos.core.errors import Conflict, OutOfStock, ValidationError
from pos.inventory.receipts import create_receipt, post_receipt
from pos.inventory.transfers import create_transfer_in, create_transfer_out, post_transfer
from pos.models import Lot, StockLevel, StockMovement, Transfer, TransferLine
from tests.conftest import make_product
from tests.test_inventory_receipts import ledger_matches


def receive(product, user, lots):
    """lots: [(code, days to expiry, quantity, unit cost)]"""
    today = local_today()
    receipt = create_receipt(
        product.producer_id,
        [
            {
                "sku": product.sku,
                "lot_code": code,
                "quantity": str(qty),
                "unit_cost": str(cost),
                "expiry_date": (today + timedelta(days=days)).isoformat(),
            }
            for code, days, qty, cost in lots
        ],
        user,
    )
    post_receipt(receipt.id, user)


def test_transfer_out_takes_fefo_once_and_the_note_lists_the_lots(manager_client, users, db):
    product = make_product(sku="XOI-1", name_vi="Xôi vò Phú Thượng")
    receive(product, users["manager"], [("LATE", 60, 10, 30_000), ("SOON", 5, 4, 30_000), ("GONE", -1, 3, 30_000)])
    page = manager_client.post(
        "/inventory/transfers/new",
        data={"direction": "out", "showroom": "hk", "sku_0": "XOI-1", "quantity_0": "6", "note": "bổ sung hàng Tết"},
    )
    assert page.status_code == 302
    transfer = db.session.scalar(select(Transfer))
    assert (transfer.direction, transfer.other_showroom, transfer.status) == ("out", "HK", "draft")
    assert db.session.get(StockLevel, product.id).on_hand == 17  # a draft moves nothing

    manager_client.post(f"/inventory/transfers/{transfer.id}", data={"action": "post"})
    manager_client.post(f"/inventory/transfers/{transfer.id}", data={"action": "post"})  # a double click
    db.session.refresh(transfer)
    assert transfer.status == "posted"
    movements = db.session.scalars(select(StockMovement).where(StockMovement.kind == "transfer_out")).all()
    assert sorted((m.lot.code, m.quantity) for m in movements) == [("LATE", -2), ("SOON", -4)]  # expired lot kept
    assert {(m.document_type, m.document_id, m.unit_cost) for m in movements} == {("transfer", transfer.number, 30_000)}
    assert db.session.get(StockLevel, product.id).on_hand == 11 and ledger_matches(db, product.id)
    lines = db.session.scalars(select(TransferLine).order_by(TransferLine.id)).all()
    assert [(line.lot_code, line.quantity, line.unit_cost) for line in lines] == [
        ("SOON", 4, 30_000),
        ("LATE", 2, 30_000),
    ]
    note = manager_client.get(f"/inventory/transfers/{transfer.id}").get_data(as_text=True)
    assert "SOON" in note and "LATE" in note and "HK" in note
    csv = manager_client.get(f"/inventory/transfers/{transfer.id}?format=csv").get_data(as_text=True)
    assert "XOI-1,Xôi vò Phú Thượng,SOON," in csv
    listing = manager_client.get("/inventory/transfers?format=csv").get_data(as_text=True)
    assert f"{transfer.number},Xuất,HK,,Đã ghi sổ,2,6" in listing  # in the page's language
    with pytest.raises(Conflict):
        post_transfer(transfer.id, users["manager"])
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind == "transfer_out")) == 2


def test_transfer_in_records_the_senders_lots_and_reaverages_cost(manager_client, users, db):
    product = make_product(sku="TEA-9")
    receive(product, users["manager"], [("A", 100, 10, 100_000)])
    expiry = (local_today() + timedelta(days=200)).isoformat()
    page = manager_client.post(
        "/inventory/transfers/new",
        data={
            "direction": "in",
            "showroom": "HK",
            "their_number": "XC-000042",
            "sku_0": "TEA-9",
            "lot_code_0": "B7",
            "expiry_date_0": expiry,
            "quantity_0": "10",
            "unit_cost_0": "120000",
        },
    )
    assert page.status_code == 302
    transfer = db.session.scalar(select(Transfer))
    manager_client.post(f"/inventory/transfers/{transfer.id}", data={"action": "post"})
    db.session.refresh(transfer)
    assert transfer.status == "posted" and transfer.their_number == "XC-000042"
    lot = db.session.scalar(select(Lot).where(Lot.code == "B7"))
    assert lot.on_hand == 10 and lot.expiry_date.isoformat() == expiry and lot.ownership == "purchased"
    level = db.session.get(StockLevel, product.id)
    assert (level.on_hand, level.average_cost) == (20, 110_000) and ledger_matches(db, product.id)
    movement = db.session.scalar(select(StockMovement).where(StockMovement.kind == "transfer_in"))
    assert (movement.quantity, movement.unit_cost, movement.document_id) == (10, 120_000, transfer.number)
    # The same sender's transfer is received once.
    again = manager_client.post(
        "/inventory/transfers/new",
        data={
            "direction": "in",
            "showroom": "hk",
            "their_number": "xc-000042",
            "sku_0": "TEA-9",
            "quantity_0": "1",
            "unit_cost_0": "1",
        },
    )
    assert again.status_code == 422
    assert "số phiếu chuyển của bên gửi</strong>: đã được ghi nhận" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Transfer.id))) == 1


@pytest.mark.parametrize(
    "showroom, line, field",
    [
        ("TH", {"sku": "{sku}", "quantity": "1"}, "to_showroom"),  # our own showroom (SHOWROOM_CODE)
        ("th", {"sku": "{sku}", "quantity": "1"}, "to_showroom"),
        ("H", {"sku": "{sku}", "quantity": "1"}, "to_showroom"),  # too short
        ("HANOI-01", {"sku": "{sku}", "quantity": "1"}, "to_showroom"),  # not letters and digits
        ("ABCDEFGHIJK", {"sku": "{sku}", "quantity": "1"}, "to_showroom"),  # 11 characters
        ("", {"sku": "{sku}", "quantity": "1"}, "to_showroom"),
        ("HK", {"sku": "NOPE", "quantity": "1"}, "line 1 sku"),
        ("HK", {"sku": "{sku}", "quantity": "0"}, "line 1 quantity"),
        ("HK", {"sku": "{sku}", "quantity": "-2"}, "line 1 quantity"),
        ("HK", {"sku": "{sku}", "quantity": "1,5"}, "line 1 quantity"),  # a fraction ("." is a thousands dot)
        ("HK", {"sku": "", "quantity": ""}, "lines"),
    ],
)
def test_bad_transfers_out_are_refused_and_nothing_is_written(users, db, showroom, line, field):
    product = make_product()
    line = {k: v.format(sku=product.sku) for k, v in line.items()}
    with pytest.raises(ValidationError) as refused:
        create_transfer_out(showroom, [line], users["manager"])
    assert field in refused.value.fields
    assert db.session.scalar(select(func.count(Transfer.id))) == 0
    assert db.session.scalar(select(func.count(TransferLine.id))) == 0


@pytest.mark.parametrize(
    "showroom, number, line, field",
    [
        ("TH", "X1", {"sku": "{sku}", "quantity": "1", "unit_cost": "1"}, "from_showroom"),
        ("HK", "", {"sku": "{sku}", "quantity": "1", "unit_cost": "1"}, "their_number"),
        ("HK", "X1", {"sku": "NOPE", "quantity": "1", "unit_cost": "1"}, "line 1 sku"),
        ("HK", "X1", {"sku": "{sku}", "quantity": "0", "unit_cost": "1"}, "line 1 quantity"),
        ("HK", "X1", {"sku": "{sku}", "quantity": "-1", "unit_cost": "1"}, "line 1 quantity"),
        ("HK", "X1", {"sku": "{sku}", "quantity": "1", "unit_cost": "-5"}, "line 1 unit_cost"),
        (
            "HK",
            "X1",
            {"sku": "{sku}", "quantity": "1", "unit_cost": "1", "expiry_date": "31/02/2026"},
            "line 1 expiry_date",
        ),
    ],
)
def test_bad_transfers_in_are_refused_and_nothing_is_written(users, db, showroom, number, line, field):
    product = make_product()
    line = {k: v.format(sku=product.sku) for k, v in line.items()}
    with pytest.raises(ValidationError) as refused:
        create_transfer_in(showroom, number, [line], users["manager"])
    assert field in refused.value.fields
    assert db.session.scalar(select(func.count(Transfer.id))) == 0


def test_bad_input_on_the_page_shows_the_problem_not_a_500(manager_client, db):
    product = make_product(sku="GOM-1")
    page = manager_client.post(
        "/inventory/transfers/new", data={"direction": "out", "showroom": "TH", "sku_0": "GOM-1", "quantity_0": "-1"}
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert "điểm bán nhận</strong>: đây là mã của chính điểm bán này" in text
    assert "dòng 1, số lượng</strong>: phải ít nhất là 1" in text and "own showroom" not in text
    assert db.session.scalar(select(func.count(Transfer.id))) == 0
    assert db.session.get(StockLevel, product.id) is None


def test_posting_more_than_is_sellable_moves_nothing(manager_client, users, db):
    tea = make_product(sku="T-1")
    cake = make_product(sku="C-1")
    receive(tea, users["manager"], [("A", 30, 5, 1_000)])
    receive(cake, users["manager"], [("B", 30, 2, 1_000)])
    transfer = create_transfer_out(
        "HK", [{"sku": "T-1", "quantity": "3"}, {"sku": "C-1", "quantity": "3"}], users["manager"]
    )
    with pytest.raises(OutOfStock):
        post_transfer(transfer.id, users["manager"])
    db.session.refresh(transfer)
    assert transfer.status == "draft"  # the whole posting rolled back, the tea line too
    assert db.session.get(StockLevel, tea.id).on_hand == 5 and ledger_matches(db, tea.id)
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind == "transfer_out")) == 0
    page = manager_client.post(f"/inventory/transfers/{transfer.id}", data={"action": "post"}, follow_redirects=True)
    assert page.status_code == 200 and "Không đủ hàng" in page.get_data(as_text=True)
    db.session.refresh(transfer)
    assert transfer.status == "draft"


def test_consigned_goods_stay_only_the_showrooms_own_are_sent(users, db):
    from tests.test_inventory_consignment import receive as receive_consigned

    scarf = make_product(sku="LVP-KHAN", name_vi="Khăn lụa Vạn Phúc")
    receive_consigned(scarf, users["manager"], 5, lot="KG1")  # the producer's, received first
    receive_consigned(scarf, users["manager"], 3, consigned=False, lot="OWN1")  # bought outright
    sent = create_transfer_out("HK", [{"sku": "LVP-KHAN", "quantity": "3"}], users["manager"])
    post_transfer(sent.id, users["manager"])
    moved = db.session.scalars(select(StockMovement).where(StockMovement.kind == "transfer_out")).all()
    assert [(m.lot.code, m.lot.ownership, m.quantity) for m in moved] == [("OWN1", "purchased", -3)]
    more = create_transfer_out("HK", [{"sku": "LVP-KHAN", "quantity": "1"}], users["manager"])
    with pytest.raises(OutOfStock, match="5 on consignment stay"):
        post_transfer(more.id, users["manager"])
    assert db.session.get(StockLevel, scarf.id).on_hand == 5 and ledger_matches(db, scarf.id)
