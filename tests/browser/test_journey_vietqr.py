"""VietQR that confirms itself: the cashier chooses VietQR, payOS (a fake on loopback) makes the payment request,
payOS posts its signed webhook to central, and the till, which has no public address, and its customer display
show the money by themselves through the showroom's sync connection (how fast: bench/checkout.py, figure 5); one key
completes the sale, which names the bank's reference."""

import io

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, describe_violations, log_in, screenshot, stored
from tests.browser.test_journey_cashier import open_shift_if_needed, scan
from tests.fake_payos import ACCOUNT, webhook_body
from tests.test_labels import decode


def decoded_qr(page, selector: str) -> str:
    """The text of the QR an <img> on the page shows, fetched as that page's browser would (its cookies)."""
    url = page.evaluate("s => document.querySelector(s).src", selector)  # absolute
    answer = page.request.get(url)
    assert answer.ok, url
    (found,) = decode(Image.open(io.BytesIO(answer.body())))
    return found


def pair_display(page, display, base):
    display.goto(f"{base}/display", timeout=120_000)
    expect(display.locator("#d-waiting")).to_be_visible()
    code = display.inner_text("#d-code").replace(" ", "")
    page.click("#display-open")
    page.fill("#display-code", code)
    page.keyboard.press("Enter")
    expect(page.locator("#display-dialog")).not_to_be_visible()
    expect(display.locator("#d-idle")).to_be_visible(timeout=5000)


pytestmark = pytest.mark.browser


def test_a_vietqr_sale_confirmed_by_the_bank_through_central(live_server, browser, page):
    shopper = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    try:
        vietqr_sale_with_a_display(live_server, page, shopper.new_page())
    finally:
        shopper.close()


def vietqr_sale_with_a_display(live_server, page, display):
    base, payos = live_server["url"], live_server["payos"]
    [(account,)] = stored(live_server, "SELECT bank_account FROM showrooms WHERE code = 'TH'")
    log_in(page, base, "cashier")
    open_shift_if_needed(page, base)
    pair_display(page, display, base)
    scan(page, "XPT-VO")  # Xôi vò Phú Thượng, 45.000
    page.fill("#cart-lines input.qty", "3")
    page.keyboard.press("Enter")
    expect(page.locator("#t-total")).to_contain_text("135.000")
    page.click(".method[data-method=vietqr]")
    page.keyboard.press("Enter")  # the amount due, by VietQR
    page.wait_for_selector("#vietqr-dialog[open]")
    expect(page.locator("#vietqr-status")).to_contain_text("Đang chờ ngân hàng")
    request = payos.requests[-1]  # the payment request the showroom made for the sale
    number = page.inner_text("#vietqr-amount").split("·")[1].strip()
    assert request["amount"] == 135_000 and request["description"] == number.replace("-", " ")
    # The shopper's screen shows the QR payOS made, the one the till shows, not the showroom's own account's
    expect(display.locator("#d-qr-number")).to_have_text(number, timeout=5000)
    till_qr = decoded_qr(page, "#vietqr-image")
    assert ACCOUNT in till_qr and account not in till_qr
    assert decoded_qr(display, "#d-qr-image") == till_qr
    # axe-core's rules on the dialog (the cart's quantity boxes behind it carry only an aria-label, the till's own)
    assert not axe_violations(page), describe_violations(axe_violations(page))
    body = webhook_body(request["orderCode"], 135_000, request["description"], "FT25336777001", account=account)
    answer = requests.post(
        f"{live_server['central_url']}/api/v1/webhooks/payos",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert answer.status_code == 200
    # No reload, no key: the till and the display turn by themselves (the wait allows for a loaded CI machine)
    expect(page.locator("#vietqr-status")).to_contain_text(f"Đã nhận 135.000\u00a0₫ — {number}", timeout=15000)
    expect(display.locator("#d-paid-number")).to_have_text(number, timeout=15000)
    screenshot(display, "vietqr-display-received")
    screenshot(page, "vietqr-received")
    expect(page.locator("#vietqr-take")).to_be_focused()
    page.keyboard.press("Enter")  # one key: the sale completes
    page.wait_for_selector("#done-dialog[open]")
    assert number in page.inner_text("#done-title") and "135.000" in page.inner_text("#done-title")
    page.click("#done-next")
    page.goto(f"{base}/sales/{number}")
    assert "FT25336777001" in page.inner_text("#sale-transfers")
    expect(page.locator("#vietqr-confirmation")).to_have_text("VietQR do ngân hàng xác nhận")
    paid = "SELECT method, amount, reference FROM payments JOIN sales ON sales.id = payments.sale_id WHERE number = ?"
    assert stored(live_server, paid, number) == [("vietqr", 135_000, "FT25336777001")]
    page.goto(f"{base}/till")
    page.click("#display-open")  # the display is let go, as a cashier does at the end of the day
    page.click("#display-list button")
    page.click("#display-close")
