"""Counting as a shop does it: a line per lot, a blind option, a scan adds one to its lot's line, and posting with
lines left uncounted lists them and asks."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pos.catalog.gs1 import check_digit
from pos.core.clock import local_today
from pos.core.database import atomic
from pos.core.errors import Conflict, ValidationError
from pos.inventory.counts import UncountedLines, delete_count, enter_counts, open_count, post_count, scan_count
from pos.inventory.ledger import find_or_create_lot, move_stock
from pos.models import AuditEntry, Lot, StockCount, StockCountLine, StockLevel
from tests.conftest import make_producer, make_product

GTIN = "893601234001" + str(check_digit("893601234001"))


def receive(product, lot, quantity, days=200):
    with atomic():
        row = find_or_create_lot(product.id, lot, expiry_date=local_today() + timedelta(days=days))
        move_stock(product.id, row.id, quantity, "receipt", unit_cost=10_000)


@pytest.fixture
def shelf(app, users):
    producer = make_producer()
    tea = make_product(producer, sku="CSQA-100", gtin=GTIN, name_vi="Chè Sen Quảng An hộp 100g")
    vase = make_product(producer, sku="VASE", name_vi="Bình gốm", ocop_group="textiles_handicrafts")
    receive(tea, "QA2610", 4, days=30)
    receive(tea, "QA2611", 10, days=300)
    return producer, tea, vase


def lines_by_lot(count):
    return {(line.product.sku, line.lot.code): line for line in count.lines}


def test_a_sheet_has_a_line_per_lot_and_posts_each_lot(users, db, shelf):
    producer, tea, _vase = shelf
    count = open_count(users["manager"], producer_id=producer.id)
    lines = lines_by_lot(count)
    assert sorted(lines) == [("CSQA-100", "QA2610"), ("CSQA-100", "QA2611"), ("VASE", "")]
    assert lines[("CSQA-100", "QA2610")].expected == 4 and lines[("VASE", "")].expected == 0
    enter_counts(
        count.id, {lines[("CSQA-100", "QA2610")].id: 1, lines[("CSQA-100", "QA2611")].id: 12, lines[("VASE", "")].id: 0}
    )
    post_count(count.id, users["manager"])
    on_hand = dict(db.session.execute(select(Lot.code, Lot.on_hand).where(Lot.product_id == tea.id)).all())
    assert on_hand == {"QA2610": 1, "QA2611": 12}  # each lot moved by its own variance, not FEFO
    assert db.session.get(StockLevel, tea.id).on_hand == 13


def test_a_scan_adds_one_to_its_lots_line(users, db, shelf):
    producer, tea, _vase = shelf
    count = open_count(users["manager"], producer_id=producer.id)
    label = f"http://127.0.0.1:5000/01/0{GTIN}/10/QA2611"
    for _ in range(3):
        line = scan_count(count.id, label)
    assert (line.lot.code, line.counted) == ("QA2611", 3)
    assert scan_count(count.id, "vase").counted == 1  # one lot: a SKU is enough
    with pytest.raises(Conflict, match="2 lots on this sheet"):
        scan_count(count.id, GTIN)  # which of the tea's lots?
    receive(tea, "QA2612", 5)  # arrived after the sheet was opened
    added = scan_count(count.id, f"http://x/01/0{GTIN}/10/QA2612")
    assert (added.lot.code, added.counted, added.expected) == ("QA2612", 1, 5)
    with pytest.raises(Exception, match="no lot QA2699"):
        scan_count(count.id, f"http://x/01/0{GTIN}/10/QA2699")
    other = make_product(sku="ELSEWHERE")
    with pytest.raises(ValidationError, match="not on this count sheet"):
        scan_count(count.id, "ELSEWHERE")
    for odd in ("", "\x00", "\ud800", "9" * 400):
        with pytest.raises(ValidationError):
            scan_count(count.id, odd)
    assert other.id and db.session.scalar(select(func.sum(StockCountLine.counted))) == 5


def test_posting_with_uncounted_lines_lists_them_and_asks(manager_client, users, db, shelf):
    producer, tea, _vase = shelf
    count = open_count(users["manager"], producer_id=producer.id)
    lines = lines_by_lot(count)
    page = manager_client.post(
        f"/inventory/counts/{count.id}", data={f"counted_{lines[('CSQA-100', 'QA2611')].id}": "9", "action": "post"}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "2 dòng chưa được kiểm đếm" in html
    listed = re.search(r'id="uncounted".*?</ul>', html, re.S).group(0)
    assert "QA2610" in listed and "VASE" in listed and "QA2611" not in listed
    assert "Ghi sổ; giữ nguyên các dòng này như trên sổ" in html and "tính là 0" in html
    db.session.expire_all()
    assert db.session.get(StockCount, count.id).status == "open"
    assert db.session.get(StockCountLine, lines[("CSQA-100", "QA2611")].id).counted == 9  # the count was kept
    assert db.session.get(StockLevel, tea.id).on_hand == 14  # nothing adjusted
    manager_client.post(f"/inventory/counts/{count.id}", data={"action": "post_keep"})
    db.session.expire_all()
    assert db.session.get(StockCount, count.id).status == "posted"
    on_hand = dict(db.session.execute(select(Lot.code, Lot.on_hand).where(Lot.product_id == tea.id)).all())
    assert on_hand == {"QA2610": 4, "QA2611": 9}


def test_uncounted_lines_counted_as_none_when_the_manager_says_so(users, db, shelf):
    producer, tea, _ = shelf
    count = open_count(users["manager"], producer_id=producer.id)
    with pytest.raises(UncountedLines) as asked:
        post_count(count.id, users["manager"])
    assert len(asked.value.lines) == 3
    post_count(count.id, users["manager"], uncounted="zero")
    assert db.session.get(StockLevel, tea.id).on_hand == 0


def test_a_blind_count_hides_the_books_until_posted(manager_client, users, db, shelf):
    producer, _tea, _ = shelf
    page = manager_client.post("/inventory/counts", data={"producer_id": producer.id, "blind": "on"})
    count = db.session.scalar(select(StockCount))
    assert count.blind and page.headers["Location"].endswith(f"/inventory/counts/{count.id}")
    html = manager_client.get(f"/inventory/counts/{count.id}").get_data(as_text=True)
    assert "Kiểm kê mù" in html and "Theo sổ sách" not in html
    rows = re.findall(r"<tr data-line.*?</tr>", html, re.S)
    assert rows and not any(re.search(r">\s*(4|10)\s*<", row) for row in rows)  # no book quantity anywhere
    csv = manager_client.get(f"/inventory/counts/{count.id}?format=csv").get_data(as_text=True)
    assert "expected" not in csv.splitlines()[0] and ",10," not in csv
    scanned = manager_client.post(
        f"/inventory/counts/{count.id}/scan", data={"code": "vase"}, headers={"Accept": "application/json"}
    ).get_json()
    assert scanned["counted"] == 1 and "expected" not in scanned and "10" not in str(scanned)
    manager_client.post(f"/inventory/counts/{count.id}", data={"action": "post_keep"})
    html = manager_client.get(f"/inventory/counts/{count.id}").get_data(as_text=True)
    assert "Theo sổ sách" in html and "Chênh lệch" in html


def test_an_open_sheet_is_deleted_audited_a_posted_one_is_not(manager_client, users, db, shelf):
    producer, _, _ = shelf
    count = open_count(users["manager"], producer_id=producer.id)
    scan_count(count.id, "vase")
    number = count.number
    page = manager_client.post(f"/inventory/counts/{count.id}", data={"action": "delete"}, follow_redirects=True)
    assert f"Đã xóa phiếu kiểm kê {number}" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(StockCountLine.id))) == 0
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "delete"))
    assert audit.entity_id == number and audit.before["counted"] == [{"sku": "VASE", "lot": "", "counted": 1}]
    again = open_count(users["manager"], producer_id=producer.id)
    assert again.number == number
    post_count(again.id, users["manager"], uncounted="keep")
    with pytest.raises(Conflict):
        delete_count(again.id, users["manager"])


def test_empty_lists_say_what_to_do(manager_client, db):
    for url, advice in [
        ("/inventory/counts", "Chưa có phiếu kiểm kê nào: chọn nhóm hoặc chủ thể"),
        ("/inventory/receipts", "Chưa có phiếu nhập nào"),
        ("/inventory/transfers", "Chưa có phiếu chuyển kho nào"),
        ("/inventory/consignment/settlements", "Chưa có lần quyết toán ký gửi nào"),
    ]:
        html = manager_client.get(url).get_data(as_text=True)
        assert advice in html, url
        assert not re.search(r'class="muted">—</td>', html), url


def test_closing_a_shift_and_settling_ask_first(manager_client, cashier_client, users, db):
    from pos.checkout.shifts import open_shift

    open_shift(users["cashier"], 0)
    shift_page = cashier_client.get("/shift").get_data(as_text=True)
    close_form = re.search(r'<form[^>]*id="close-shift"[^>]*>', shift_page).group(0)
    assert 'data-confirm="Đóng ca' in close_form
