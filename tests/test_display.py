"""The customer display: pairing by a short code typed at the till, and what a display receives after the
till's actions (pos/display)."""

from datetime import timedelta

import pytest

from pos.checkout.vietqr import vietqr_payload
from pos.core.clock import utcnow
from pos.core.database import atomic
from pos.display import service
from pos.display.service import WAITING_PER_ADDRESS, announce_payment
from pos.models import AuditEntry, CustomerDisplay, Showroom
from tests.conftest import login

CART = {
    "phase": "cart",
    "lines": [
        {
            "name": "Chè Sen Quảng An",
            "name_en": "Quang An lotus tea",
            "quantity": 2,
            "unit_price": 350_000,
            "amount": 700_000,
            "stars": 4,
        },
        {
            "name": "Hoa đào Nhật Tân",
            "name_en": "",
            "quantity": 1,
            "unit_price": 450_000,
            "amount": 450_000,
            "stars": None,
        },
    ],
    "total": 1_150_000,
}


def waiting_code(display) -> str:
    answer = display.post("/api/v1/display/code")
    assert answer.status_code == 200
    return answer.json["code"]


def state(display, version=""):
    return display.get("/api/v1/display/state", query_string={"v": version})


def pair(till, code, till_token=None):
    return till.post("/api/v1/display/pair", json={"code": code, "till_token": till_token})


def show(till, token, body):
    return till.post("/api/v1/display/show", json={"till_token": token, "state": body})


@pytest.fixture
def display(app):
    return app.test_client()


@pytest.fixture
def paired(display, cashier_client):
    """A display paired with the cashier's till: the till's token."""
    answer = pair(cashier_client, waiting_code(display))
    assert answer.status_code == 200
    return answer.json["till_token"]


def test_a_new_display_shows_a_code_that_a_reload_shows_again(display):
    assert state(display).json == {"paired": False, "code": None}
    code = waiting_code(display)
    assert len(code) == 6 and code.isdigit()
    assert display.get_cookie("pos_display").http_only
    assert waiting_code(display) == code  # a reload asks again: the same code
    view = state(display).json
    assert view["code"] == code and not view["paired"] and 0 < view["expires_in"] <= 600
    page = display.get("/display").get_data(as_text=True)
    assert "Ghép màn hình này với quầy thu ngân" in page and "Pair this screen with a till" in page


def test_the_cashier_pairs_with_the_code_and_the_display_shows_the_idle_screen(display, cashier_client, users, db):
    code = waiting_code(display)
    answer = pair(cashier_client, code[:3] + " " + code[3:])  # typed as the display groups it
    assert answer.status_code == 200 and len(answer.json["till_token"]) > 30
    view = state(display).json
    assert view["paired"] and view["phase"] == "idle" and view["lines"] == []
    row = db.session.get(CustomerDisplay, answer.json["display_id"])
    assert row.code is None and row.paired_by_id == users["cashier"].id
    assert row.till_token_hash != answer.json["till_token"]  # kept as a digest only
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "display_paired")).user_id


def test_a_wrong_an_expired_and_a_used_code_are_refused_alike(app, display, cashier_client, db):
    code = waiting_code(display)
    wrong = "000000" if code != "000000" else "111111"
    refused = pair(cashier_client, wrong)
    assert refused.status_code == 422 and refused.json["fields"] == {"code": "unknown or expired"}
    assert pair(cashier_client, "12ab").json["fields"] == {"code": "6 digits"}
    with atomic():
        db.session.execute(db.update(CustomerDisplay).values(code_expires_at=utcnow() - timedelta(seconds=1)))
    expired = pair(cashier_client, code)
    assert expired.status_code == 422 and expired.json["message"] == refused.json["message"]
    assert state(display).json == {"paired": False, "code": None}  # it asks for a new one
    fresh = waiting_code(display)
    assert pair(cashier_client, fresh).status_code == 200
    other_till = app.test_client()
    login(other_till, "manager")
    used = pair(other_till, fresh)
    assert used.status_code == 422 and used.json["message"] == refused.json["message"]


