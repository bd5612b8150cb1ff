"""Numbers typed are numbers stored: a cashier and a manager type into every money and quantity field of the
shift, the till, a return and a product's price the way people do (click or land in the field, type), and the
database holds exactly what they typed — not 20.000.000 for a 2.000.000 float typed in front of a "0"."""

import json
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.test_journey_cashier import scan

pytestmark = pytest.mark.browser


def query(live_server, sql, *params):
    conn = sqlite3.connect(live_server["database"])
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def click_and_type(page, selector, text):
    page.click(selector)
    page.keyboard.type(text)


def test_every_money_and_quantity_field_stores_what_was_typed(live_server, page):
    base = live_server["url"]
    page.on("dialog", lambda dialog: dialog.accept())  # closing the shift asks first: yes
    log_in(page, base, "manager")
    page.goto(f"{base}/shift")
    if page.locator("#close-shift").count():  # an earlier journey left a shift open: count it out
        expect(page.locator("#close-shift input[name=count_500000]")).to_have_value("")
        click_and_type(page, "#close-shift input[name=count_500000]", "3")
        click_and_type(page, "#close-shift input[name=count_10000]", "4")
        with page.expect_navigation():
            page.locator("#close-shift button[type=submit]").click()
        assert query(live_server, "SELECT counted_cash FROM shifts ORDER BY id DESC LIMIT 1") == [(1_540_000,)]
        page.goto(f"{base}/shift")

    # The float field has the cursor (autofocus): the cashier just types.
    expect(page.locator("input[name=opening_float]")).to_be_focused()
    page.keyboard.type("2000000")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert query(live_server, "SELECT opening_float FROM shifts WHERE status = 'open'") == [(2_000_000,)]

    page.goto(f"{base}/shift")
    click_and_type(page, "input[name=amount]", "150000")
    click_and_type(page, "input[name=reason]", "Đổi tiền lẻ")
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận").click()
    page.select_option("select[name=direction]", "out")
    click_and_type(page, "input[name=amount]", "50.000")
    click_and_type(page, "input[name=reason]", "Mua túi nilon")
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận").click()
    assert query(live_server, "SELECT amount FROM cash_movements ORDER BY id DESC LIMIT 2") == [(-50_000,), (150_000,)]

    # The till: the amount handed over, typed after a click into the field.
    page.goto(f"{base}/till")
    page.evaluate("localStorage.clear()")
    page.reload()
    page.wait_for_selector("#till[data-ready]")
    scan(page, "DLBV-DTC")  # Trà dây thìa canh Ba Vì, 75.000
    expect(page.locator("#t-total")).to_contain_text("75.000")
    click_and_type(page, "#pay-amount", "100000")
    page.keyboard.press("Enter")
    page.click("#complete")
    page.wait_for_selector("#done-dialog[open]")
    number = page.inner_text("#done-title").split("·")[1].strip()
    assert query(
        live_server,
        "SELECT p.tendered, p.change FROM payments p JOIN sales s ON s.id = p.sale_id WHERE s.number = ?",
        number,
    ) == [(100_000, 25_000)]
    page.click("#done-next")

    # A return: the quantity field starts empty, so a click and "1" return one.
    page.goto(f"{base}/sales/{number}")
    expect(page.locator("input[name=return_1]")).to_have_value("")
    click_and_type(page, "input[name=return_1]", "1")
    click_and_type(page, "input[name=reason]", "Khách đổi ý")
    click_and_type(page, "input[name=approver]", "manager")
    click_and_type(page, "input[name=approver_password]", "ocop-demo-2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi nhận trả hàng").click()
    assert query(
        live_server,
        "SELECT l.returned_quantity FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.number = ?",
        number,
    ) == [(1,)]

    # A price already filled in: a click selects it, so the new price replaces the old one.
    (product_id,) = query(live_server, "SELECT id FROM products WHERE sku = 'RMHS-500'")[0]
    for price in ("185000", "180000"):
        page.goto(f"{base}/catalog/products/{product_id}/edit")
        click_and_type(page, "input[name=price]", price)
        with page.expect_navigation():
            page.get_by_role("button", name="Lưu").first.click()
        assert query(live_server, "SELECT price FROM products WHERE id = ?", product_id) == [(int(price),)]

    # The counts that close the shift: each field empty, each count what was typed.
    page.goto(f"{base}/shift")
    for note, count in (("200000", "12"), ("1000", "7")):
        expect(page.locator(f"#close-shift input[name=count_{note}]")).to_have_value("")
        click_and_type(page, f"#close-shift input[name=count_{note}]", count)
    with page.expect_navigation():
        page.locator("#close-shift button[type=submit]").click()
    (denominations,) = query(live_server, "SELECT denominations FROM shifts ORDER BY id DESC LIMIT 1")[0]
    assert json.loads(denominations) == {"200000": 12, "1000": 7}
