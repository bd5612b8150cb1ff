"""Journey: a blind count. The manager opens a blind count sheet for one producer and sees no book quantities,
scans packs (each scan adds one to its lot's line, as a scanner types the QR label's URL and Enter), posts, is
asked about the lines not counted, and only then sees the books and the variances."""

import pytest

from pos.catalog.gs1 import check_digit
from tests.browser.conftest import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.browser

TEA_GTIN = "893601234001" + str(check_digit("893601234001"))  # Chè Sen Quảng An hộp 100g (CSQA-100)


def test_a_blind_count(live_server, page):
    base = live_server["url"]
    log_in(page, base, "manager")
    page.goto(f"{base}/inventory/counts")
    page.select_option("select[name=producer_id]", label="Hợp tác xã Chè Sen Quảng An")
    page.get_by_label("Kiểm kê mù").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Mở phiếu kiểm kê").click()
    assert "Kiểm kê mù" in page.inner_text("main")
    assert page.locator("#count-lines th", has_text="Theo sổ sách").count() == 0
    tea = page.locator("#count-lines tr[data-line]", has_text="CSQA-100").first
    lot = tea.locator("td").nth(2).inner_text()
    assert tea.locator("td").count() == 5  # SKU, product, lot, expiry, counted: no books
    screenshot(page, "journey-blind-count-open")
    assert_accessible(page, "blind count sheet")

    scan = page.get_by_label("Quét một món hàng (cộng một vào dòng của lô)")
    for n in range(1, 4):  # three packs, by their QR labels
        scan.click()
        page.keyboard.type(f"{base}/01/0{TEA_GTIN}/10/{lot}")
        page.keyboard.press("Enter")
        page.locator("#count-scan-message", has_text=f"đã đếm {n}").wait_for()
    assert tea.locator("input").input_value() == "3"
    page.keyboard.type("csqa-tui")  # the scan field keeps the focus
    page.keyboard.press("Enter")
    page.locator("#count-scan-message", has_text="Trà sen Quảng An túi lọc").wait_for()
    bags = page.locator("#count-lines tr[data-line]", has_text="CSQA-TUI")
    assert bags.locator("input").input_value() == "1"
    page.keyboard.type("NOPE-123")
    page.keyboard.press("Enter")
    page.locator("#count-scan-message.error-text").wait_for()
    screenshot(page, "journey-blind-count-scanned")

    with page.expect_navigation():
        page.get_by_role("button", name="Lưu và ghi sổ điều chỉnh").click()
    asked = page.inner_text("#uncounted")
    assert "chưa được kiểm đếm" in asked and "CBUP-SEN" in asked and "CSQA-TUI" not in asked
    assert page.locator("#count-lines th", has_text="Theo sổ sách").count() == 0  # still blind while asking
    screenshot(page, "journey-blind-count-asked")
    assert_accessible(page, "uncounted lines asked")
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi sổ; giữ nguyên các dòng này như trên sổ").click()
    assert "Đã ghi sổ" in page.inner_text("main")
    row = page.locator("#count-lines tr[data-line]", has_text=lot).filter(has_text="CSQA-100")
    books, counted, variance = (row.locator("td").nth(i).inner_text() for i in (4, 5, 6))
    assert counted == "3" and int(variance) == 3 - int(books) and int(books) > 3
    screenshot(page, "journey-blind-count-posted")
    assert_accessible(page, "count posted")
    page.goto(f"{base}/inventory/counts")
    assert_accessible(page, "count sheets")
