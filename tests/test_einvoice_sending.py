"""The e-invoice queue against a fake VNPT on loopback speaking its SOAP (pos/einvoice/fake_provider.py): every
case — a plain success, a key already there, a date before the last invoice, wrong credentials, a timeout, a
connection dropped after the invoice was stored, the service down — ends with each sale invoiced exactly once,
checked on what the fake holds and on what the showroom stored."""

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from pos.checkout.returns import record_return
from pos.core.clock import local_today, utcnow
from pos.core.extensions import db as _db
from pos.einvoice import xml
from pos.einvoice.fake_provider import FakeVnpt, Stored
from pos.einvoice.sender import configured_provider, queue_status, send_all, send_once
from pos.einvoice.settings import save_settings
from pos.models import AuditEntry, Einvoice, EinvoiceXml, Sale
from tests.conftest import PASSWORD
from tests.test_einvoice import SETTINGS

SYMBOL = SETTINGS["symbol"]


@pytest.fixture
def fake():
    running = FakeVnpt(delay_s=1.5).serve()
    yield running
    running.fake.wait_idle()
    running.stop()


@pytest.fixture
def vnpt(app, fake, monkeypatch):
    """E-invoicing on, the credentials of the fake in the environment; a short timeout."""
    for key, value in {
        "EINVOICE_URL": fake.url,
        "EINVOICE_ACCOUNT": "fake-account",
        "EINVOICE_ACPASS": "fake-acpass",
        "EINVOICE_USERNAME": "fake-user",
        "EINVOICE_PASSWORD": "fake-pass",
    }.items():
        monkeypatch.setenv(key, value)
    app.config["EINVOICE_TIMEOUT_S"] = 0.5
    with app.test_request_context():
        save_settings(SETTINGS)
    return fake.fake


def sell(client, shop, buyer=None) -> str:
    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": shop["tea"].id, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 1_000_000}],
    }
    if buyer:
        body["buyer"] = buyer
    response = client.post("/api/v1/sales", json=body)
    assert response.status_code == 201, response.get_json()
    return body["uuid"]


def invoices() -> dict[str, Einvoice]:
    _db.session.expire_all()
    return {row.uuid: row for row in _db.session.scalars(select(Einvoice))}


def built_xml(key: str) -> bytes | None:
    """The invoice's XML as the queue built and stored it (None: not built)."""
    query = select(EinvoiceXml.xml).join(Einvoice, Einvoice.id == EinvoiceXml.einvoice_id).where(Einvoice.uuid == key)
    return _db.session.scalar(query)


def assert_each_invoiced_once(fake: FakeVnpt, keys: list[str]) -> None:
    """What the fake holds is exactly these invoices, each once, and the showroom recorded each as sent with
    the number and code the fake holds."""
    assert sorted(fake.invoices) == sorted(keys)
    assert len(fake.numbers) == len(keys)  # no number published twice
    stored = invoices()
    for key in keys:
        row, held = stored[key], fake.invoices[key]
        assert row.status == "sent", (row.status, row.last_error)
        assert row.provider_reply == f"{held.number} {held.code}"
        assert (held.number, held.code) == (str(row.number), row.authority_code)
        assert row.sent_at is not None and row.last_error == ""