def test_nobody_without_a_cashier_login_pairs_or_sends_a_state(app, display, paired):
    stranger = app.test_client()
    assert pair(stranger, waiting_code(stranger)).status_code == 401
    assert show(stranger, paired, CART).status_code == 401
    assert stranger.get("/api/v1/display/pairings").status_code == 401


def test_the_display_follows_the_till_and_sees_only_what_a_shopper_may(display, cashier_client, paired):
    idle = state(display).json
    assert state(display, idle["version"]).status_code == 204  # nothing new: an empty answer
    sent = show(cashier_client, paired, CART | {"cashier": "Demo cashier", "sales_today": 42})
    assert sent.status_code == 200
    view = state(display, idle["version"]).json
    assert view["phase"] == "cart" and view["total"] == 1_150_000 and view["version"] != idle["version"]
    assert view["lines"][0] == CART["lines"][0] and view["lines"][1]["stars"] is None
    assert "cashier" not in str(view) and "sales_today" not in view and "Demo" not in str(view)
    assert state(display, view["version"]).status_code == 204


def test_the_qr_and_the_thanks(display, cashier_client, paired, db):
    db.session.add(Showroom(code="TH", name="Điểm OCOP Tây Hồ", bank_bin="970436", bank_account="0011004399999"))
    db.session.commit()
    assert display.get("/display/vietqr.png").status_code == 404  # no QR open at the till
    qr = {"amount": 1_150_000, "number": "TH-20261202-0007"}
    assert show(cashier_client, paired, CART | {"phase": "vietqr", "qr": qr}).status_code == 200
    view = state(display).json
    assert view["phase"] == "vietqr" and view["qr"]["amount"] == 1_150_000 and view["total"] == 1_150_000
    image = display.get(view["qr"]["image"])
    assert image.status_code == 200 and image.mimetype == "image/png"
    # the page, its state and the QR change with every scan: none may be kept by the browser or a proxy
    answers = [image, display.get("/display"), display.get("/api/v1/display/state"), state(display, view["version"])]
    assert [answer.headers.get("Cache-Control") for answer in answers] == ["no-store"] * 4
    assert image.headers["X-VietQR-Payload"] == vietqr_payload("970436", "0011004399999", 1_150_000, qr["number"])
    paid = {"phase": "paid", "lines": [], "total": 0, "paid": {"amount": 1_150_000, "number": qr["number"]}}
    assert show(cashier_client, paired, paid).status_code == 200
    view = state(display).json
    assert view["phase"] == "paid" and view["paid"] == {"amount": 1_150_000, "number": qr["number"]}
    assert display.get("/display/vietqr.png").status_code == 404
    page = display.get("/display").get_data(as_text=True)
    assert "Đã nhận tiền — cảm ơn quý khách" in page and "Payment received — thank you" in page


def test_a_transfer_the_bank_confirmed_thanks_the_shopper_on_the_display_showing_its_qr(
    app, display, cashier_client, paired
):
    qr = {"amount": 455_000, "number": "TH-20261202-0001"}
    show(cashier_client, paired, CART | {"phase": "vietqr", "qr": qr})
    assert announce_payment("TH-20261202-0002", 455_000) == 0  # another sale's
    assert state(display).json["phase"] == "vietqr"
    assert announce_payment("TH-20261202-0001", 455_000) == 1
    view = state(display).json
    assert view["phase"] == "paid" and view["paid"] == qr


def test_a_display_of_another_till_sees_nothing_of_this_one(app, display, cashier_client, paired):
    show(cashier_client, paired, CART)
    other_display, other_till = app.test_client(), app.test_client()
    login(other_till, "manager")
    other_token = pair(other_till, waiting_code(other_display)).json["till_token"]
    view = state(other_display).json
    assert view["paired"] and view["lines"] == [] and view["total"] == 0
    show(other_till, other_token, {"phase": "cart", "lines": [CART["lines"][1]], "total": 450_000})
    assert [line["name"] for line in state(other_display).json["lines"]] == ["Hoa đào Nhật Tân"]
    assert [line["name"] for line in state(display).json["lines"]] == ["Chè Sen Quảng An", "Hoa đào Nhật Tân"]
    stranger = app.test_client()  # a screen nobody paired, even with a code of its own
    waiting_code(stranger)
    assert "lines" not in state(stranger).json
    stranger.set_cookie("pos_display", "made-up-token")
    assert state(stranger).json == {"paired": False, "code": None}


