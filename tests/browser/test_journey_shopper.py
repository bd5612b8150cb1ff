"""Journey 3: a shopper on a phone opens a QR label's URL, in Vietnamese and in English;
an expired rating is shown as expired, never as valid stars."""

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    yield context.new_page()
    context.close()


def test_shopper_sees_the_star_rating_in_both_languages(live_server, phone):
    base = live_server["url"]
    phone.goto(f"{base}/01/08936012340013")  # Chè Sen Quảng An, 4★ valid
    text = phone.inner_text("body")
    assert "Chè Sen Quảng An" in text and "★★★★☆" in text and "4 sao OCOP" in text
    assert "Hợp tác xã Chè Sen Quảng An" in text
    screenshot(phone, "journey3-shopper-vi")
    phone.get_by_role("link", name="English").click()
    phone.wait_for_load_state()
    assert "lang=en" in phone.url
    text = phone.inner_text("body")
    assert "4-star OCOP" in text or "4 stars" in text or "4★" in text
    screenshot(phone, "journey3-shopper-en")


def test_an_expired_rating_is_shown_as_expired(live_server, phone):
    base = live_server["url"]
    phone.goto(f"{base}/01/{expired_gtin(live_server)}")
    text = phone.inner_text("body")
    assert "HẾT HẠN" in text.upper()
    assert "★★★☆☆" not in text  # the 3 stars it once had are not shown as valid stars
    screenshot(phone, "journey3-shopper-expired")


def expired_gtin(live_server) -> str:
    import sqlite3

    conn = sqlite3.connect(live_server["database"])
    gtin = conn.execute("SELECT gtin14 FROM products WHERE sku = 'XPT-XEO'").fetchone()[0]  # rated 40 months ago
    conn.close()
    return gtin