def test_invoices_go_out_in_one_call_with_their_xml(app, cashier_client, shop, vnpt):
    buyer = {"name": "Công ty TNHH Sen Vàng", "tax_code": "0312345678", "address": "1 Lê Lợi, Q1"}
    keys = [sell(cashier_client, shop, buyer), sell(cashier_client, shop), sell(cashier_client, shop)]
    assert {row.status for row in invoices().values()} == {"pending"}
    result = send_all(configured_provider())
    assert (result.sent, result.refused, result.deferred, result.error) == (3, 0, 0, "")
    assert vnpt.calls == ["ImportAndPublishInvMTT"]  # batched: one call for the three
    assert_each_invoiced_once(vnpt, keys)
    first = invoices()[keys[0]]
    assert first.attempts == 1
    # what the provider got is the invoice as built and checked once, kept: in VNPT's dialect
    root = xml.validate(built_xml(keys[0]))
    assert root.findtext("DLHDon/NDHDon/NMua/Ten") == "Công ty TNHH Sen Vàng"
    code = _db.session.scalar(select(Sale.lookup_code).where(Sale.uuid == keys[0]))
    assert root.findtext("DLQRCode").endswith("/r/" + code)
    held = vnpt.invoices[keys[0]].xml.decode()
    assert "<key>" + keys[0] + "</key>" in held and "<DVTTe>VND</DVTTe>" in held and "<TSuat>8</TSuat>" in held
    assert send_all(configured_provider()).sent == 0  # nothing left: nothing sent twice
    assert len(vnpt.calls) == 1


def test_batches_follow_the_batch_size(app, cashier_client, shop, vnpt):
    app.config["EINVOICE_BATCH_SIZE"] = 2
    keys = [sell(cashier_client, shop) for _ in range(5)]
    assert send_all(configured_provider()).sent == 5
    assert vnpt.calls == ["ImportAndPublishInvMTT"] * 3
    assert_each_invoiced_once(vnpt, keys)


def test_a_key_already_there_is_looked_up_and_recorded(app, cashier_client, shop, vnpt):
    keys = [sell(cashier_client, shop) for _ in range(3)]
    first = invoices()[keys[1]]
    # the provider already has the second (published before, by an earlier send whose answer was lost)
    vnpt.hold(Stored(keys[1], "1", SYMBOL, str(first.number), first.authority_code, local_today(), b"<HDon/>"))
    result = send_all(configured_provider())
    assert (result.sent, result.refused, result.deferred) == (3, 0, 0)
    assert "GetMCCQThueByFkeys" in vnpt.calls
    assert_each_invoiced_once(vnpt, keys)


def test_an_invoice_dated_before_the_last_one_is_refused_with_the_reason_and_sent_again(
    app, cashier_client, manager_client, shop, vnpt
):
    late, today = sell(cashier_client, shop), sell(cashier_client, shop)
    yesterday = utcnow() - timedelta(days=1)
    _db.session.execute(update(Einvoice).where(Einvoice.uuid == late).values(issued_at=yesterday))
    _db.session.commit()
    vnpt.last_date[("1", SYMBOL)] = local_today()  # the provider has an invoice of today already
    result = send_all(configured_provider())
    assert (result.sent, result.refused) == (1, 1)
    refused = invoices()[late]
    assert refused.status == "refused" and "ERR30" in refused.last_error
    assert sorted(vnpt.invoices) == [today]  # the refused one is not there
    # refused waits for a person: the queue does not send it again by itself
    assert send_all(configured_provider(), ignore_backoff=True).sent == 0
    page = manager_client.get("/einvoices?day=" + (local_today() - timedelta(days=1)).isoformat())
    assert "ngày hóa đơn trước ngày của hóa đơn đã lập gần nhất (ERR30)" in page.get_data(as_text=True)  # in Vietnamese
    # the manager sends it again once the provider takes it (here: its last date put back)
    vnpt.last_date.clear()
    response = manager_client.post(f"/einvoices/{refused.id}/send-again", data={})
    assert response.status_code == 302
    assert invoices()[late].status == "pending"
    assert send_all(configured_provider()).sent == 1
    assert_each_invoiced_once(vnpt, [late, today])


