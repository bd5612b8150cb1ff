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
    assert sum(int(r[-1]) for r in rows) == sum(totals)
    assert sum(int(r[-2]) for r in rows) == 3 + 2


def test_a_bad_day_is_a_clear_message(manager_client):
    response = manager_client.get("/reports/?day=2026-13-45")
    assert response.status_code == 422
    assert "<strong>day</strong>: not a date" in response.get_data(as_text=True)
