"""The showroom's home page (pos/home): every figure links to the page it comes from, and reads the same there;
last week's figures are the same weekday's; the ratings count the revoked ones too; a cashier sees only what a
cashier may open."""

import re
import uuid
from datetime import timedelta
from html import unescape

import pytest

from pos.models import Sale


def text_of(html: str, element_id: str) -> str:
    """The text inside the element with this id (tags dropped, spaces squeezed)."""
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:td|div|span|a|dd)>', html, re.S)
    assert match, f"no #{element_id}"
    return " ".join(unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())


def figure_links(html: str) -> dict[str, tuple[str, str]]:
    """data-figure → (href, text) for every figure on the home page."""
    found = {}
    for match in re.finditer(r'<a [^>]*href="([^"]+)"[^>]*data-figure="([^"]+)"[^>]*>(.*?)</a>', html, re.S):
        href, key, text = match.groups()
        found[key] = (unescape(href), " ".join(unescape(re.sub(r"<[^>]+>", "", text)).split()))
    return found


def table_rows(html: str, table_id: str) -> int:
    body = re.search(rf'<table id="{table_id}".*?</table>', html, re.S).group(0)
    return len(re.findall(r"<tr(?: [^>]*)?>\s*<td(?! colspan)", body))


def sell(client, product_id, quantity, amount=5_000_000):
    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": product_id, "quantity": quantity}],
        "payments": [{"method": "cash", "amount": amount}],
    }
    response = client.post("/api/v1/sales", json=body)
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture
def morning(app, db, runner, users, cashier_client):
    """The demo showroom, an open shift, three sales today and one on the same weekday last week."""
    from pos.checkout.shifts import open_shift
    from pos.models import Product

    assert runner.invoke(args=["seed-demo", "--force"]).exit_code == 0
    open_shift(users["cashier"], 500_000)
    tea = db.session.query(Product).filter_by(sku="DLBV-DTC").one()
    scarf = db.session.query(Product).filter(Product.sku != "DLBV-DTC", Product.price > 100_000).first()
    sell(cashier_client, tea.id, 2)
    sell(cashier_client, tea.id, 1)
    sell(cashier_client, scarf.id, 1)
    old = sell(cashier_client, tea.id, 4)
    sale = db.session.query(Sale).filter_by(number=old["number"]).one()
    sale.created_at -= timedelta(days=7)
    db.session.commit()
    return {"tea": tea, "scarf": scarf}


def test_every_figure_reads_the_same_on_the_page_it_links_to(manager_client, morning):
    html = manager_client.get("/home").get_data(as_text=True)
    links = figure_links(html)
    source_ids = {"revenue": "revenue", "sales": "sales-count", "average": "average-basket", "units": "units"}
    assert set(links) == {*source_ids, *(f"{key}-last-week" for key in source_ids)}
    for key, element_id in source_ids.items():
        for figure in (key, f"{key}-last-week"):
            href, shown = links[figure]
            page = manager_client.get(href)
            assert page.status_code == 200, href
            assert shown.endswith(text_of(page.get_data(as_text=True), element_id)), (figure, shown, href)
    assert links["sales-last-week"][1].endswith(": 1") and links["units-last-week"][1].endswith(": 4")  # its weekday

    shift_page = manager_client.get("/shift").get_data(as_text=True)
    assert text_of(html, "home-expected-cash") == text_of(shift_page, "expected-cash")
    assert text_of(html, "home-shift-sales") == text_of(shift_page, "shift-sales-count") == "4"

    low = manager_client.get("/inventory/low-stock").get_data(as_text=True)
    assert int(text_of(html, "low-stock-count")) == table_rows(low, "low-stock")
    expiring = manager_client.get("/inventory/expiring").get_data(as_text=True)
    assert int(text_of(html, "expiring-count")) == table_rows(expiring, "expiring") > 0

    for status in ("expiring", "expired", "revoked"):
        products = manager_client.get(f"/catalog/products?status={status}").get_data(as_text=True)
        total = re.search(r'class="pager-total">([\d.]+)<', products).group(1)
        assert text_of(html, f"ratings-{status}").split()[0] == total, status
    assert text_of(html, "ratings-revoked").split()[0] != "0"  # the demo's revoked rating is not left out

    sync = manager_client.get("/sync").get_data(as_text=True)
    assert text_of(html, "sync-pending") == text_of(sync, "pending")


def test_a_managers_start_is_the_home_page_in_both_languages(manager_client, morning):
    assert manager_client.get("/").headers["Location"].endswith("/home")
    english = manager_client.get("/home?lang=en").get_data(as_text=True)
    assert "Top products today" in english and morning["tea"].name_vi in english and "Average sale" in english
    assert 'aria-current="page"' in english and ">Overview<" in english


def test_a_cashier_sees_the_shift_but_nothing_a_cashier_may_not_open(cashier_client, morning):
    html = cashier_client.get("/home").get_data(as_text=True)
    assert text_of(html, "home-shift-sales") == "4"
    for link in re.findall(r'href="(/[^"?#]*)', html):
        if link.startswith("/static"):
            continue
        assert cashier_client.get(link).status_code in (200, 302), link
    assert "kpi-revenue" not in html and "home-low-stock" not in html and "home-sync" not in html
    assert cashier_client.get("/").headers["Location"].endswith("/till")


def test_a_day_that_does_not_match_central_shows_and_central_is_asked_once_a_while(app, manager_client, monkeypatch):
    from pos.core.clock import local_today
    from pos.home import service
    from pos.sync.reconcile import DayCheck

    app.config.update(CENTRAL_URL="http://central.invalid", SYNC_SECRET="s" * 32)
    today = local_today()
    ours = {"sales_count": 2, "sales_total": 100_000, "returns_count": 0, "returns_total": 0}
    asked = []

    def recent_days(days):
        asked.append(days)
        return [DayCheck(today, ours, ours), DayCheck(today - timedelta(days=1), ours, ours | {"sales_count": 1})]

    monkeypatch.setattr(service, "recent_days", recent_days)
    html = manager_client.get("/home").get_data(as_text=True)
    shown = " ".join(re.sub(r"<[^>]+>", "", re.search(r'id="sync-days">(.*?)</dd>', html, re.S).group(1)).split())
    assert "không khớp với trung tâm" in shown and (today - timedelta(days=1)).strftime("%d/%m/%Y") in shown
    assert 'href="/sync#reconcile"' in html
    manager_client.get("/home")
    assert asked == [7]  # the second visit reads what central said a moment ago