def test_wrong_credentials_hold_the_whole_batch_and_refuse_nothing(app, cashier_client, shop, vnpt, monkeypatch):
    keys = [sell(cashier_client, shop) for _ in range(2)]
    monkeypatch.setenv("EINVOICE_PASSWORD", "wrong")
    result = send_all(configured_provider())
    assert (result.sent, result.refused, result.deferred) == (0, 0, 2) and "ERR1" in result.error
    stored = invoices()
    for key in keys:
        assert stored[key].status == "pending" and stored[key].attempts == 1 and "ERR1" in stored[key].last_error
        assert stored[key].next_attempt_at > utcnow()  # backoff: not due again at once
    assert send_once(configured_provider()).deferred == 0  # not due yet: nothing tried
    assert "ERR1" in queue_status().last_error
    assert vnpt.invoices == {}
    monkeypatch.setenv("EINVOICE_PASSWORD", "fake-pass")
    assert send_all(configured_provider(), ignore_backoff=True).sent == 2
    assert_each_invoiced_once(vnpt, keys)


@pytest.mark.parametrize("fault", ["slow", "drop"])
def test_a_timeout_or_a_dropped_connection_after_storing_ends_with_one_invoice(app, cashier_client, shop, vnpt, fault):
    keys = [sell(cashier_client, shop) for _ in range(3)]
    vnpt.fail_next(fault)
    result = send_all(configured_provider())
    assert (result.sent, result.deferred) == (0, 3) and result.error
    vnpt.wait_idle()
    assert sorted(vnpt.invoices) == sorted(keys)  # the provider stored them; we do not know it yet
    assert {row.status for row in invoices().values()} == {"pending"}
    assert all(xml.validate(built_xml(key)) is not None for key in keys)  # kept for the resend
    result = send_all(configured_provider(), ignore_backoff=True)  # the resend: "already there", looked up
    assert (result.sent, result.refused, result.deferred) == (3, 0, 0)
    assert vnpt.calls.count("GetMCCQThueByFkeys") == 1
    assert_each_invoiced_once(vnpt, keys)


def test_the_service_down_defers_and_the_next_round_sends(app, cashier_client, shop, vnpt):
    keys = [sell(cashier_client, shop)]
    vnpt.fail_next("down")
    assert send_all(configured_provider()).deferred == 1
    assert vnpt.invoices == {}
    assert send_all(configured_provider(), ignore_backoff=True).sent == 1
    assert_each_invoiced_once(vnpt, keys)


def test_a_sale_never_waits_for_the_provider(app, cashier_client, shop, vnpt):
    vnpt.fail_next("slow", times=5)
    key = sell(cashier_client, shop)  # answered at once: the sale does not call the provider
    assert invoices()[key].status == "pending" and vnpt.calls == []


def test_the_returns_adjustment_invoice_goes_through_the_queue(app, cashier_client, users, shop, vnpt):
    sale_key = sell(cashier_client, shop)
    number = _db.session.scalar(select(Sale.number).where(Sale.uuid == sale_key))
    return_key = str(uuid.uuid4())
    with app.test_request_context():
        record_return(
            number,
            {
                "uuid": return_key,
                "reason": "hộp móp",
                "refund_method": "cash",
                "lines": [{"line_no": 1, "quantity": 1}],
                "approval": {"username": "manager", "password": PASSWORD},
            },
            users["manager"],
        )
    assert send_all(configured_provider()).sent == 2
    assert_each_invoiced_once(vnpt, [sale_key, return_key])
    held = vnpt.invoices[return_key].xml.decode()
    original = invoices()[sale_key]
    assert "<TCHDon>2</TCHDon>" in held and f"<SHDCLQuan>{original.number}</SHDCLQuan>" in held


def test_an_invoice_failing_the_schema_is_refused_before_the_provider_sees_it(
    app, cashier_client, manager_client, shop, vnpt
):
    good, bad = sell(cashier_client, shop), sell(cashier_client, shop)
    _db.session.execute(update(Einvoice).where(Einvoice.uuid == bad).values(buyer_phone="x" * 21))
    _db.session.commit()
    result = send_all(configured_provider())
    assert (result.sent, result.refused) == (1, 1)
    row = invoices()[bad]
    assert row.status == "refused" and "schema" in row.last_error and "SDThoai" in row.last_error
    assert sorted(vnpt.invoices) == [good]
    # corrected by a manager (the phone), then sent
    response = manager_client.post(
        f"/einvoices/{row.id}/send-again", data={"buyer_name": "", "buyer_phone": "0912345678"}
    )
    assert response.status_code == 302
    row = invoices()[bad]
    assert (row.status, row.buyer_phone, built_xml(bad)) == ("pending", "0912345678", None)
    assert send_all(configured_provider()).sent == 1
    assert_each_invoiced_once(vnpt, [good, bad])


