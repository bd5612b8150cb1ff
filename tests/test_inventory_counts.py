"""Counting while the till sells: sales before or after a line is counted are neither lost nor doubled."""

import pytest
from sqlalchemy import func, select

from pos.core.database import atomic
from pos.core.errors import Conflict, ValidationError
from pos.inventory.counts import enter_counts, open_count, post_count
from pos.inventory.ledger import find_or_create_lot, move_stock, take_stock
from pos.models import StockCountLine, StockLevel, StockMovement
from tests.conftest import make_product


def receive(product, quantity):
    with atomic():
        lot = find_or_create_lot(product.id, "L1")
        move_stock(product.id, lot.id, quantity, "receipt", unit_cost=10_000)


def sell(product, quantity):
    with atomic():
        take_stock(product.id, quantity)


def line_of(count, product) -> int:
    """The id of the product's one line on the sheet (a product with one lot)."""
    [line] = [line for line in count.lines if line.product_id == product.id]
    return line.id


def on_hand(db, product):
    db.session.expire_all()
    return db.session.get(StockLevel, product.id).on_hand


def test_sales_during_a_count_are_kept(users, db):
    tea, rice = make_product(sku="TEA"), make_product(sku="RICE")
    receive(tea, 10)
    receive(rice, 10)
    count = open_count(users["manager"])
    sell(tea, 2)  # sold before the counter reaches the tea: 8 on the shelf
    enter_counts(count.id, {line_of(count, tea): 7})  # one tea is missing
    sell(tea, 1)  # sold after the tea was counted
    enter_counts(count.id, {line_of(count, rice): 10})
    sell(rice, 3)
    post_count(count.id, users["manager"])
    assert on_hand(db, tea) == 10 - 2 - 1 - 1  # the missing unit is adjusted, both sales kept
    assert on_hand(db, rice) == 7  # a sale after counting is not undone
    kinds = db.session.scalars(select(StockMovement.kind).where(StockMovement.product_id == tea.id)).all()
    assert kinds.count("count") == 1
    assert db.session.scalar(select(func.sum(StockMovement.quantity)).where(StockMovement.product_id == tea.id)) == 6


def test_a_count_posts_once_and_refuses_bad_numbers(users, db):
    tea = make_product()
    receive(tea, 5)
    count = open_count(users["manager"])
    with pytest.raises(ValidationError):
        enter_counts(count.id, {line_of(count, tea): "-1"})
    with pytest.raises(ValidationError):
        enter_counts(count.id, {line_of(count, tea): "abc"})
    assert db.session.scalar(select(StockCountLine.counted)) is None
    enter_counts(count.id, {line_of(count, tea): 6})
    post_count(count.id, users["manager"])
    with pytest.raises(Conflict):
        post_count(count.id, users["manager"])
    assert on_hand(db, tea) == 6


def test_count_sheet_page_shows_variance_and_value(manager_client, db, users):
    tea = make_product(sku="TEA-P")
    receive(tea, 4)
    page = manager_client.post("/inventory/counts", data={})
    sheet_url = page.headers["Location"]
    line_id = db.session.scalar(select(StockCountLine.id).where(StockCountLine.product_id == tea.id))
    manager_client.post(sheet_url, data={f"counted_{line_id}": "3", "action": "save"})
    html = manager_client.get(sheet_url).get_data(as_text=True)
    assert "-1" in html and "-10.000" in html  # one missing, valued at its average cost


def test_low_stock_lists_products_at_their_reorder_point_with_the_sales_rate(manager_client, db):
    tea = make_product(sku="LOW-1", reorder_point=5)
    plenty = make_product(sku="PLENTY", reorder_point=5)
    receive(tea, 11)
    receive(plenty, 50)
    sell(tea, 6)
    page = manager_client.get("/inventory/low-stock").get_data(as_text=True)
    assert "LOW-1" in page and "PLENTY" not in page
    csv_rows = manager_client.get("/inventory/low-stock?format=csv").get_data(as_text=True).splitlines()
    assert csv_rows[1].split(",")[0] == "LOW-1" and csv_rows[1].split(",")[2] == "5"
    assert csv_rows[1].split(",")[4] == "0.2"  # 6 sold over 30 days


def short_count(users, tea):
    """A count that finds 1 of 5, then the till sells 3: posting it would take 4 off the 2 left."""
    receive(tea, 5)
    count = open_count(users["manager"])
    enter_counts(count.id, {line_of(count, tea): 1})
    sell(tea, 3)
    return count


def test_a_manager_reads_a_refused_count_in_vietnamese(manager_client, users, db):
    tea = make_product(sku="TEA-VI")
    count = short_count(users, tea)
    page = manager_client.post(f"/inventory/counts/{count.id}", data={"action": "post"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Chè Sen Quảng An, lô L1: thiếu 4, nhưng sổ hiện chỉ còn 2 của lô này. Hãy kiểm đếm lại lô này." in html
    assert "Recount this lot" not in html
    assert on_hand(db, tea) == 2  # nothing was adjusted


def test_a_service_error_outside_a_request_reads_in_english(users, db):
    tea = make_product(sku="TEA-EN")
    count = short_count(users, tea)
    with pytest.raises(Conflict) as refused:
        post_count(count.id, users["manager"])
    english = "Chè Sen Quảng An, lot L1: 4 missing, but the books now hold only 2 of this lot. Recount this lot."
    assert str(refused.value) == refused.value.message == english
    assert refused.value.fields == {"counted": "too low"}


def test_a_count_typed_wrong_is_refused_in_vietnamese_naming_the_product(manager_client, users, db):
    tea = make_product(sku="TEA-TYPO")
    count = open_count(users["manager"])
    line = line_of(count, tea)
    page = manager_client.post(
        f"/inventory/counts/{count.id}", data={"action": "save", f"counted_{line}": "abc"}, follow_redirects=True
    )
    assert "Chưa lưu số kiểm đếm: Chè Sen Quảng An, lô —: phải là số nguyên." in page.get_data(as_text=True)
    with pytest.raises(ValidationError) as refused:  # outside a request: English, fields as the API gives them
        enter_counts(count.id, {line: "abc"})
    assert str(refused.value) == "Counts not saved: Chè Sen Quảng An, lot —: must be a whole number."
    assert refused.value.fields == {f"line {line}": "must be a whole number"}
