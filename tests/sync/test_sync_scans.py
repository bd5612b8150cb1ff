"""Label scans: shoppers' views of a product page reach central, beside units sold, once however often sent."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from pos.auth.service import create_user
from pos.core.clock import local_today
from pos.labels.scan_counts import count_scan
from pos.models import RemoteProduct, RemoteScanDaily
from pos.sync.client import CentralUnavailable
from pos.sync.scan_sender import push_scans
from pos.sync.sender import push_all
from tests.conftest import PASSWORD, login
from tests.sync.conftest import sell


def central_scans(central):
    return central.query(
        lambda session: {
            (day, sku): scans
            for day, sku, scans in session.execute(
                select(RemoteScanDaily.day, RemoteProduct.sku, RemoteScanDaily.scans).join(RemoteProduct)
            )
        }
    )


def test_scans_reach_central_as_totals_so_a_resend_never_counts_twice(app, db, users, shop, central, central_client):
    tea, flower, today = shop["tea"], shop["flower"], local_today()
    yesterday = today - timedelta(days=1)
    client = app.test_client()
    for _ in range(3):  # a shopper's phone opens the tea's label URL
        assert client.get(f"/01/{tea.gtin14}", follow_redirects=True).status_code == 200
    count_scan(flower.id, "", yesterday)
    count_scan(flower.id, "", yesterday)

    assert push_scans(central_client) == 2
    assert central_scans(central) == {(today, tea.sku): 3, (yesterday, flower.sku): 2}
    push_scans(central_client)  # nothing new: sent again, still the same totals
    assert central_scans(central) == {(today, tea.sku): 3, (yesterday, flower.sku): 2}

    client.get(f"/01/{tea.gtin14}", follow_redirects=True)
    client.get(f"/01/{tea.gtin14}", follow_redirects=True)
    assert push_scans(central_client) == 1  # only from the last day sent on
    assert central_scans(central)[(today, tea.sku)] == 5

    sell(users["cashier"], tea, 2)
    push_all(central_client)
    central.query(lambda session: create_user("boss", PASSWORD, "manager"))
    manager = central.app.test_client()
    login(manager, "boss")
    page = manager.get("/central/reports/products?preset=today&showroom=TH").get_data(as_text=True)
    table = page[page.index("<tbody") :]  # the table beneath the chart, which names the product too
    row = table[table.index(tea.name_vi) :].split("</tr>")[0]
    assert '<td class="num">2</td><td class="num">5</td>' in row  # 2 units sold beside 5 label scans
    export = manager.get("/central/reports/products?preset=today&showroom=TH&format=csv").get_data(as_text=True)
    header, first = (line.split(",") for line in export.lstrip("\ufeff").splitlines()[:2])
    assert first[header.index("Lượt quét nhãn")] == "5"  # the label scans column, in the page's language


def _scan_day(**product) -> list[dict]:
    """One day's counts of one product: a good one unless `product` spoils it."""
    good = {"sku": "X", "gtin": "", "name_vi": "x", "producer": "p", "producer_tax_code": "", "ocop_group": "food"}
    return [{"day": "2020-01-01", "products": [good | {"scans": 1} | product]}]


@pytest.mark.parametrize(
    "days, problem",
    [
        ([{"day": "2026-02-30", "products": []}], "days[0]"),
        (_scan_day(scans=-1), "days[0].products[0]"),
        (_scan_day(ocop_group="weapons"), "days[0].products[0]"),
    ],
)
def test_bad_scan_counts_are_refused_whole_and_store_nothing(app, central, central_client, days, problem):
    with pytest.raises(CentralUnavailable, match="422"):
        central_client.send_scans(days)
    assert central_scans(central) == {}
