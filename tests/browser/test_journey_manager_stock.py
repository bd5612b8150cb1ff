"""Journey 2: a manager receives goods with a lot, prints the label sheet for them, counts stock and
closes the shift."""

from datetime import timedelta

import pytest
import requests

from pos.core.clock import local_today
from tests.browser.conftest import log_in, new_receipt, screenshot

pytestmark = pytest.mark.browser


def test_manager_receives_labels_counts_and_closes_the_shift(live_server, page):
    base = live_server["url"]
    log_in(page, base, "manager")
    new_receipt(page, base, label="Hợp tác xã Chè Sen Quảng An")
    page.fill("input[name=sku_0]", "CSQA-100")
    page.fill("input[name=lot_code_0]", "QA2611")
    page.fill("input[name=production_date_0]", (local_today() - timedelta(days=3)).isoformat())
    page.fill("input[name=expiry_date_0]", (local_today() + timedelta(days=365)).isoformat())
    page.fill("input[name=quantity_0]", "12")
    page.fill("input[name=unit_cost_0]", "230000")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu nháp").click()
    assert "Nháp" in page.inner_text("#receipt-status")
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi sổ: nhập hàng lên kệ").click()
    assert "Đã ghi sổ" in page.inner_text("#receipt-status")
    screenshot(page, "journey2-receipt-posted")

    with page.expect_navigation():
        page.get_by_role("link", name="In nhãn QR cho số lượng này").click()
    received = page.locator("#label-lines li", has_text="CSQA-100")  # the receipt's lines, as received
    assert received.get_by_label("Số lượng").input_value() == "12"
    assert received.get_by_label("Lô").input_value() == "QA2611"
    pdf_link = page.locator("a[href*='sheet.pdf']").first.get_attribute("href")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    pdf = requests.get(base + pdf_link, cookies=cookies, timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    screenshot(page, "journey2-label-sheet")

    page.goto(f"{base}/inventory/counts")
    page.select_option("select[name=producer_id]", label="Hợp tác xã Chè Sen Quảng An")
    with page.expect_navigation():
        page.get_by_role("button", name="Mở phiếu kiểm kê").click()
    row = page.locator("#count-lines tr", has_text="QA2611")  # a line per lot
    books = int(row.locator("td").nth(4).inner_text())
    row.locator("input").fill(str(books - 1))
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu và ghi sổ điều chỉnh").click()
    assert "chưa được kiểm đếm" in page.inner_text("#uncounted")  # the other lines: asked, not assumed
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi sổ; giữ nguyên các dòng này như trên sổ").click()
    assert page.locator("#count-lines tr", has_text="QA2611").locator("td").nth(6).inner_text() == "-1"
    screenshot(page, "journey2-count-posted")

    page.goto(f"{base}/shift")
    if page.locator("input[name=opening_float]").count():
        page.fill("input[name=opening_float]", "500000")
        with page.expect_navigation():
            page.get_by_role("button", name="Mở ca").click()
        page.goto(f"{base}/shift")
    expected = page.inner_text("#x-report tr.key-figure td.num")
    page.fill("#close-shift input[name=count_500000]", "1")
    page.fill("#close-shift input[name=count_20000]", "3")  # the drawer's sum, as the notes are counted
    assert page.inner_text("#counted").replace("\u00a0", " ") == "560.000 ₫"
    expected_cash = int(expected.replace(".", "").replace("₫", "").strip())
    assert page.inner_text("#difference").replace("\u00a0", " ").replace(".", "") == f"{560_000 - expected_cash} ₫"
    screenshot(page, "journey2-counting")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with page.expect_navigation():
        page.locator("#close-shift button[type=submit]").click()
    assert asked and asked[0].startswith("Đóng ca bây giờ?")
    assert "Báo cáo Z" in page.inner_text("h1")
    assert page.inner_text("#z-difference").strip()
    screenshot(page, "journey2-z-report")