def test_a_pairing_ends_at_the_till_and_the_display_asks_for_a_new_code(display, cashier_client, paired, db):
    display_id = cashier_client.get("/api/v1/display/pairings").json["displays"][0]["id"]
    assert cashier_client.post("/api/v1/display/revoke", json={"display_id": display_id}).status_code == 200
    assert state(display).json == {"paired": False, "code": None}
    refused = show(cashier_client, paired, CART)
    assert refused.status_code == 404 and refused.json["error"] == "not_paired"
    assert cashier_client.get("/api/v1/display/pairings").json["displays"] == []
    assert cashier_client.post("/api/v1/display/revoke", json={"display_id": display_id}).status_code == 404
    assert cashier_client.post("/api/v1/display/revoke", json={"display_id": "1"}).status_code == 422
    assert waiting_code(display)  # and waits to be paired again


def test_pairing_another_display_at_the_same_till_lets_the_first_go(app, display, cashier_client, paired):
    second = app.test_client()
    token = pair(cashier_client, waiting_code(second), till_token=paired).json["till_token"]
    assert state(display).json == {"paired": False, "code": None}
    assert show(cashier_client, paired, CART).status_code == 404
    assert show(cashier_client, token, CART).status_code == 200
    assert state(second).json["phase"] == "cart"


def test_a_state_out_of_bounds_is_refused_naming_the_field(display, cashier_client, paired):
    bad = CART | {"lines": [CART["lines"][0] | {"quantity": 0, "stars": 9}], "total": -1}
    answer = show(cashier_client, paired, bad)
    assert answer.status_code == 422
    assert set(answer.json["fields"]) == {"lines[0].quantity", "lines[0].stars", "total"}
    assert show(cashier_client, paired, {"phase": "dancing"}).json["fields"] == {
        "phase": "one of idle, cart, vietqr, paid"
    }
    assert show(cashier_client, paired, CART | {"phase": "vietqr"}).json["fields"] == {"qr": "must be an object"}
    fake_qr = {"amount": 1, "number": "X", "payload": "000201" + "x" * 20 + "6304ABCD"}
    assert "qr.payload" in show(cashier_client, paired, CART | {"phase": "vietqr", "qr": fake_qr}).json["fields"]
    assert state(display).json["phase"] == "idle"  # nothing of it was kept


def test_a_provider_qr_is_shown_as_the_till_sends_it(display, cashier_client, paired):
    payload = vietqr_payload("970422", "123456789", 20_000, "PAYOS 1234")
    qr = {"amount": 20_000, "number": "TH-20261202-0003", "payload": payload}
    assert show(cashier_client, paired, CART | {"phase": "vietqr", "qr": qr}).status_code == 200
    assert display.get("/display/vietqr.png").headers["X-VietQR-Payload"] == payload


def test_a_cart_left_for_half_an_hour_is_no_longer_shown(display, cashier_client, paired, db):
    show(cashier_client, paired, CART)
    version = state(display).json["version"]
    with atomic():
        db.session.execute(db.update(CustomerDisplay).values(state_at=utcnow() - service.STALE_AFTER))
    view = state(display, version).json
    assert view["phase"] == "idle" and view["version"] != version


def test_screens_waiting_from_one_address_are_bounded(app):
    screens = [app.test_client() for _ in range(WAITING_PER_ADDRESS + 1)]
    for screen in screens[:-1]:
        waiting_code(screen)
    refused = screens[-1].post("/api/v1/display/code")
    assert refused.status_code == 429
    assert screens[-1].post("/api/v1/display/code", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
