"""The shop manager's own reports add up to the sales recorded, and work without central."""

import uuid


def test_today_report_matches_the_sales_and_refunds(cashier_client, manager_client, shop):
    totals = []
    for quantity in (1, 2):
        body = {
            "uuid": str(uuid.uuid4()),
            "lines": [
                {"product_id": shop["tea"].id, "quantity": quantity},
                {"product_id": shop["flower"].id, "quantity": 1},
            ],
            "payments": [{"method": "cash", "amount": 2_000_000}],
        }
        totals.append(cashier_client.post("/api/v1/sales", json=body).get_json()["total"])
    page = manager_client.get("/reports/").get_data(as_text=True)
    revenue = f"{sum(totals):,}".replace(",", ".")
    assert revenue in page and "Chè Sen Quảng An" in page and "Hoa đào Nhật Tân" in page
    assert f'<td>Tiền mặt</td><td class="num">{revenue}' in page  # payments by method, in words
    csv_text = manager_client.get("/reports/?format=csv").get_data(as_text=True)
    rows = [line.split(",") for line in csv_text.strip().splitlines()[1:]]
    assert sum(int(r[4]) for r in rows) == sum(totals)
    assert sum(int(r[3]) for r in rows) == 3 + 2


def test_a_bad_day_is_a_clear_message(manager_client):
    response = manager_client.get("/reports/?day=2026-13-45")
    assert response.status_code == 422
    assert "<strong>day</strong>: not a date" in response.get_data(as_text=True)


def test_gross_profit_is_revenue_less_average_cost_and_the_commission_on_consigned_goods(
    app, users, manager_client, shop
):
    """Tea (owned) was received at 200.000 then 260.000 ₫: its weighted-average cost 230.000 ₫; a consigned scarf
    at a 20 % commission; a product never received at a cost has no profit to show."""
    import re

    from pos.checkout.sales import record_sale
    from tests.conftest import make_product, stock
    from tests.test_inventory_consignment import receive

    stock(shop["tea"], 10, lot="L2", cost=260_000)  # 10 at 200.000 + 10 at 260.000: 230.000 on average
    scarf = make_product(sku="KHAN-1", name_vi="Khăn lụa Vạn Phúc", price=333_333, vat_rate=8)
    receive(scarf, users["manager"], 5, rate=20)
    free = make_product(sku="MAU-1", name_vi="Hàng mẫu", price=10_000, vat_rate=8)
    stock(free, 2, cost=None)

    def sell(lines):
        body = {"uuid": str(uuid.uuid4()), "lines": lines, "payments": [{"method": "cash", "amount": 10_000_000}]}
        record_sale(body, users["cashier"])

    sell([{"product_id": shop["tea"].id, "quantity": 3}, {"product_id": scarf.id, "quantity": 2}])
    sell([{"product_id": shop["tea"].id, "quantity": 1}, {"product_id": free.id, "quantity": 1}])

    tea_profit = 4 * 350_000 - 4 * 230_000  # 480.000
    scarf_commission = (2 * 333_333 * 20 + 50) // 100  # 133.333 (half up)
    page = manager_client.get("/reports/").get_data(as_text=True)

    def cell(sku):
        row = re.search(rf"<tr><td>{sku}</td>.*?</tr>", page, re.S).group(0)
        return re.findall(r'<td class="num">(.*?)</td>', row, re.S)[-1].strip()

    assert cell(shop["tea"].sku) == "480.000\u00a0₫"
    assert cell("KHAN-1") == "133.333\u00a0₫"
    assert "—" in cell("MAU-1")  # no cost on record: nothing made up
    total = f"{tea_profit + scarf_commission:,}".replace(",", ".") + "\u00a0₫"
    assert f'id="total-gross-profit">{total}<' in page and f'id="gross-profit">{total}<' in page
    assert 'id="cash-rounding"' in page
    csv_text = manager_client.get("/reports/?format=csv").get_data(as_text=True)
    csv_rows = [line.split(",") for line in csv_text.strip().splitlines()]
    assert {row[0]: row[-1] for row in csv_rows[1:]} == {
        shop["tea"].sku: str(tea_profit),
        "KHAN-1": str(scarf_commission),
        "MAU-1": "",
    }
