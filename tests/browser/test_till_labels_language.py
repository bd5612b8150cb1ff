"""Screen-reader names follow the page's language on the till too: the cart's quantity field and its remove
button, drawn by static/js/till.js, are named in Vietnamese on a Vietnamese page and in English on an English one,
with the product's name; the money on the till reads 350.000 ₫ / 350,000 ₫."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, log_in
from tests.browser.test_journey_cashier import open_shift_if_needed, scan

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "lang, qty, remove, price",
    [("vi", "SL", "Bỏ", "350.000\u00a0₫"), ("en", "Qty", "Remove", "350,000\u00a0₫")],
)
def test_the_carts_controls_are_named_in_the_pages_language(live_server, page, lang, qty, remove, price):
    base = live_server["url"]
    log_in(page, base, "cashier")
    open_shift_if_needed(page, base)
    page.goto(f"{base}/till?lang={lang}")
    page.wait_for_selector("#till[data-ready]")
    scan(page, "CSQA-100")
    line = page.locator("#cart-lines tr").first
    expect(line.locator(".qty")).to_have_accessible_name(f"{qty} Chè Sen Quảng An hộp 100g")
    expect(line.locator(".remove")).to_have_accessible_name(f"{remove} · Chè Sen Quảng An hộp 100g")
    expect(line).to_contain_text(price)
    assert_accessible(page, f"the till with a line ({lang})")
    line.locator(".remove").click()  # leave the cart empty for the next journey
