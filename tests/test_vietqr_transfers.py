"""VietQR confirmed by the bank's side, at a showroom that receives the providers' webhooks itself: payOS's
signature checked by its SDK against its own published test vector, SePay's API key, a webhook repeated, under-
and overpayment, an unmatched transfer attached by hand, a bad signature, payOS out of reach."""

import json
import uuid

import pytest
from sqlalchemy import func, select

from pos.checkout.sales import reserve_number
from pos.core.audit import AuditEntry
from pos.models import BankTransfer, CashMovement, RefusedRequests, Showroom
from pos.payments.matching import number_candidates, showroom_in
from pos.payments.providers import order_code_of, payos_notice
from tests import fake_payos
from tests.fake_payos import FakePayOS, webhook_body

SEPAY_KEY = "sepay-test-key-0123456789"

# payOS's own test vector (payOSHQ/payos-lib-python, tests/_crypto/testCases.json, case "webhook"): this data
# signed with the checksum key "test_checksum_key" gives this signature.
PAYOS_VECTOR_DATA = {
    "accountNumber": "0123456789",
    "amount": 20000,
    "description": "thanh toan",
    "reference": "FT-REFERENCE",
    "transactionDateTime": "2025-12-12 09:00:00",
    "virtualAccountNumber": "",
    "counterAccountBankId": "01202001",
    "counterAccountBankName": "",
    "counterAccountName": "NGUYEN VAN A",
    "counterAccountNumber": "9876543210",
    "virtualAccountName": "",
    "currency": "VND",
    "orderCode": 0,
    "paymentLinkId": "payment-link-id",
    "code": "00",
    "desc": "success",
}
PAYOS_VECTOR_SIGNATURE = "302b3becca1672dff99daafae2965f40e48ea3ca39453e4bf37fbcc26807a0e8"


def vector_body(signature=PAYOS_VECTOR_SIGNATURE, **changes) -> bytes:
    data = PAYOS_VECTOR_DATA | changes
    return json.dumps({"code": "00", "desc": "success", "success": True, "data": data, "signature": signature}).encode()


@pytest.fixture
def bank(app, db):
    """The showroom's own bank account, as its VietQR names it; SePay and payOS both configured."""
    from pos.core.database import atomic

    with atomic():
        db.session.add(
            Showroom(
                code="TH", name="Tây Hồ", bank_bin="970422", bank_account=fake_payos.ACCOUNT, bank_account_name="HTX"
            )
        )
    app.config.update(
        SHOWROOM_CODE="TH",
        SEPAY_API_KEY=SEPAY_KEY,
        PAYOS_CHECKSUM_KEY=fake_payos.CHECKSUM_KEY,
        PAYOS_CLIENT_ID=fake_payos.CLIENT_ID,
        PAYOS_API_KEY=fake_payos.API_KEY,
        VIETQR_PROVIDER="sepay",
    )


def sepay(client, content, amount, txn_id, key=SEPAY_KEY, transfer_type="in", account=fake_payos.ACCOUNT):
    body = {
        "id": txn_id,
        "gateway": "MBBank",
        "transactionDate": "2026-12-02 10:15:00",
        "accountNumber": account,
        "code": None,
        "content": content,
        "transferType": transfer_type,
        "transferAmount": amount,
        "accumulated": 19_077_000,
        "subAccount": None,
        "referenceCode": f"FT{txn_id}",
        "description": f"BankAPINotify {content}",
    }
    return client.post("/api/v1/webhooks/sepay", json=body, headers={"Authorization": f"Apikey {key}"})


def test_the_payos_sdk_verifies_payos_published_webhook_vector(app):
    app.config["PAYOS_CHECKSUM_KEY"] = "test_checksum_key"
    notice = payos_notice(vector_body())
    assert (notice.provider, notice.provider_ref, notice.amount, notice.account_number) == (
        "payos",
        "FT-REFERENCE",
        20000,
        "0123456789",
    )
    assert notice.direction == "in" and notice.order_code == 0 and notice.content == "thanh toan"


def test_a_bad_payos_signature_is_401_counted_and_stores_nothing(client, bank, db):
    client.application.config["PAYOS_CHECKSUM_KEY"] = "test_checksum_key"
    tampered = vector_body(amount=2_000_000)  # the amount changed, the signature kept
    for body in (tampered, vector_body(signature="0" * 64), b"{not json"):
        response = client.post("/api/v1/webhooks/payos", data=body, content_type="application/json")
        assert response.status_code == 401
    assert db.session.scalar(select(func.count()).select_from(BankTransfer)) == 0
    assert db.session.scalar(select(func.sum(RefusedRequests.count))) == 3
    good = client.post("/api/v1/webhooks/payos", data=vector_body(), content_type="application/json")
    assert good.status_code == 200 and db.session.scalar(select(func.count()).select_from(BankTransfer)) == 1


