"""Journey: a manager's morning. The home page (today against last week, the open shift, top products, stock to
act on, ratings, the sync) → the low-stock list → a goods receipt for the product running out, prefilled from the
list, saved and posted. Screenshots in test-artifacts/; axe-core passes on every page on the way."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from pos.core.clock import local_today
from tests.browser.conftest import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.browser


def test_a_managers_morning_home_low_stock_then_a_receipt(live_server, page):
    base = live_server["url"]
    log_in(page, base, "manager")
    assert page.url.endswith("/home")  # a manager starts on the morning page
    expect(page.locator("h1")).to_contain_text("Chào buổi sáng")
    for key in ("revenue", "sales", "average", "units"):
        expect(page.locator(f"#kpi-{key} .kpi-value")).to_be_visible()
    expect(page.locator("#mainnav [aria-current=page]")).to_have_text("Tổng quan")
    expect(page.locator("#ratings-revoked")).to_be_visible()
    assert_accessible(page, "the home page")
    screenshot(page, "morning-1-home")
    page.goto(f"{base}/home?lang=en")
    assert_accessible(page, "the home page in English")
    screenshot(page, "morning-1-home-en")
    page.goto(f"{base}/home?lang=vi")

    low = int(page.inner_text("#low-stock-count").replace(".", ""))
    assert low > 0, "the demo has products at their reorder point"
    with page.expect_navigation():
        page.locator("#home-low-stock h2 a").click()
    assert page.url.endswith("/inventory/low-stock")
    rows = page.locator("#low-stock tbody tr, #low-stock > tr").filter(has=page.locator("td a"))
    assert rows.count() == low  # the figure on the home page is this list's length
    assert_accessible(page, "the low-stock list")
    screenshot(page, "morning-2-low-stock")

    first = rows.first
    sku = first.locator("td").first.inner_text().strip()
    with page.expect_navigation():
        first.get_by_role("link").click()
    assert "/inventory/receipts/new" in page.url
    expect(page.locator("input[name=sku_0]")).to_have_value(sku)  # the product running out, ready to receive
    assert page.locator("select[name=producer_id]").input_value() != ""
    assert_accessible(page, "the receipt form, prefilled")
    page.fill("input[name=lot_code_0]", "MORNING1")
    page.fill("input[name=expiry_date_0]", (local_today() + timedelta(days=300)).isoformat())
    page.fill("input[name=quantity_0]", "24")
    page.fill("input[name=unit_cost_0]", "150000")
    screenshot(page, "morning-3-receipt-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu nháp").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi sổ: nhập hàng lên kệ").click()
    expect(page.locator("#receipt-status")).to_contain_text("Đã ghi sổ")
    assert_accessible(page, "the posted receipt")
    screenshot(page, "morning-4-receipt-posted")

    page.goto(f"{base}/home")  # back home: one product fewer to act on
    assert int(page.inner_text("#low-stock-count").replace(".", "")) == low - 1
