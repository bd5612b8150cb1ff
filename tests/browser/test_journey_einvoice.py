"""A sale with the buyer's details for the e-invoice: parked with its cart and back on resuming it, refused field by
field when wrong, then issued with the sale, its number and tax-authority code on the finished sale and on the
buyer's receipt page; sent by `flask einvoice send` to a fake VNPT on loopback, and listed as sent on the day's
e-invoices page a manager sees."""

import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from pos.einvoice.fake_provider import FakeVnpt
from tests.browser.conftest import assert_accessible, log_in, screenshot
from tests.browser.test_journey_cashier import open_shift_if_needed, scan
from tests.servers import flask_cli

pytestmark = pytest.mark.browser

YY = f"{datetime.now(ZoneInfo('Asia/Ho_Chi_Minh')).year % 100:02d}"


def _set_einvoicing(database, enabled: bool) -> None:
    """Settings as an admin saves them on /admin/einvoice (which also wants the provider's credentials in the
    server's environment, which this shared server has not)."""
    conn = sqlite3.connect(database)
    conn.execute(
        "INSERT OR REPLACE INTO einvoice_settings (id, enabled, seller_tax_code, seller_name, seller_address, form,"
        " symbol, block, provider, spec_version, updated_at) VALUES (1, ?, '0101234567', 'HTX Nông sản Tây Hồ',"
        " '12 Quảng An, Tây Hồ, Hà Nội', '1', ?, 'A1B2C', 'vnpt', '2.1.0', ?)",
        (int(enabled), f"C{YY}MTH", datetime.now(UTC).replace(tzinfo=None).isoformat(" ")),
    )
    conn.commit()
    conn.close()


