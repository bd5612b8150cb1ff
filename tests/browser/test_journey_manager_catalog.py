"""A manager logs in, searches the catalog without diacritics, and switches the UI to English."""

import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_manager_finds_a_product_by_a_plain_search_and_switches_language(live_server, page):
    base = live_server["url"]
    log_in(page, base, "manager")
    assert page.locator("h1").first.inner_text().startswith("Chào buổi sáng")  # the morning page
    page.get_by_role("button", name="Danh mục").click()  # the catalog's menu
    page.get_by_role("link", name="Sản phẩm").click()
    page.fill("input[name=q]", "che sen")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rows = page.locator("tbody tr")
    assert "Chè Sen Quảng An" in rows.first.inner_text()
    assert "350.000" in page.content()
    screenshot(page, "manager-catalog-search-vi")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("h1").first.inner_text() == "Products"
    assert "Chè Sen Quảng An" in page.content()
    screenshot(page, "manager-catalog-search-en")
