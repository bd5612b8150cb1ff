"""Journey: a manager receives goods from Công ty TNHH Sen Tây Hồ with a barcode scanner (a scanner types the
code and presses Enter). Another producer's product is refused as soon as it is scanned; a QR label fills the
lot; a refused form keeps every line typed and marks what is missing; the draft is then posted."""

from datetime import timedelta

import pytest

from pos.catalog.gs1 import check_digit
from pos.core.clock import local_today
from tests.browser.conftest import assert_accessible, log_in, new_receipt, screenshot

pytestmark = pytest.mark.browser

SEEDS_GTIN = "893604567001" + str(check_digit("893604567001"))  # Hạt sen sấy Tây Hồ (STH-HAT)
TEA_GTIN = "893604567002" + str(check_digit("893604567002"))  # Trà tâm sen Tây Hồ (STH-TRA)


def scan(page, line: int, code: str) -> None:
    field = page.locator(f"#receipt-lines fieldset >> nth={line} >> [data-code]")
    field.click()
    field.fill("")
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_a_goods_receipt_entered_with_a_scanner(live_server, page):
    base = live_server["url"]
    log_in(page, base, "manager")
    new_receipt(page, base, label="Công ty TNHH Sen Tây Hồ")
    page.fill("input[name=note]", "Hàng về sáng thứ Tư")
    expiry = (local_today() + timedelta(days=270)).isoformat()

    scan(page, 0, "CSQA-100")  # another producer's tea: refused at once, by name
    line = page.locator("#receipt-lines fieldset").nth(0)
    line.locator("[data-info]").get_by_text("Chè Sen Quảng An hộp 100g").wait_for()
    assert "là sản phẩm của Hợp tác xã Chè Sen Quảng An" in line.inner_text()
    assert line.locator("[data-code]").get_attribute("aria-invalid") == "true"

    scan(page, 0, f"{base}/01/0{SEEDS_GTIN}/10/HS2612")  # our QR label: the product and its lot
    line.locator("[data-info]").get_by_text("Hạt sen sấy Tây Hồ").wait_for()
    assert line.locator("[data-code]").input_value() == "STH-HAT"
    assert line.locator("[data-lot]").input_value() == "HS2612"
    info = line.locator("[data-info]").inner_text()
    assert "gói" in info and "giá nhập lần trước 61.750" in info.replace("\u00a0", " ")
    assert line.locator("[data-code]").get_attribute("aria-invalid") is None
    assert page.evaluate("document.activeElement.name") == "expiry_date_0"  # the lot came with the label
    page.fill("input[name=expiry_date_0]", expiry)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "quantity_0"
    page.keyboard.type("24")
    page.keyboard.press("Enter")  # the last cost is already in the cost field
    assert page.locator("input[name=unit_cost_0]").input_value() == "61750"
    assert page.evaluate("document.activeElement.name") == "sku_1"  # a new line, ready to scan

    page.keyboard.type(TEA_GTIN)
    page.keyboard.press("Enter")
    page.locator("#receipt-lines fieldset").nth(1).locator("[data-info]").get_by_text("Trà tâm sen Tây Hồ").wait_for()
    assert page.evaluate("document.activeElement.name") == "lot_code_1"
    page.keyboard.type("TS2612")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "expiry_date_1"
    page.locator("input[name=quantity_1]").fill("10")  # the expiry forgotten on this line

    page.get_by_role("button", name="Thêm dòng").click()
    page.keyboard.type("sth-mut")  # typed by hand, in lower case
    page.keyboard.press("Enter")
    page.locator("#receipt-lines fieldset").nth(2).locator("[data-info]").get_by_text("Mứt sen trần Tây Hồ").wait_for()
    page.keyboard.type("MS2612")
    page.keyboard.press("Enter")
    page.fill("input[name=expiry_date_2]", expiry)
    page.fill("input[name=quantity_2]", "6")
    page.fill("input[name=unit_cost_2]", "")
    page.locator("input[name=unit_cost_2]").type("70000")
    screenshot(page, "journey-receipt-scanned")
    assert_accessible(page, "receipt form, scanned")

    with page.expect_navigation():
        page.get_by_role("button", name="Lưu nháp").click()
    assert "Chưa lưu" in page.inner_text("[role=alert]")
    assert page.locator("input[aria-invalid=true]").evaluate_all("els => els.map(e => e.name)") == ["expiry_date_1"]
    assert page.locator("#receipt-lines fieldset").count() == 3  # every line typed is still there
    assert page.input_value("input[name=note]") == "Hàng về sáng thứ Tư"
    assert [page.input_value(f"input[name=sku_{i}]") for i in range(3)] == ["STH-HAT", "STH-TRA", "STH-MUT"]
    assert page.input_value("input[name=lot_code_0]") == "HS2612"
    screenshot(page, "journey-receipt-refused")
    assert_accessible(page, "receipt form, refused")

    page.fill("input[name=expiry_date_1]", expiry)
    page.fill("input[name=unit_cost_1]", "50000")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu nháp").click()
    assert "Nháp" in page.inner_text("#receipt-status")
    assert page.locator("#posting-problems").count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name="Ghi sổ: nhập hàng lên kệ").click()
    assert "Đã ghi sổ" in page.inner_text("#receipt-status")
    rows = page.locator("table tr").all_inner_texts()
    assert any("STH-HAT" in r and "HS2612" in r and "24" in r for r in rows)
    assert any("STH-TRA" in r and "TS2612" in r for r in rows)
    screenshot(page, "journey-receipt-posted")
    assert_accessible(page, "receipt posted")
