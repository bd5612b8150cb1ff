"""Journey: a central manager's month review. The reports open on the last 30 days against the 30 before; the
manager reads the revenue chart, goes to the producers, opens one producer's products, drills into a product
(its sales per day and showroom, paged) and downloads the producer's products as XLSX to hand on. Every page
passes axe-core and fits 1366 px without a sideways scroll; screenshots in test-artifacts/."""

import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from pos.core.clock import local_today
from tests.browser.conftest import assert_accessible, log_in, screenshot

pytestmark = pytest.mark.browser


def fits_the_window(page) -> None:
    """No sideways scroll: not the page, not a table inside its box."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " [...document.querySelectorAll('table')].filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)"
        ".map(t => t.id || t.className)]"
    )
    assert widths[0] <= widths[1] and widths[2] == [], f"{page.url} scrolls sideways: {widths}"


def test_a_central_manager_reviews_the_month(live_server, browser):
    central = live_server["central_url"]
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN", accept_downloads=True)
    page = page.new_page()
    log_in(page, central, "manager")

    # The default period: the last 30 days, compared with the 30 before.
    page.goto(f"{central}/central/reports")
    today = local_today()
    start, before = today - timedelta(days=29), today - timedelta(days=59)
    expect(page.locator(".period-line")).to_contain_text(f"30 ngày qua: {start:%d/%m/%Y} – {today:%d/%m/%Y}")
    expect(page.locator(".period-line")).to_contain_text(
        f"so với {before:%d/%m/%Y} – {start - timedelta(days=1):%d/%m/%Y}"
    )
    expect(page.locator("#revenue")).to_contain_text("₫")
    chart = page.locator("#chart svg")
    expect(chart.locator("text.tick")).not_to_have_count(0)  # a value axis
    expect(chart.locator("line.grid")).not_to_have_count(0)  # gridlines
    expect(chart.locator("g.bar")).to_have_count(30)  # a bar a day
    first_label = chart.locator("g.bar text").first.bounding_box()
    assert first_label["x"] >= chart.bounding_box()["x"]  # the first date is not clipped
    assert chart.locator("g.bar title").first.text_content().endswith("₫")  # its figure on hover
    page.locator("#chart summary").click()
    expect(page.locator("#chart table tbody tr")).to_have_count(30)  # and the figures in a table beneath
    assert_accessible(page, "overview")
    fits_the_window(page)
    screenshot(page, "central-month-1-overview")

    # The producers, with their own chart; the payable column is on screen.
    page.get_by_role("link", name="Chủ thể OCOP", exact=True).last.click()
    expect(page.locator("h1")).to_have_text("Doanh số theo chủ thể")
    expect(page.locator("#ranking svg g.bar")).not_to_have_count(0)
    payable = page.get_by_role("columnheader", name="Phải trả chủ thể")
    expect(payable).to_be_visible()
    assert payable.bounding_box()["x"] + payable.bounding_box()["width"] <= 1366
    assert_accessible(page, "producers")
    fits_the_window(page)
    screenshot(page, "central-month-2-producers")

    # One producer's products: the producer's row links to them.
    first = page.locator("#report tbody tr").first.locator("a")
    producer = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_have_text("Doanh số theo sản phẩm")
    expect(page.locator("select[name=producer]")).to_have_value(producer)
    rows = page.locator("#report tbody tr")
    expect(rows).not_to_have_count(0)
    assert_accessible(page, "a producer's products")
    fits_the_window(page)
    screenshot(page, "central-month-3-producer-products")

    # The product drill-down: per day and showroom, showrooms by name, paged.
    product_page = page.url
    rows.first.locator("a").click()
    expect(page.locator("#by-day thead")).to_contain_text("Điểm bán")
    expect(page.locator("#by-showroom tbody tr").first.locator("td").first).to_contain_text("Điểm bán OCOP")
    assert page.locator("#by-day tbody tr").count() <= 31
    assert_accessible(page, "product drill-down")
    fits_the_window(page)
    screenshot(page, "central-month-4-product")

    # The producer's products as XLSX: a title block, the producer in the filters, totals.
    page.goto(product_page)
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    data = download.value.path().read_bytes()
    sheet = load_workbook(io.BytesIO(data)).active
    values = [row for row in sheet.values if any(v is not None for v in row)]
    assert values[0][0] == "Doanh số theo sản phẩm"
    assert f"Kỳ: {start:%d/%m/%Y} – {today:%d/%m/%Y}" in [row[0] for row in values[:6]]
    assert any(str(row[0]).startswith("Bộ lọc: ") and producer in row[0] for row in values[:6])
    header = next(n for n, row in enumerate(values) if row[0] == "Sản phẩm")
    assert values[-1][0] == "Tổng cộng"
    assert sum(row[6] for row in values[header + 1 : -1]) == values[-1][6]
    page.context.close()