def test_a_sepay_webhook_with_a_wrong_key_is_401_and_stores_nothing(client, bank, db):
    assert sepay(client, "TH 20261202 0001", 455_000, 1, key="wrong").status_code == 401
    bare = client.post("/api/v1/webhooks/sepay", json={"id": 2, "transferAmount": 1, "transferType": "in"})
    assert bare.status_code == 401
    assert db.session.scalar(select(func.count()).select_from(BankTransfer)) == 0
    assert db.session.scalar(select(func.sum(RefusedRequests.count))) == 2


@pytest.mark.parametrize(
    "content",
    [
        "TH {day} 0001",
        "th{day}0001",
        "MBVCB.3278907687.NGUYEN VAN A chuyen tien TH {day} 0001.CT tu 0123456789",
        "Thanh toán th-{day}-0001 cảm ơn",
        "TH {day} 0001 FT25336123456",
    ],
)
def test_sepay_finds_the_sale_number_whatever_the_bank_did_to_it(cashier_client, bank, db, content):
    sale_uuid = str(uuid.uuid4())
    number = reserve_number(sale_uuid)  # TH-YYYYMMDD-0001
    day = number.split("-")[1]
    response = sepay(cashier_client, content.format(day=day), 455_000, 92704)
    assert response.status_code == 200 and response.get_json()["success"] is True
    transfer = db.session.scalar(select(BankTransfer))
    assert (transfer.status, transfer.sale_uuid, transfer.sale_number) == ("matched", sale_uuid, number)


def test_a_repeated_webhook_answers_200_and_changes_nothing(cashier_client, bank, db):
    sale_uuid = str(uuid.uuid4())
    number = reserve_number(sale_uuid)
    for _ in range(3):
        assert sepay(cashier_client, number.replace("-", " "), 455_000, 555).status_code == 200
    rows = db.session.scalars(select(BankTransfer)).all()
    assert [(r.provider_ref, r.amount, r.status) for r in rows] == [("555", 455_000, "matched")]


def show(cashier_client, sale_uuid, amount):
    response = cashier_client.post(f"/api/v1/sales/{sale_uuid}/vietqr", json={"amount": amount})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def status(cashier_client, sale_uuid):
    return cashier_client.get(f"/api/v1/sales/{sale_uuid}/vietqr").get_json()


def test_underpaid_shows_what_is_still_due_and_overpaid_the_excess(cashier_client, bank, db, shop):
    sale_uuid = str(uuid.uuid4())
    qr = show(cashier_client, sale_uuid, 455_000)
    assert qr["waits"] is True and qr["provider"] == "sepay" and "TH " in qr["payload"]
    assert status(cashier_client, sale_uuid)["received"] == 0
    sepay(cashier_client, qr["number"].replace("-", " "), 400_000, 1)
    waiting = status(cashier_client, sale_uuid)
    assert (waiting["received"], waiting["still_due"], waiting["excess"]) == (400_000, 55_000, 0)
    sepay(cashier_client, qr["number"].replace("-", " "), 100_000, 2)
    waiting = status(cashier_client, sale_uuid)
    assert (waiting["received"], waiting["still_due"], waiting["excess"]) == (500_000, 0, 45_000)
    assert [t["reference"] for t in waiting["transfers"]] == ["1", "2"]
    # The cashier takes 455.000 by VietQR and hands the 45.000 back from the drawer.
    confirmed = cashier_client.post(
        f"/api/v1/sales/{sale_uuid}/vietqr/confirm", json={"amount": 455_000, "by": "bank", "excess_returned": 45_000}
    )
    assert confirmed.status_code == 200
    movement = db.session.scalar(select(CashMovement))
    assert movement.amount == -45_000 and qr["number"] in movement.reason


def test_an_unmatched_transfer_is_attached_by_hand_and_audited(cashier_client, manager_client, bank, db, shop):
    sepay(cashier_client, "chuyen tien mua che", 350_000, 77)  # the buyer wrote their own words
    sepay(cashier_client, "nham tai khoan", 99_000, 78)
    transfer = db.session.scalar(select(BankTransfer).where(BankTransfer.provider_ref == "77"))
    assert transfer.status == "unmatched"
    page = cashier_client.get("/bank-transfers").get_data(as_text=True)
    assert "chuyen tien mua che" in page and "350.000" in page
    sale_uuid = str(uuid.uuid4())
    qr = show(cashier_client, sale_uuid, 350_000)
    waiting = status(cashier_client, sale_uuid)
    assert waiting["received"] == 0 and {t["reference"] for t in waiting["unmatched"]} == {"77", "78"}
    attached = cashier_client.post(f"/api/v1/bank-transfers/{transfer.id}/attach", json={"sale_uuid": sale_uuid})
    assert attached.status_code == 200 and attached.get_json()["sale_number"] == qr["number"]
    assert status(cashier_client, sale_uuid)["received"] == 350_000
    again = cashier_client.post(f"/api/v1/bank-transfers/{transfer.id}/attach", json={"sale_uuid": sale_uuid})
    assert again.status_code == 409
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "bank_transfer"))
    assert audit.username == "cashier" and qr["number"] in audit.note
    # The other one a manager marks handled; a cashier may not.
    other = db.session.scalar(select(BankTransfer).where(BankTransfer.provider_ref == "78"))
    assert cashier_client.post(f"/bank-transfers/{other.id}/handled", data={"note": "x"}).status_code == 403
    manager_client.post(f"/bank-transfers/{other.id}/handled", data={"note": "refunded to the sender"})
    db.session.refresh(other)
    assert (other.status, other.handled_by, other.note) == ("handled", "manager", "refunded to the sender")
    assert "nham tai khoan" not in cashier_client.get("/bank-transfers").get_data(as_text=True)


