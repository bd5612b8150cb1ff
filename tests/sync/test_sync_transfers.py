"""A webhook at central reaching the showroom's till through sync: central stores the transfer (the showroom has
no public address), the till's wait takes it over the signed sync client, within the same poll."""

import json
import uuid

import requests
from sqlalchemy import func, select

from pos.central.registry import add_showroom
from pos.core.database import atomic
from pos.models import BankTransfer, Showroom
from pos.payments import transfers
from tests import fake_payos
from tests.fake_payos import webhook_body

SEPAY_KEY = "sepay-central-key-0123456789"


def prepare(app, db, central):
    central.app.config.update(
        VIETQR_PROVIDER="sepay", SEPAY_API_KEY=SEPAY_KEY, PAYOS_CHECKSUM_KEY=fake_payos.CHECKSUM_KEY
    )
    with central.app.app_context():
        add_showroom("HK02", "Hoàn Kiếm", secret="h" * 40)
    with atomic():
        db.session.add(Showroom(code="TH", name="Tây Hồ", bank_bin="970422", bank_account=fake_payos.ACCOUNT))
    app.config.update(VIETQR_PROVIDER="sepay")
    transfers._last_pull["at"] = 0.0  # no answer kept from another test


def sepay_to_central(central, content, amount, txn_id, account=fake_payos.ACCOUNT):
    body = {
        "id": txn_id,
        "gateway": "MBBank",
        "transactionDate": "2026-12-02 10:15:00",
        "accountNumber": account,
        "content": content,
        "transferType": "in",
        "transferAmount": amount,
        "referenceCode": f"FT{txn_id}",
    }
    return requests.post(
        f"{central.url}/api/v1/webhooks/sepay", json=body, headers={"Authorization": f"Apikey {SEPAY_KEY}"}, timeout=5
    )


def test_a_webhook_at_central_reaches_the_showroom_till_through_sync(app, db, central, cashier_client, shop):
    prepare(app, db, central)
    sale_uuid = str(uuid.uuid4())
    qr = cashier_client.post(f"/api/v1/sales/{sale_uuid}/vietqr", json={"amount": 455_000}).get_json()
    waiting = cashier_client.get(f"/api/v1/sales/{sale_uuid}/vietqr").get_json()
    assert waiting["link"] == "ok" and waiting["received"] == 0
    content = f"MBVCB.1234.NGUYEN VAN A ck {qr['number'].replace('-', ' ').lower()}"
    assert sepay_to_central(central, content, 455_000, 9001).status_code == 200
    assert sepay_to_central(central, content, 455_000, 9001).status_code == 200  # repeated: stored once
    assert sepay_to_central(central, "HK02 20261202 0001", 99_000, 9002).status_code == 200  # another showroom's
    assert sepay_to_central(central, "chuyen tien", 120_000, 9003).status_code == 200  # no number, our account
    assert sepay_to_central(central, "chuyen tien", 130_000, 9004, account="555").status_code == 200  # neither
    assert central.query(lambda s: s.scalar(select(func.count()).select_from(BankTransfer))) == 4
    transfers._last_pull["at"] = 0.0
    waiting = cashier_client.get(f"/api/v1/sales/{sale_uuid}/vietqr").get_json()  # this poll pulls from central
    assert waiting["received"] == 455_000 and waiting["transfers"][0]["reference"] == "9001"
    assert [t["reference"] for t in waiting["unmatched"]] == ["9003"]  # ours by the account, matching no sale
    stored = db.session.scalars(select(BankTransfer.provider_ref).order_by(BankTransfer.id)).all()
    assert stored == ["9001", "9003"]  # nothing of HK02's, nor of the unknown account
    # Taken once: central's answer starts after what the showroom already has.
    transfers._last_pull["at"] = 0.0
    cashier_client.get(f"/api/v1/sales/{sale_uuid}/vietqr")
    assert db.session.scalar(select(func.count()).select_from(BankTransfer)) == 2


def test_a_payos_webhook_at_central_is_verified_and_routed_by_its_content(app, db, central, cashier_client, shop):
    prepare(app, db, central)
    sale_uuid = str(uuid.uuid4())
    qr = cashier_client.post(f"/api/v1/sales/{sale_uuid}/vietqr", json={"amount": 200_000}).get_json()
    body = webhook_body(123, 200_000, qr["number"].replace("-", " "), "FT-PAYOS-1")
    bad = webhook_body(123, 200_000, qr["number"].replace("-", " "), "FT-PAYOS-2", key="not-the-key")
    headers = {"Content-Type": "application/json"}
    assert (
        requests.post(f"{central.url}/api/v1/webhooks/payos", data=bad, headers=headers, timeout=5).status_code == 401
    )
    assert (
        requests.post(f"{central.url}/api/v1/webhooks/payos", data=body, headers=headers, timeout=5).status_code == 200
    )
    rows = central.query(lambda s: s.execute(select(BankTransfer.provider_ref, BankTransfer.showroom_code)).all())
    assert rows == [("FT-PAYOS-1", "TH")]
    transfers._last_pull["at"] = 0.0
    assert cashier_client.get(f"/api/v1/sales/{sale_uuid}/vietqr").get_json()["received"] == 200_000


def test_central_out_of_reach_leaves_the_cashier_to_confirm_by_hand(app, db, central, cashier_client, shop):
    prepare(app, db, central)
    central.stop()
    sale_uuid = str(uuid.uuid4())
    cashier_client.post(f"/api/v1/sales/{sale_uuid}/vietqr", json={"amount": 455_000})
    waiting = cashier_client.get(f"/api/v1/sales/{sale_uuid}/vietqr").get_json()
    assert waiting["link"] == "unreachable" and waiting["received"] == 0
    confirmed = cashier_client.post(
        f"/api/v1/sales/{sale_uuid}/vietqr/confirm", json={"amount": 455_000, "by": "cashier"}
    )
    assert confirmed.status_code == 200
    central.restart()


def test_the_transfers_endpoint_refuses_an_unsigned_request(central):
    response = requests.get(f"{central.url}/api/v1/sync/transfers?after=0", timeout=5)
    assert response.status_code == 401 and json.loads(response.text)["error"] == "unauthorized"