def test_the_cli_sends_and_reports(app, cashier_client, shop, vnpt, runner):
    keys = [sell(cashier_client, shop) for _ in range(2)]
    status = runner.invoke(args=["einvoice", "status"])
    assert "pending:        2" in status.output and "unsent today:   2" in status.output
    sent = runner.invoke(args=["einvoice", "send"])
    assert sent.exit_code == 0 and "sent 2, refused 0, to retry 0" in sent.output
    status = runner.invoke(args=["einvoice", "status"])
    assert "sent:           2" in status.output and "unsent today:   0" in status.output
    assert_each_invoiced_once(vnpt, keys)


def test_the_cli_says_why_when_credentials_are_missing(app, cashier_client, shop, vnpt, runner, monkeypatch):
    sell(cashier_client, shop)
    monkeypatch.delenv("EINVOICE_PASSWORD")
    result = runner.invoke(args=["einvoice", "send"])
    assert result.exit_code != 0 and "EINVOICE_PASSWORD" in result.output
    assert invoices() and {row.status for row in invoices().values()} == {"pending"}


# --- the day's invoices page, the warning, corrections ---------------------------------------------


def test_the_day_page_lists_todays_invoices_by_status_for_managers_only(
    app, cashier_client, manager_client, shop, vnpt
):
    sent, refused = sell(cashier_client, shop), sell(cashier_client, shop)
    send_all(configured_provider())
    pending = sell(cashier_client, shop)
    _db.session.execute(
        update(Einvoice).where(Einvoice.uuid == refused).values(status="refused", last_error="ERR:3 <b>bad</b>")
    )
    _db.session.commit()
    assert cashier_client.get("/einvoices").status_code == 403
    page = manager_client.get("/einvoices").get_data(as_text=True)
    stored = invoices()
    for key, status in ((sent, "sent"), (refused, "refused"), (pending, "pending")):
        assert f'id="einvoice-{stored[key].id}" data-status="{status}"' in page
    assert "ERR:3 &lt;b&gt;bad&lt;/b&gt;" in page  # the provider's words, escaped
    assert 'id="count-sent">1<' in page and 'id="count-refused">1<' in page and 'id="count-pending">1<' in page
    assert local_today().strftime("%d/%m/%Y") in page  # dates dd/mm/yyyy
    assert page.index(f"einvoice-{stored[refused].id}") < page.index(f"einvoice-{stored[sent].id}")  # refused first
    typed = manager_client.get("/einvoices", query_string={"day": local_today().strftime("%d/%m/%Y")})
    assert f'id="einvoice-{stored[sent].id}"' in typed.get_data(as_text=True)  # as the field shows the day
    yesterday = (local_today() - timedelta(days=1)).strftime("%d/%m/%Y")
    assert "no-einvoices" in manager_client.get("/einvoices", query_string={"day": yesterday}).get_data(as_text=True)
    for odd in ("9" * 30, "2026-13-45", "-1", "31/02/2026"):
        assert manager_client.get("/einvoices", query_string={"day": odd}).status_code == 200  # today instead
    assert manager_client.get("/einvoices", query_string={"day": "\x00"}).status_code == 422  # refused app-wide
    assert manager_client.get("/einvoices/99999999").status_code == 404
    english = manager_client.post("/lang/en", data={"next": "/einvoices"})
    assert english.status_code in (302, 303)
    assert "Refused by the provider" in manager_client.get("/einvoices").get_data(as_text=True)