def test_outgoing_money_and_another_account_are_not_counted(cashier_client, bank, db):
    sale_uuid = str(uuid.uuid4())
    number = reserve_number(sale_uuid)
    sepay(cashier_client, number, 10_000, 1, transfer_type="out")
    sepay(cashier_client, number, 20_000, 2, account="999999999")
    rows = {r.provider_ref: (r.status, r.problem) for r in db.session.scalars(select(BankTransfer))}
    assert rows["1"][0] == "ignored" and rows["2"][0] == "unmatched" and "another account" in rows["2"][1]
    assert status(cashier_client, sale_uuid)["received"] == 0


def test_a_cashier_confirmation_is_audited_and_the_sale_says_who_confirmed(cashier_client, bank, db, shop):
    tea = shop["tea"]

    def sell_by_vietqr(sale_uuid):
        body = {
            "uuid": sale_uuid,
            "lines": [{"product_id": tea.id, "quantity": 1}],
            "payments": [{"method": "vietqr", "amount": 350_000, "reference": ""}],
        }
        sale = cashier_client.post("/api/v1/sales", json=body).get_json()
        return cashier_client.get(f"/sales/{sale['number']}").get_data(as_text=True)

    by_hand = str(uuid.uuid4())
    show(cashier_client, by_hand, 350_000)
    cashier_client.post(f"/api/v1/sales/{by_hand}/vietqr/confirm", json={"amount": 350_000, "by": "cashier"})
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "confirm"))
    assert "confirmed by the cashier" in audit.note and audit.username == "cashier"
    page = sell_by_vietqr(by_hand)
    assert 'id="vietqr-confirmation"' in page and "FT" not in page

    by_bank = str(uuid.uuid4())
    qr = show(cashier_client, by_bank, 350_000)
    sepay(cashier_client, qr["number"].replace("-", " "), 350_000, 4242)
    page = sell_by_vietqr(by_bank)
    assert "FT4242" in page and "4242" in page


def test_payos_makes_the_qr_and_its_webhook_matches_by_order_code(cashier_client, bank, db, shop):
    fake = FakePayOS()
    try:
        cashier_client.application.config.update(VIETQR_PROVIDER="payos", PAYOS_API_URL=fake.url)
        sale_uuid = str(uuid.uuid4())
        qr = show(cashier_client, sale_uuid, 455_000)
        sent = fake.requests[-1]
        assert qr["provider"] == "payos" and qr["fallback"] == ""
        assert sent["amount"] == 455_000 and sent["orderCode"] == order_code_of(qr["number"], 0)
        assert sent["description"] == qr["number"].replace("-", " ") and len(sent["description"]) <= 25
        assert qr["payload"].startswith("000201") and "455000" in qr["payload"]
        # The buyer's bank kept none of the description: the order code still finds the sale.
        body = webhook_body(sent["orderCode"], 455_000, "CSXYZ123 chuyen tien", "FT25336000001")
        assert (
            cashier_client.post("/api/v1/webhooks/payos", data=body, content_type="application/json").status_code == 200
        )
        waiting = status(cashier_client, sale_uuid)
        assert waiting["received"] == 455_000 and waiting["transfers"][0]["reference"] == "FT25336000001"
    finally:
        fake.stop()


def test_payos_out_of_reach_falls_back_to_the_plain_vietqr(cashier_client, bank, db, shop):
    fake = FakePayOS()
    fake.stop()  # nothing listens there any more
    cashier_client.application.config.update(VIETQR_PROVIDER="payos", PAYOS_API_URL=fake.url, PAYOS_TIMEOUT_S=1)
    sale_uuid = str(uuid.uuid4())
    qr = show(cashier_client, sale_uuid, 455_000)
    assert qr["provider"] == "none" and qr["waits"] is False and qr["fallback"]
    assert fake_payos.ACCOUNT in qr["payload"] and qr["number"].replace("-", " ") in qr["payload"]
    assert cashier_client.get(qr["image_url"]).mimetype == "image/png"


def test_the_matcher_keeps_to_the_showroom_codes_it_knows():
    assert showroom_in("ck TH 20261202 0001", ["TH", "HK02"]) == "TH"
    assert showroom_in("HK02-20261202-0017", ["H", "TH", "HK02"]) == "HK02"
    assert showroom_in("TH 2026 1202", ["TH"]) == "" and showroom_in("", ["TH"]) == ""
    assert number_candidates("TH 20261202 R0003", "TH")[0] == "TH-20261202-R0003"
    assert number_candidates("th20261202000123", "TH") == [
        "TH-20261202-0001",
        "TH-20261202-00012",
        "TH-20261202-000123",
    ]
