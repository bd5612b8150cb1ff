"""The top bar (pos/core/navigation.py, base.html, static/js/nav.js): one row at 1366 px for every role, only what
the role may open, the current page marked, menus that open with the keyboard, and on a phone a menu that folds
behind one button and opens again; axe-core passes in each state."""

import pytest

from tests.browser.conftest import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.browser

SHOWROOM_ROLES = ("cashier", "manager", "admin")


def bar_rows(page) -> int:
    """How many rows the bar's entries and the user box take (their distinct tops)."""
    tops = page.eval_on_selector_all(
        ".navbar > li, .brand, .userbox",
        "items => items.map(el => Math.round(el.getBoundingClientRect().top + el.getBoundingClientRect().height / 2))",
    )
    rows = []
    for top in sorted(tops):
        if not rows or top - rows[-1] > 12:
            rows.append(top)
    return len(rows)


def nav_links(page) -> list[str]:
    return page.eval_on_selector_all("#mainnav a", "links => links.map(a => a.getAttribute('href'))")


@pytest.mark.parametrize("role", SHOWROOM_ROLES)
def test_the_bar_is_one_row_and_offers_only_what_the_role_may_open(live_server, page, role):
    base = live_server["url"]
    log_in(page, base, role)
    page.goto(f"{base}/shift")
    assert bar_rows(page) == 1, f"{role}: the bar wraps"
    links = nav_links(page)
    assert len(links) >= 4
    for href in links:  # every entry opens for this role (no 403 behind a link)
        response = page.request.get(base + href, max_redirects=0)
        assert response.status == 200, f"{role}: {href} gives {response.status}"
    if role == "cashier":
        assert page.locator(".navgroup").count() == 0  # four entries stand in the bar as they are
        assert not any(href.startswith("/inventory") for href in links)
    else:
        assert page.locator(".navgroup").count() >= 3
        screenshot(page, f"nav-1366-{role}")
    assert_accessible(page, f"the bar ({role})")


@pytest.mark.parametrize("role", ("manager", "admin"))
def test_the_central_bar_is_one_row(live_server, page, role):
    base = live_server["central_url"]
    log_in(page, base, role)
    page.goto(f"{base}/central/showrooms")
    assert bar_rows(page) == 1
    assert page.locator("#mainnav a[aria-current=page]").inner_text() in ("Điểm bán", "Showrooms")


def test_the_current_page_is_marked_and_a_menu_works_with_the_keyboard(live_server, page):
    base = live_server["url"]
    log_in(page, base, "manager")
    page.goto(f"{base}/inventory/low-stock")
    current = page.locator("#mainnav [aria-current=page]")
    assert current.count() == 1 and current.inner_text() == "Sắp hết hàng"
    stock_menu = page.locator(".navgroup.current")
    button = stock_menu.locator(".navgroup-button")
    assert button.inner_text().strip() == "Kho"
    assert button.get_attribute("aria-expanded") == "false" and not current.is_visible()

    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "true" and current.is_visible()
    assert_accessible(page, "the bar with the stock menu open")
    screenshot(page, "nav-1366-menu-open")
    page.keyboard.press("Tab")  # into the menu's first entry
    assert page.evaluate("document.activeElement.closest('.navmenu') !== null")
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('navgroup-button')")

    page.keyboard.press("ArrowDown")  # opens and steps into the list
    assert page.evaluate("document.activeElement.textContent.trim()") == "Tồn kho"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/inventory/")
    assert page.locator("#mainnav [aria-current=page]").inner_text() == "Tồn kho"

    # Another menu: opening it closes the first; a click elsewhere closes it.
    page.locator(".navgroup-button", has_text="Danh mục").click()
    page.locator(".navgroup-button", has_text="Kho").click()
    assert page.locator(".navgroup-button[aria-expanded=true]").count() == 1
    page.locator("h1").click()
    assert page.locator(".navgroup-button[aria-expanded=true]").count() == 0


def test_on_a_phone_the_menu_folds_and_opens(live_server, browser):
    base = live_server["url"]
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="vi-VN")
    page = context.new_page()
    try:
        log_in(page, base, "manager")
        page.goto(f"{base}/inventory/receipts")
        toggle = page.locator("#nav-toggle")
        assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
        assert not page.locator("#mainnav").is_visible()
        assert page.evaluate("document.querySelector('.topbar').scrollWidth") <= 375  # the bar fits the phone
        assert_accessible(page, "the folded bar on a phone")
        screenshot(page, "nav-375-folded")

        toggle.focus()
        page.keyboard.press("Enter")
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator("#mainnav").is_visible()
        stock = page.locator(".navgroup-button", has_text="Kho")
        stock.click()
        assert page.locator("#mainnav [aria-current=page]").is_visible()
        assert_accessible(page, "the open menu on a phone")
        screenshot(page, "nav-375-open")
        with page.expect_navigation():
            page.locator("#mainnav a", has_text="Sắp hết hàng").click()
        assert page.url.endswith("/inventory/low-stock")
        assert not page.locator("#mainnav").is_visible()  # folded again on the new page
    finally:
        context.close()