def test_managers_are_warned_from_the_set_hour_while_todays_are_unsent(app, cashier_client, manager_client, shop, vnpt):
    sell(cashier_client, shop)
    app.config["EINVOICE_WARN_AT"] = "00:00"
    assert 'id="einvoice-warning"' in manager_client.get("/catalog/").get_data(as_text=True)
    assert 'id="einvoice-warning"' not in cashier_client.get("/till").get_data(as_text=True)
    app.config["EINVOICE_WARN_AT"] = "23:59:59"  # unreadable: 20:00
    from pos.einvoice.corrections import unsent_today_warning, warn_from

    assert warn_from().hour == 20
    local_noon = datetime.combine(local_today(), datetime.min.time()) + timedelta(hours=12 - 7)  # 12:00 local, UTC
    local_late = local_noon + timedelta(hours=9)  # 21:00 local
    assert unsent_today_warning(local_noon) == 0 and unsent_today_warning(local_late) == 1
    send_all(configured_provider())
    app.config["EINVOICE_WARN_AT"] = "00:00"
    assert 'id="einvoice-warning"' not in manager_client.get("/catalog/").get_data(as_text=True)


def test_a_correction_is_checked_audited_and_a_sent_invoice_cannot_be_resent(
    app, cashier_client, manager_client, shop, vnpt
):
    key = sell(cashier_client, shop)
    row = invoices()[key]
    _db.session.execute(update(Einvoice).where(Einvoice.id == row.id).values(status="refused", last_error="ERR:3"))
    _db.session.commit()
    form = manager_client.get(f"/einvoices/{row.id}").get_data(as_text=True)
    assert 'name="buyer_tax_code"' in form and "ERR:3" in form
    bad = manager_client.post(
        f"/einvoices/{row.id}/send-again", data={"buyer_tax_code": "123", "buyer_name": "=HYPERLINK(1)" * 100}
    )
    assert bad.status_code == 422
    assert invoices()[key].status == "refused" and invoices()[key].buyer_tax_code == ""  # nothing changed
    good = manager_client.post(
        f"/einvoices/{row.id}/send-again",
        data={"buyer_name": "Công ty ABC", "buyer_tax_code": "0101234567", "buyer_address": "1 Hàng Bài"},
    )
    assert good.status_code == 302
    assert (invoices()[key].status, invoices()[key].buyer_tax_code) == ("pending", "0101234567")
    audit = _db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "einvoice"))
    assert audit.before["status"] == "refused" and audit.after["buyer_name"] == "Công ty ABC"
    assert audit.username == "manager"
    send_all(configured_provider())
    assert "<MST>0101234567</MST>" in vnpt.invoices[key].xml.decode()
    again = manager_client.post(f"/einvoices/{row.id}/send-again", data={"buyer_name": "X"})
    assert again.status_code == 422 and invoices()[key].buyer_name == "Công ty ABC"
    assert_each_invoiced_once(vnpt, [key])


def test_a_provider_stopping_mid_way_leaves_the_rest_untouched_for_the_next_round(app, cashier_client, shop, vnpt):
    """The next batch is read and built while the provider answers one: when the provider stops answering,
    what was sent is recorded, the batch it failed on waits for the backoff, and the one read ahead is left as
    it was (not counted as a try)."""
    app.config["EINVOICE_BATCH_SIZE"] = 2
    keys = [sell(cashier_client, shop) for _ in range(5)]
    vnpt.faults.extend(["", "down"])  # the first call answers, the second finds the service down
    result = send_all(configured_provider())
    assert (result.sent, result.deferred) == (2, 2) and result.error
    stored = invoices()
    assert [stored[key].status for key in keys] == ["sent", "sent", "pending", "pending", "pending"]
    assert [stored[key].attempts for key in keys] == [1, 1, 1, 1, 0]
    assert send_all(configured_provider(), ignore_backoff=True).sent == 3
    assert_each_invoiced_once(vnpt, keys)
