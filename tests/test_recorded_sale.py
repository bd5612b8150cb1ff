"""One value per recorded sale: what the writer answers is what a later reader rebuilds from the stored rows, its
payload is the outbox row central receives, and its JSON is what the API answers."""

import json
import uuid

from sqlalchemy import select

from pos.checkout.recorded import RecordedSale, find_recorded
from pos.checkout.sales import record_sale
from pos.core.money import round_half_up_div
from pos.models import OutboxEntry, Sale
from tests.conftest import make_product
from tests.test_inventory_consignment import receive


def test_the_written_sale_is_the_one_read_back_its_payload_the_outbox_row_and_its_json_the_api_answer(
    app, cashier_client, shop, users, db
):
    scarf = make_product(sku="LVP-KHAN", name_vi="Khăn lụa Vạn Phúc", price=350_000, vat_rate=8)
    receive(scarf, users["manager"], 3, rate=20, lot="KG1")  # consigned: a commission on each scarf sold
    receive(scarf, users["manager"], 1, consigned=False, lot="KG2")
    tea = shop["tea"]
    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [
            {"product_id": scarf.id, "quantity": 2, "discount": {"kind": "amount", "value": 1_001}},
            {"product_id": tea.id, "quantity": 1},
            {"product_id": scarf.id, "quantity": 2},  # the last consigned scarf and the bought one
        ],
        "discount": {"kind": "percent", "value": 3},
        "payments": [
            {"method": "card", "amount": 100_000, "reference": "T-1"},
            {"method": "cash", "amount": 2_000_000},
        ],
    }
    written, created = record_sale(body, users["cashier"])
    assert created

    stored = db.session.scalar(select(Sale).where(Sale.uuid == body["uuid"]))
    assert RecordedSale.of(stored) == written == find_recorded(body["uuid"])
    first, _, last = written.lines  # 20 % of the consigned amounts: line 3 had one consigned scarf of its two
    twenty_percent = [round_half_up_div(first.amount * 20, 100), 0, round_half_up_div(last.amount // 2 * 20, 100)]
    assert [line.commission for line in written.lines] == twenty_percent
    assert [line.consignment for line in written.lines] == [True, False, True]

    entry = db.session.scalar(select(OutboxEntry).where(OutboxEntry.uuid == body["uuid"]))
    sent = json.loads(entry.payload)
    assert {k: sent.pop(k) for k in ("version", "kind", "showroom")} == {"version": 1, "kind": "sale", "showroom": "TH"}
    assert json.dumps(sent, ensure_ascii=False) == json.dumps(written.to_payload(), ensure_ascii=False)
    assert sent["lines"][0]["producer"] == scarf.producer.name and sent["cashier"] == "cashier"

    answer = cashier_client.get(f"/api/v1/sales/{body['uuid']}").get_json()
    with app.test_request_context():
        assert answer == json.loads(json.dumps(written.to_json()))
    assert answer["paid"] == written.total + written.cash_rounding == sum(p.amount for p in written.payments)
    assert answer["receipt_url"].endswith(f"/r/{written.lookup_code}")
