"""Journey 4: a cashier sells at the showroom; a manager opens the central report and finds the sale under
the right product, star rating and showroom."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, screenshot
from tests.browser.test_journey_cashier import open_shift_if_needed, scan

pytestmark = pytest.mark.browser


PRODUCT = "Chè Sen Quảng An hộp 100g"  # barcode 8936012340013, rated 4★, 350.000 ₫


def units_and_revenue(page, report):
    """The product's row in today's report as (units, revenue); other journeys share this server and may
    have sold it already today, so the test looks at the change its own sale makes."""
    page.goto(report)
    row = page.locator("#report tbody tr", has_text=PRODUCT)
    if not row.count():
        return 0, 0
    cells = row.first.locator("td")
    return int(cells.nth(3).inner_text().replace(".", "")), int(cells.nth(5).inner_text().replace(".", "").rstrip(" ₫"))


def test_a_sale_at_the_till_appears_in_the_central_report(live_server, browser):
    base, central = live_server["url"], live_server["central_url"]
    manager = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
    log_in(manager, central, "manager")
    report = f"{central}/central/reports/products?preset=today&showroom=TH&stars=4"
    units_before, revenue_before = units_and_revenue(manager, report)

    till = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
    log_in(till, base, "cashier")
    open_shift_if_needed(till, base)
    scan(till, "8936012340013")
    scan(till, "8936012340013")
    till.click(".method[data-method=cash]")
    till.fill("#pay-amount", "700000")
    till.keyboard.press("Enter")
    till.click("#complete")
    till.wait_for_selector("#done-dialog[open]")
    till.context.close()

    deadline = time.monotonic() + 20
    while True:  # the sender delivers within a second or two
        units, revenue = units_and_revenue(manager, report)
        if units != units_before or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert (units - units_before, revenue - revenue_before) == (2, 700_000)
    screenshot(manager, "journey4-central-report")
    manager.locator("#report tbody tr", has_text=PRODUCT).locator("a").click()
    expect(manager.locator("#by-showroom")).to_contain_text("(TH)")
    expect(manager.locator("#by-day")).to_contain_text("(TH)")
    # filtered to another star rating, the sale is not there
    manager.goto(f"{central}/central/reports/products?preset=today&showroom=TH&stars=5")
    expect(manager.locator("#report")).not_to_contain_text(PRODUCT)
    manager.context.close()