def test_a_sale_with_buyer_details_issues_the_invoice_the_receipt_shows(live_server, page):
    base, database = live_server["url"], live_server["database"]
    _set_einvoicing(database, True)
    try:
        log_in(page, base, "admin")
        page.goto(f"{base}/admin/einvoice")
        expect(page.locator("#einvoice-state")).to_contain_text("Đang bật")
        assert page.input_value("input[name=symbol]") == f"C{YY}MTH"
        page.context.clear_cookies()
        log_in(page, base, "cashier")
        open_shift_if_needed(page, base)
        page.click("#buyer-details summary")  # the buyer asks for an invoice in their company's name
        page.fill("#buyer-name", "Công ty TNHH Sen Vàng")
        page.fill("#buyer-tax_code", "03123")
        page.fill("#buyer-address", "1 Lê Lợi, Quận 1, TP HCM")
        assert_accessible(page, "till with the buyer's details")
        page.click("#scan")
        scan(page, "CLV-200")  # Cốm Làng Vòng, 60.000
        expect(page.locator("#t-total")).to_contain_text("60.000")
        page.click("#park")  # the buyer steps aside: the cart and the details they gave are parked together
        expect(page.locator("#buyer-name")).to_have_value("")
        page.click("#resume")
        page.click("#parked-list button")
        expect(page.locator("#buyer-name")).to_have_value("Công ty TNHH Sen Vàng")
        expect(page.locator("#buyer-address")).to_have_value("1 Lê Lợi, Quận 1, TP HCM")
        expect(page.locator("#t-total")).to_contain_text("60.000")
        page.click(".method[data-method=cash]")
        page.fill("#pay-amount", "100000")
        page.keyboard.press("Enter")
        page.click("#complete")
        expect(page.locator("#buyer-tax_code")).to_have_attribute("aria-invalid", "true")  # refused, nothing sold
        assert "Mã số thuế người mua" in page.inner_text("#scan-message")
        page.fill("#buyer-tax_code", "0312345678")
        page.click("#complete")
        page.wait_for_selector("#done-dialog[open]")
        issued = page.inner_text("#done-einvoice")
        assert f"1C{YY}MTH" in issued and f"M1-{YY}-A1B2C-" in issued
        screenshot(page, "till-einvoice-issued")
        number = page.inner_text("#done-title").split("·")[1].strip()
        page.click("#done-next")
        expect(page.locator("#buyer-name")).to_have_value("")  # the next customer starts without them

        conn = sqlite3.connect(database)
        lookup, code, buyer, sales_with_number = conn.execute(
            "SELECT s.lookup_code, e.authority_code, e.buyer_name,"
            " (SELECT count(*) FROM sales WHERE number = s.number) FROM sales s JOIN einvoices e ON e.sale_id = s.id"
            " WHERE s.number = ?",
            (number,),
        ).fetchone()
        conn.close()
        assert buyer == "Công ty TNHH Sen Vàng" and sales_with_number == 1 and code in issued
        page.goto(f"{base}/r/{lookup}")  # what the QR code on the receipt opens
        receipt = page.inner_text("main")
        for expected in (code, f"1C{YY}MTH", "Công ty TNHH Sen Vàng", "0312345678", "Sáu mươi nghìn đồng"):
            assert expected in receipt
        assert_accessible(page, "the buyer's receipt with its e-invoice")

        # the sender takes it to the provider (here a fake VNPT on loopback), and the day's page shows it sent
        fake = FakeVnpt().serve()
        try:
            sender_env = live_server["env"] | {
                "EINVOICE_URL": fake.url,
                "EINVOICE_ACCOUNT": "fake-account",
                "EINVOICE_ACPASS": "fake-acpass",
                "EINVOICE_USERNAME": "fake-user",
                "EINVOICE_PASSWORD": "fake-pass",
            }
            page.context.clear_cookies()
            log_in(page, base, "manager")
            page.goto(f"{base}/einvoices")
            row = page.locator("#einvoices tr", has_text=code)
            expect(row).to_have_attribute("data-status", "pending")
            sent = flask_cli(sender_env, "einvoice", "send")
            assert "refused 0, to retry 0" in sent.stdout
            held = [stored for stored in fake.fake.invoices.values() if stored.code == code]
            assert len(held) == 1 and b"S\xc3\xa1u m\xc6\xb0\xc6\xa1i ngh\xc3\xacn" in held[0].xml
        finally:
            fake.stop()
        page.reload()
        expect(row).to_have_attribute("data-status", "sent")
        expect(row).to_contain_text("Công ty TNHH Sen Vàng")
        expect(row).to_contain_text("60.000")
        today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y")
        expect(page.locator("h1")).to_contain_text(today)
        assert_accessible(page, "the day's e-invoices")
        screenshot(page, "einvoices-day-sent")
        page.click("#einvoices a[href*='/einvoices/']")
        expect(page.locator("#invoice-status")).to_contain_text("đã gửi")
        assert_accessible(page, "one e-invoice")

        # had the provider refused it: the manager corrects the buyer's details and sends it again
        conn = sqlite3.connect(database)
        conn.execute(
            "UPDATE einvoices SET status = 'refused', last_error = 'the seller''s details are longer"
            " than allowed (ERR22)' WHERE authority_code = ?",
            (code,),
        )
        conn.commit()
        conn.close()
        page.reload()
        expect(page.locator("#invoice-reason")).to_contain_text("ERR22")
        page.fill("input[name=buyer_phone]", "0912 345 678")
        assert_accessible(page, "a refused e-invoice's correction form")
        screenshot(page, "einvoice-refused-correction")
        page.click("form[action$='send-again'] button[type=submit]")
        expect(page.locator(".flash-success")).to_be_visible()
        expect(page.locator("#einvoices tr", has_text=code)).to_have_attribute("data-status", "pending")
        fake = FakeVnpt().serve()
        try:
            flask_cli(sender_env | {"EINVOICE_URL": fake.url}, "einvoice", "send")
            resent = [stored for stored in fake.fake.invoices.values() if stored.code == code]
            assert len(resent) == 1 and b"<SDThoai>0912345678</SDThoai>" in resent[0].xml
        finally:
            fake.stop()
        page.reload()
        expect(page.locator("#einvoices tr", has_text=code)).to_have_attribute("data-status", "sent")
    finally:
        _set_einvoicing(database, False)  # the other journeys' sales stay without invoices
