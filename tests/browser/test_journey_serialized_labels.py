"""Journey (issue 19): a manager marks the bonsai peach trees serialized, receives five and prints their labels,
one serial each; a cashier sells one by scanning its label; a copy of that label is scanned at a second till and
refused with where and when it was sold; the shopper's phone page for that serial says the same."""

import re

import pypdfium2 as pdfium
import pytest
from playwright.sync_api import expect

from pos.core.clock import local_today
from tests.browser.conftest import ARTIFACTS, assert_accessible, done_number, log_in, new_receipt, screenshot, stored
from tests.browser.test_journey_cashier import open_shift_if_needed, scan
from tests.test_labels import decode

pytestmark = pytest.mark.browser

SERIAL_URL = re.compile(r"/01/(\d{14})/10/TH2612/21/([23456789ABCDEFGHJKMNPQRSTUVWXYZ]{10})$")


def test_serialized_labels_printed_sold_copy_refused_and_shown_on_the_phone(live_server, browser, page):
    base = live_server["url"]
    [(product_id, gtin14, producer_id)] = stored(
        live_server, "SELECT id, gtin14, producer_id FROM products WHERE sku = 'HDNT-THE'"
    )
    [(showroom,)] = stored(live_server, "SELECT name FROM showrooms WHERE code = 'TH'")

    # The manager marks the product serialized …
    log_in(page, base, "manager")
    page.goto(f"{base}/catalog/products/{product_id}/edit")
    page.check("input[name=serialized]")
    assert_accessible(page, "product form with the serialized flag")
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    assert_accessible(page, "product page with its suspect labels")

    # … receives five trees and posts the receipt …
    new_receipt(page, base, value=str(producer_id))
    page.fill("input[name=sku_0]", "HDNT-THE")
    page.fill("input[name=lot_code_0]", "TH2612")
    page.fill("input[name=quantity_0]", "5")
    page.fill("input[name=unit_cost_0]", "1500000")
    with page.expect_navigation():
        page.click("form button[type=submit].primary")
    with page.expect_navigation():
        page.click("form:has(input[name=action][value=post]) button")
    expect(page.locator("#receipt-status")).to_contain_text("Đã ghi sổ")
    assert_accessible(page, "posted goods receipt with serialized labels")

    # … and prints its labels: one serial per tree.
    with page.expect_navigation():
        page.click("#serialized-labels")
    assert_accessible(page, "serialized labels, before issuing")
    with page.expect_navigation():
        page.click("#issue-serials")
    expect(page.locator("#serial-total")).to_contain_text("5")
    page.locator("#serials summary").click()
    screenshot(page, "serialized-labels-issued")
    assert_accessible(page, "serialized labels, issued")
    pdf_url = page.locator("form[action$='serials.pdf']").get_attribute("action")
    pdf = page.request.get(base + pdf_url + "?preset=3x8&start=1")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    sheet = pdfium.PdfDocument(pdf.body())[0].render(scale=200 / 72).to_pil()
    ARTIFACTS.mkdir(exist_ok=True)
    sheet.save(ARTIFACTS / "serialized-labels-sheet.png")
    labels = decode(sheet)
    assert len(labels) == 5
    serials = [SERIAL_URL.search(label).group(2) for label in labels]
    assert len(set(serials)) == 5 and all(SERIAL_URL.search(label).group(1) == gtin14 for label in labels)
    label = labels[0]

    # A cashier sells one tree by scanning its label.
    till = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
    log_in(till, base, "cashier")
    open_shift_if_needed(till, base)
    scan(till, label)
    expect(till.locator("#cart-lines")).to_contain_text(f"sê-ri {serials[0]}")
    expect(till.locator("#cart-lines input.qty")).to_be_disabled()
    screenshot(till, "till-serialized-unit")
    assert_accessible(till, "till with a serialized unit")
    till.keyboard.press("F4")
    till.keyboard.press("Enter")  # exact cash
    till.click("#complete")
    number = done_number(till)
    till.click("#done-next")
    sold = "SELECT sale_lines.serial FROM sale_lines JOIN sales ON sales.id = sale_lines.sale_id WHERE sales.number = ?"
    assert stored(live_server, sold, number) == [(serials[0],)]

    # A copy of that label at a second till is refused, saying where and when the tree was sold.
    second = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
    log_in(second, base, "manager")
    open_shift_if_needed(second, base)
    scan(second, label)
    expect(second.locator("#scan-message")).to_have_class("scan-message error")
    today = local_today().strftime("%d/%m/%Y")
    message = second.inner_text("#scan-message")
    assert f"Nhãn này đã bán ngày {today} tại {showroom}" in message and "nhãn sao chép" in message
    expect(second.locator("#cart-lines tr.empty")).to_have_count(1)  # nothing was added
    screenshot(second, "till-copied-label-refused")
    assert_accessible(second, "till refusing a copied label")

    # The shopper's phone opens the label: the page says where and when that tree was sold.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(label)
    assert "/p/01/" in phone.url
    section = phone.locator("#serial")
    expect(section).to_contain_text(f"Đã bán ngày {today} tại {showroom}")
    expect(section).to_contain_text(serials[0])
    assert number not in phone.content()  # no sale number, no buyer
    screenshot(phone, "shopper-serial-sold")
    assert_accessible(phone, "shopper's page of a sold serial")
    phone.goto(label.replace(serials[0], serials[1]) + "?lang=en")
    expect(phone.locator("#serial")).to_contain_text(f"In stock at {showroom}")
    never = next(s for s in ("23456789AB", "ZZZZZZZZZZ") if s not in serials)
    phone.goto(label.replace(serials[0], never))
    expect(phone.locator("#serial")).to_contain_text("CẢNH BÁO: số sê-ri này chưa từng được cấp")
    screenshot(phone, "shopper-serial-never-issued")
    assert_accessible(phone, "shopper's page of a serial never issued")

    # Central's suspect labels page (the manager of the network).
    central = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN").new_page()
    log_in(central, live_server["central_url"], "manager")
    central.goto(f"{live_server['central_url']}/central/labels/suspect")
    expect(central.locator("h1")).to_contain_text("Nhãn đáng ngờ")
    screenshot(central, "central-suspect-labels")
    assert_accessible(central, "central suspect labels")
    for context_page in (till, second, phone, central):
        context_page.context.close()
