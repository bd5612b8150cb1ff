"""Serials travel to central (issue 19): issued with a showroom's labels, sold with its sales, scanned on its
shopper's page; central knows each serial's state across showrooms and flags one printed in one showroom and sold
or scanned in another. Bad payloads are refused with the reason, nothing half-written."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from pos.auth.service import create_user
from pos.central.ingest import ingest_batch
from pos.central.registry import add_showroom
from pos.central.scan_ingest import parse_scans, store_scans
from pos.checkout.sales import record_sale
from pos.checkout.shifts import open_shift
from pos.core.clock import local_today
from pos.core.errors import ValidationError
from pos.core.extensions import db as _db
from pos.labels import serials
from pos.labels.scan_counts import count_scan
from pos.models import RemoteSaleLine, RemoteSerial, RemoteSerialScanDaily, Showroom
from pos.sync.scan_sender import push_scans
from pos.sync.sender import push_all
from tests.conftest import PASSWORD, create_showroom_user, give_back, logged_in_client, login, make_app, make_product
from tests.sync_events import return_event, sale_event, sale_line
from tests.test_serials import received

NOW = "2026-12-03T02:00:00Z"
A, B, C = "KPQ7M2XH4T", "MN3RT9VW2Y", "ZZ8HJK4P2Q"


def serials_event(showroom: str, units: list[str], **extra) -> dict:
    return {
        "version": 1,
        "kind": "serials",
        "uuid": str(uuid.uuid4()),
        "showroom": showroom,
        "receipt": "PN-20261203-0001",
        "created_at": NOW,
        "units": [{"serial": s, "sku": "DAO-1", "gtin": "02000000000015", "lot": "D26"} for s in units],
    } | extra


def serial_sale(showroom: str, serial: str | None, quantity: int = 1) -> dict:
    line = sale_line(1, "DAO-1", "Đào thế", "HTX Đào Nhật Tân", "ornamental", quantity, 2_000_000, stars=4)
    if serial is not None:
        line["serial"] = serial
    return sale_event(showroom, f"{showroom}-20261203-{uuid.uuid4().hex[:4]}", NOW, [line])


@pytest.fixture
def central_app(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'central.sqlite3'}", POS_ROLE="central")
    with app.app_context():
        _db.create_all()
        for code in ("HK", "LB"):
            add_showroom(code, f"Điểm bán {code}", secret="k" * 40, since=local_today() - timedelta(days=30))
        create_user("boss", PASSWORD, "manager")
        yield app
        _db.session.remove()


def ingest(code: str, *events) -> list[dict]:
    showroom = _db.session.scalar(select(Showroom).where(Showroom.code == code))
    return ingest_batch(showroom, list(events))


def remote(serial: str) -> RemoteSerial | None:
    _db.session.expire_all()
    return _db.session.scalar(select(RemoteSerial).where(RemoteSerial.serial == serial))


def code_of(showroom_id):
    return _db.session.get(Showroom, showroom_id).code if showroom_id else None


def test_central_knows_where_a_serial_was_issued_and_sold(central_app):
    assert [a["status"] for a in ingest("HK", serials_event("HK", [A, B]))] == ["accepted"]
    again = serials_event("HK", [A, B])
    assert ingest("HK", again)[0]["status"] == "accepted"  # sent again: nothing changes
    assert _db.session.scalar(select(func.count(RemoteSerial.id))) == 2
    sale = serial_sale("HK", A)
    assert ingest("HK", sale)[0]["status"] == "accepted"
    row = remote(A)
    assert (code_of(row.issued_showroom_id), code_of(row.sold_showroom_id), row.sale_uuid, row.flag) == (
        "HK",
        "HK",
        sale["uuid"],
        "",
    )
    assert _db.session.scalar(select(RemoteSaleLine.serial).where(RemoteSaleLine.serial == A)) == A
    assert ingest("HK", return_event(sale, "2026-12-03T03:00:00Z"))[0]["status"] == "accepted"
    row = remote(A)
    assert row.sold_at is None and row.sale_uuid is None and row.flag == ""  # back in stock


def test_a_serial_printed_in_one_showroom_and_sold_in_another_is_flagged_there(central_app):
    ingest("HK", serials_event("HK", [A, B]))
    assert ingest("LB", serial_sale("LB", A))[0]["status"] == "accepted"
    row = remote(A)
    assert (row.flag, code_of(row.flagged_showroom_id), code_of(row.issued_showroom_id)) == (
        "sold_elsewhere",
        "LB",
        "HK",
    )
    # sold first where it was printed, then a copy sold at the other showroom
    ingest("HK", serial_sale("HK", B))
    ingest("LB", serial_sale("LB", B))
    assert (remote(B).flag, code_of(remote(B).sold_showroom_id)) == ("sold_elsewhere", "HK")
    # a serial no showroom issued, sold
    ingest("LB", serial_sale("LB", C))
    assert remote(C).flag == "sold_not_issued"
    boss = central_app.test_client()
    login(boss, "boss")
    page = boss.get("/central/labels/suspect").get_data(as_text=True)
    assert all(s in page for s in (A, B, C)) and "bán tại một điểm bán khác" in page


def test_scans_of_a_serial_at_another_showroom_are_flagged_and_a_busy_label_is_suspect(central_app):
    ingest("HK", serials_event("HK", [A, B]))
    today = local_today()
    rows = [
        {"day": (today - timedelta(days=d)).isoformat(), "products": [_scan_row([(B, 40)] if d == 0 else [])]}
        for d in range(2)
    ]
    lb = _db.session.scalar(select(Showroom).where(Showroom.code == "LB"))
    hk = _db.session.scalar(select(Showroom).where(Showroom.code == "HK"))
    store_scans(hk, parse_scans({"days": rows}))
    store_scans(lb, parse_scans({"days": [{"day": today.isoformat(), "products": [_scan_row([(A, 1)])]}]}))
    assert remote(A).flag == "scanned_elsewhere" and code_of(remote(A).flagged_showroom_id) == "LB"
    assert remote(B).flag == ""
    boss = central_app.test_client()
    login(boss, "boss")
    page = boss.get("/central/labels/suspect").get_data(as_text=True)
    assert A in page and B in page  # B: 40 scans, over SERIAL_SUSPECT_SCANS (30)
    assert _db.session.scalar(select(func.sum(RemoteSerialScanDaily.scans))) == 41


def _scan_row(serial_scans):
    return {
        "sku": "DAO-1",
        "ocop_group": "ornamental",
        "scans": sum(n for _, n in serial_scans) + 1,
        "serials": [{"serial": s, "scans": n} for s, n in serial_scans],
    }


@pytest.mark.parametrize(
    "event, reason",
    [
        (lambda: serial_sale("LB", "abcdefghjk"), "serial 'abcdefghjk' is not 10 of"),
        (lambda: serial_sale("LB", "ABCDEFGHJ0"), "is not 10 of"),
        (lambda: serial_sale("LB", "A" * 21), "'lines[0].serial' must be text of 10 to 10"),
        (lambda: serial_sale("LB", "ABCD\x00FGHJK"), "'lines[0].serial' must be text"),
        (lambda: serial_sale("LB", "ABCD\ud800FGHJK"), "'lines[0].serial' must be text"),
        (lambda: serial_sale("LB", A, quantity=2), "a line with a serial is one unit"),
        (lambda: serials_event("LB", [A, A]), "appears twice"),
        (lambda: serials_event("LB", ["lowercase0"]), "is not 10 of"),
        (lambda: serials_event("LB", []), "'units' must be a list of 1 to 5000"),
        (lambda: serials_event("LB", [B]) | {"units": [{"serial": B}]}, "'units[0].sku' is required"),
    ],
)
def test_bad_serial_payloads_are_refused_with_the_reason_and_nothing_written(central_app, event, reason):
    answers = ingest("LB", event())
    assert answers[0]["status"] == "rejected" and reason in answers[0]["reason"], answers
    assert _db.session.scalar(select(func.count(RemoteSerial.id))) == 0
    assert _db.session.scalar(select(func.count(RemoteSaleLine.id))) == 0


def test_a_serial_another_showroom_issued_refuses_the_whole_event(central_app):
    ingest("HK", serials_event("HK", [A]))
    answers = ingest("LB", serials_event("LB", [B, A]))
    assert answers[0]["status"] == "rejected" and "serial KPQ7M2XH4T was issued by showroom HK" in answers[0]["reason"]
    assert remote(B) is None and code_of(remote(A).issued_showroom_id) == "HK"


@pytest.mark.parametrize(
    "serial_rows, reason",
    [
        ([{"serial": "abcdefghjk", "scans": 1}], "is not 10 of"),
        ([{"serial": A, "scans": 1}, {"serial": A, "scans": 1}], "appears twice"),
        ([{"serial": A, "scans": 99}], "count more scans than the product's"),
        ([{"serial": "A\x00CDEFGHJK", "scans": 1}], "must be text"),
    ],
)
def test_bad_serial_scan_counts_refuse_the_whole_request(central_app, serial_rows, reason):
    body = {"days": [{"day": local_today().isoformat(), "products": [_scan_row([]) | {"serials": serial_rows}]}]}
    with pytest.raises(ValidationError) as refused:
        parse_scans(body)
    assert reason in refused.value.fields["days"]


# --- end to end: a showroom over loopback ---------------------------------------------------------------------------


def test_serials_sales_returns_and_scans_reach_central(app, db, users, central, central_client):
    open_shift(users["cashier"], 0)
    product = make_product(sku="DAO-1", ocop_group="ornamental", price=2_000_000, serialized=True)
    receipt = received(users, product, 3, "D26")
    issued = serials.issue_for_receipt(receipt.id, users["manager"])[0].serials
    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": product.id, "quantity": 1, "lot": "D26", "serial": issued[0]}],
        "payments": [{"method": "cash", "amount": 2_000_000}],
    }
    sale, _ = record_sale(body, users["cashier"])
    count_scan(product.id, "D26", serial=issued[1])
    push_all(central_client)
    push_scans(central_client)

    def states(session):
        return {
            s.serial: (s.flag, s.sale_uuid, s.issued_showroom_id is not None)
            for s in session.scalars(select(RemoteSerial))
        }

    found = central.query(states)
    assert found == {
        issued[0]: ("", sale.uuid, True),
        issued[1]: ("", None, True),
        issued[2]: ("", None, True),
    }
    assert central.query(lambda s: s.scalar(select(RemoteSerialScanDaily.scans))) == 1
    give_back(sale.number, users["manager"])
    push_all(central_client)
    assert central.query(states)[issued[0]] == ("", None, True)


def test_a_showroom_manager_sees_the_suspects_of_their_showroom_and_the_product_report_lists_them(central_app):
    ingest("HK", serials_event("HK", [A, B]))
    ingest("LB", serial_sale("LB", A))  # printed at HK, sold at LB: flagged, involves both
    ingest("HK", serial_sale("HK", C))  # never issued, sold at HK: involves HK only
    create_showroom_user("lb_manager", "manager", "LB")
    lb = logged_in_client(central_app, "lb_manager")
    page = lb.get("/central/labels/suspect")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert A in html and C not in html
    boss = central_app.test_client()
    login(boss, "boss")
    product_id = _db.session.scalar(select(RemoteSaleLine.product_id).where(RemoteSaleLine.serial == A))
    report = boss.get(f"/central/reports/products/{product_id}").get_data(as_text=True)
    section = report[report.index('id="product-suspect-labels"') :]
    assert A in section and C in section
