"""A manager orders QR labels by scanning and picking products, sets quantities, previews the sheet and prints
the PDF; the page passes axe-core's checks before and after."""

import pypdfium2 as pdfium
import pytest
import requests

from tests.browser.conftest import assert_accessible, log_in, screenshot
from tests.test_labels import decode

pytestmark = pytest.mark.browser


def test_manager_scans_and_picks_products_and_prints_a_label_sheet(live_server, page):
    base = live_server["url"]
    log_in(page, base, "manager")
    page.goto(f"{base}/labels/")
    assert_accessible(page, "empty order form")
    scan = page.get_by_label("Quét nhãn QR hoặc mã vạch, hoặc gõ SKU hay một từ trong tên")
    assert scan.evaluate("el => el === document.activeElement")  # ready for the scanner

    scan.fill("xôi")  # a word of the name: the products to pick from
    with page.expect_navigation():
        scan.press("Enter")
    with page.expect_navigation():
        page.get_by_role("button", name="XPT-VO · Xôi vò Phú Thượng").click()
    lines = page.locator("#label-lines li")
    assert lines.count() == 1 and "XPT-VO" in lines.first.inner_text()
    scan = page.get_by_label("Quét nhãn QR hoặc mã vạch, hoặc gõ SKU hay một từ trong tên")
    assert scan.evaluate("el => el === document.activeElement")  # back in the scan field after each step
    lines.first.get_by_label("Số lượng").fill("3")

    scan.click()
    page.keyboard.type("8936012340013")  # a barcode scanner types the EAN and Enter
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert lines.count() == 2 and "CSQA-100" in lines.nth(1).inner_text()
    assert lines.first.get_by_label("Số lượng").input_value() == "3"  # what was typed stays
    received_lot = lines.nth(1).get_by_label("Lô").input_value()
    lines.nth(1).get_by_label("Số lượng").fill("2")
    with page.expect_navigation():
        page.get_by_role("button", name="Xem trước").click()
    assert "5 nhãn" in page.inner_text("main")
    assert page.locator(".sheet .cell img").count() == 5
    assert_accessible(page, "order with its preview")
    screenshot(page, "labels-order-preview")

    pdf_link = page.get_by_role("link", name="Mở PDF để in").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    pdf = requests.get(base + pdf_link, cookies=cookies, timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    sheet = pdfium.PdfDocument(pdf.content)[0].render(scale=200 / 72).to_pil()
    codes = decode(sheet)
    assert len(codes) == 5
    assert codes.count(f"{base}/01/08936012340013" + (f"/10/{received_lot}" if received_lot else "")) == 2
