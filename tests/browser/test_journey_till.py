"""The till as a cashier meets it in the first week: a cash sale rounded as cash is paid."""
import sqlite3

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot
from tests.browser.test_journey_cashier import open_shift_if_needed, scan

pytestmark = pytest.mark.browser


def text(page, selector):
    return page.inner_text(selector).replace("\u00a0", " ")


def test_a_cash_sale_with_15_percent_off_is_paid_191000_for_191250(live_server, page):
    base = live_server["url"]
    log_in(page, base, "cashier")
    open_shift_if_needed(page, base)
    scan(page, "XPT-VO")                                     # Xôi vò Phú Thượng, 45.000
    page.fill("#cart-lines input.qty", "5")
    page.keyboard.press("Enter")
    expect(page.locator("#t-total")).to_contain_text("225.000")
    page.click("#order-discount")
    page.fill("#discount-form input[name=value]", "15")
    page.keyboard.press("Enter")
    if page.locator("#approval-dialog[open]").count():       # over the 10 % limit: a manager approves
        page.fill("#approval-form input[name=username]", "manager")
        page.fill("#approval-form input[name=password]", "ocop-demo-2026")
        page.keyboard.press("Enter")
    expect(page.locator("#t-total")).to_contain_text("191.250")
    expect(page.locator("#t-rounding")).to_have_text("-250\u00a0₫")
    assert text(page, "#t-cash") == "191.000 ₫" and text(page, "#t-due") == "191.000 ₫"
    page.click(".method[data-method=card]")                  # a card pays exactly
    expect(page.locator("#t-due")).to_have_text("191.250\u00a0₫")
    expect(page.locator("#t-rounding-row")).to_be_hidden()
    page.click(".method[data-method=cash]")
    page.click("#pay-amount")
    page.keyboard.type("200000")
    page.keyboard.press("Enter")
    assert text(page, "#t-change") == "9.000 ₫" and text(page, "#t-due") == "0 ₫"
    screenshot(page, "till-cash-rounding")
    page.click("#complete")
    if page.locator("#approval-dialog[open]").count():
        page.fill("#approval-form input[name=username]", "manager")
        page.fill("#approval-form input[name=password]", "ocop-demo-2026")
        page.keyboard.press("Enter")
    page.wait_for_selector("#done-dialog[open]")
    assert "191.000" in page.inner_text("#done-title") and "9.000" in page.inner_text("#done-change")
    number = page.inner_text("#done-title").split("·")[1].strip()
    conn = sqlite3.connect(live_server["database"])
    sale = conn.execute("SELECT total, cash_rounding, vat_total FROM sales WHERE number = ?", (number,)).fetchone()
    cash = conn.execute("SELECT amount, tendered, change FROM payments JOIN sales ON sales.id = payments.sale_id"
                        " WHERE number = ?", (number,)).fetchall()
    conn.close()
    assert sale == (191_250, -250, round(191_250 * 8 / 108))
    assert cash == [(191_000, 200_000, 9_000)]
    page.click("#done-next")


def test_a_scanned_expired_lot_is_refused_in_red_set_aside_and_written_off(live_server, page):
    base = live_server["url"]
    conn = sqlite3.connect(live_server["database"])
    gtin14, = conn.execute("SELECT gtin14 FROM products WHERE sku = 'CLV-200'").fetchone()
    expiry, = conn.execute("SELECT expiry_date FROM lots WHERE code = 'CLV2610'").fetchone()
    fresh_left, = conn.execute("SELECT on_hand FROM lots WHERE code = 'CLV2611'").fetchone()
    conn.close()
    log_in(page, base, "cashier")
    open_shift_if_needed(page, base)
    scan(page, f"{base}/01/{gtin14}/10/CLV2610")               # the QR label of the expired lot
    expired_on = "/".join(reversed(expiry.split("-")))
    expect(page.locator("#scan-message")).to_have_class("scan-message error")
    message = page.inner_text("#scan-message")
    assert "CLV2610" in message and expired_on in message and "để riêng" in message
    expect(page.locator("#cart-lines tr.empty")).to_have_count(1)  # nothing was added
    expect(page.locator("#write-off-lot")).to_be_visible()
    screenshot(page, "till-expired-lot")
    page.click("#write-off-lot")                               # one step: a manager approves on the spot
    page.wait_for_selector("#approval-dialog[open]")
    assert "CLV2610" in page.inner_text("#approval-reason")
    page.fill("#approval-form input[name=username]", "manager")
    page.fill("#approval-form input[name=password]", "ocop-demo-2026")
    page.keyboard.press("Enter")
    expect(page.locator("#scan-message")).to_contain_text("đã hủy")
    expect(page.locator("#write-off-lot")).to_be_hidden()

    scan(page, f"{base}/01/{gtin14}/10/CLV2611")               # a fresh pack: sold from its own lot
    expect(page.locator("#cart-lines")).to_contain_text("lô CLV2611")
    page.fill("#cart-lines input.qty", str(fresh_left + 1))    # more than the lot holds: said on the line
    page.keyboard.press("Enter")
    expect(page.locator("#cart-lines tr.short")).to_contain_text(f"Chỉ còn: {fresh_left}")
    page.fill("#cart-lines input.qty", "1")
    page.keyboard.press("Enter")
    expect(page.locator("#cart-lines tr.short")).to_have_count(0)
    page.keyboard.press("F4")
    page.keyboard.press("Enter")                               # exact cash
    page.click("#complete")
    page.wait_for_selector("#done-dialog[open]")
    number = page.inner_text("#done-title").split("·")[1].strip()
    conn = sqlite3.connect(live_server["database"])
    lots = conn.execute("SELECT lots.code, m.quantity FROM stock_movements m JOIN lots ON lots.id = m.lot_id"
                        " JOIN sales s ON s.uuid = m.document_id WHERE s.number = ?", (number,)).fetchall()
    expired_left, = conn.execute("SELECT on_hand FROM lots WHERE code = 'CLV2610'").fetchone()
    conn.close()
    assert lots == [("CLV2611", -1)] and expired_left == 0
