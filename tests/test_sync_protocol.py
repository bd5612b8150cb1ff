"""Central checks what a showroom sends, not only that it is signed: a sale never rewrites central's catalog or
another showroom's product, a return never refunds more than its sale has left, dates are sane, and forged
requests are counted without growing a table or being blamed on the showroom they name. One module
(pos.protocol) defines the events; the docs and the OpenAPI document agree with it.

Each test runs on SQLite and on PostgreSQL (skipped with the reason when PostgreSQL is unreachable)."""

import ast
import json
import re
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pos.auth.scope import EVERYTHING
from pos.auth.service import create_user
from pos.central import reports
from pos.central.ingest import ingest_batch
from pos.central.registry import add_showroom
from pos.core.clock import to_local, utcnow
from pos.core.extensions import db as _db
from pos.models import (
    RefusedRequests,
    RemoteProduct,
    RemoteSale,
    RemoteSaleLine,
    Showroom,
    ShowroomDaily,
    SyncRejection,
)
from pos.protocol import events, signing
from tests.conftest import PASSWORD, _pg_reachable, fresh_pg_database, login, make_app, make_producer, make_product
from tests.sync_events import return_event, sale_event, sale_line

ROOT = Path(__file__).resolve().parents[1]
SECRET = "k" * 40


@pytest.fixture(params=["sqlite", "postgresql"])
def central(request, tmp_path):
    """Central with HK and LB registered 30 days ago and one product, CSQA-100, in its master catalog."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'central.sqlite3'}"
        else:
            reason = _pg_reachable()
            if reason:
                pytest.skip(reason)
            url = stack.enter_context(fresh_pg_database("pos_protocol"))
        app = make_app(url, POS_ROLE="central")
        with app.app_context():
            _db.create_all()
            for code in ("HK", "LB"):
                add_showroom(
                    code, f"Điểm bán {code}", secret=SECRET, since=to_local(utcnow()).date() - timedelta(days=30)
                )
            make_product(
                make_producer(name="HTX Chè Sen Quảng An"),
                sku="CSQA-100",
                name_vi="Chè Sen Quảng An",
                ocop_group="drinks",
                stars=None,
            )
            _db.session.commit()
            yield app
            _db.session.remove()
            _db.engine.dispose()


def _showroom(code):
    return _db.session.scalar(select(Showroom).where(Showroom.code == code))


def _moment(days_ago=0):
    return (utcnow() - timedelta(days=days_ago)).replace(microsecond=0).isoformat() + "Z"


TEA = {"sku": "CSQA-100", "name": "Chè Sen Quảng An hộp 100g", "producer": "HTX Chè Sen Quảng An", "group": "drinks"}


def _sale(code, *, quantity=1, price=350_000, created_at=None, **product):
    """A sale of one line: of `product` (sku, name, producer, group), the tea unless it says otherwise."""
    sku, name, producer, group = (product.get(key, TEA[key]) for key in ("sku", "name", "producer", "group"))
    line = sale_line(1, sku, name, producer, group, quantity, price, stars=4)
    return sale_event(code, f"{code}-1", created_at or _moment(), [line])


def _return(sale, *, quantity=None, amount=None, vat=None, created_at=None):
    line = sale["lines"][0]
    return return_event(
        sale,
        created_at or _moment(),
        quantity=quantity,
        amount=line["amount"] if amount is None else amount,
        vat_amount=line["vat_amount"] if vat is None else vat,
    )


def _ingest(code, batch):
    return ingest_batch(_showroom(code), batch)


def _group_report(code):
    today = utcnow().date()
    f = reports.parse_filter(
        {
            "preset": "custom",
            "start": (today - timedelta(days=2)).isoformat(),
            "end": (today + timedelta(days=1)).isoformat(),
            "showroom": code,
        },
        EVERYTHING,
        today=today + timedelta(days=1),
    )
    return {r.key: (r.units, r.revenue) for r in reports.per_group(f)}


# --- 1. a sale's lines never rewrite central's catalog ----------------------------------------------


def test_a_sale_naming_a_catalog_sku_changes_neither_the_catalog_product_nor_another_showrooms_report(central):
    assert _ingest("HK", [_sale("HK", quantity=3)])[0]["status"] == "accepted"
    before = _group_report("HK")
    hostile = _sale("LB", name="Hàng giả", producer="Công ty Khác", group="tourism", quantity=309, price=350_000)
    assert _ingest("LB", [hostile])[0]["status"] == "accepted"

    assert _group_report("HK") == before
    product = _db.session.scalar(select(RemoteProduct).where(RemoteProduct.sku == "CSQA-100"))
    assert (product.owner, product.name_vi, product.producer, product.ocop_group) == (
        "",
        "Chè Sen Quảng An",
        "HTX Chè Sen Quảng An",
        "drinks",
    )
    # LB's units count under central's product and group; its line keeps what LB said it sold.
    assert _group_report("LB") == {"drinks": (309, 309 * 350_000)}
    line = _db.session.scalar(select(RemoteSaleLine).join(RemoteSale).where(RemoteSale.uuid == hostile["uuid"]))
    assert (line.sku, line.name_vi, line.unit_price, line.vat_rate, line.stars, line.product_id) == (
        "CSQA-100",
        "Hàng giả",
        350_000,
        8,
        4,
        product.id,
    )


def test_a_sku_central_does_not_know_is_each_showrooms_own_product(central):
    _ingest("HK", [_sale("HK", sku="LOCAL-1", name="Bánh cốm Hàng Than", producer="Hộ Cốm", group="food")])
    _ingest("LB", [_sale("LB", sku="LOCAL-1", name="Rượu", producer="Lò Rượu", group="drinks")])
    _ingest("LB", [_sale("LB", sku="LOCAL-1", name="Rượu ngô", producer="Lò Rượu", group="drinks")])
    products = {
        p.owner: (p.name_vi, p.producer, p.ocop_group)
        for p in _db.session.scalars(select(RemoteProduct).where(RemoteProduct.sku == "LOCAL-1"))
    }
    assert products == {"HK": ("Bánh cốm Hàng Than", "Hộ Cốm", "food"), "LB": ("Rượu ngô", "Lò Rượu", "drinks")}
    assert list(_group_report("HK")) and all(units == 1 for units, _ in _group_report("HK").values())


# --- 2. a return is checked against its sale ---------------------------------------------------------


def test_five_full_refunds_of_one_sale_are_one_refund(central):
    sale = _sale("HK", price=1_000)
    _ingest("HK", [sale])
    answers = _ingest("HK", [_return(sale) for _ in range(3)]) + _ingest("HK", [_return(sale) for _ in range(2)])
    assert [a["status"] for a in answers] == ["accepted"] + ["rejected"] * 4
    assert "1 units returned, but only 0 of the 1 sold are not returned yet" in answers[1]["reason"]
    day = _db.session.scalar(select(ShowroomDaily).where(ShowroomDaily.showroom_id == _showroom("HK").id))
    assert (day.returns_count, day.returns_total, day.sales_total) == (1, 1_000, 1_000)
    assert _db.session.scalar(select(func.count()).select_from(SyncRejection)) == 4


def test_a_return_takes_back_no_more_units_money_or_vat_than_its_sale_has_left(central):
    sale = _sale("HK", quantity=3, price=10_000)  # 30.000 đồng, 2.222 VAT
    _ingest("HK", [sale])
    first = _return(sale, quantity=2, amount=20_000, vat=1_481)
    answers = _ingest(
        "HK",
        [
            first,
            _return(sale, quantity=2, amount=20_000, vat=1_481),
            _return(sale, quantity=1, amount=20_000, vat=1_481),
            _return(sale, quantity=1, amount=10_000, vat=900),
            _return(sale, quantity=1, amount=10_000, vat=741),
        ],
    )
    assert [a["status"] for a in answers] == ["accepted", "rejected", "rejected", "rejected", "accepted"]
    assert "units returned" in answers[1]["reason"]
    assert "20000 đồng refunded, but only 10000 of the 30000 paid" in answers[2]["reason"]
    assert "of VAT refunded, but only 741" in answers[3]["reason"]
    over_vat = _return(_sale("HK"), vat=400_000, amount=350_000)
    assert "'vat_amount' is more than the amount" in _ingest("HK", [over_vat])[0]["reason"]
    other = _sale("LB")
    _ingest("LB", [other])
    assert "another showroom's" in _ingest("HK", [dict(_return(other), showroom="HK")])[0]["reason"]


# --- 3. dates ----------------------------------------------------------------------------------------


def test_an_event_dated_after_tomorrow_or_before_registration_is_refused_with_the_reason(central):
    future = (utcnow() + timedelta(days=1, hours=1)).replace(microsecond=0).isoformat() + "Z"
    answers = _ingest(
        "HK",
        [
            _sale("HK", created_at=future),
            _sale("HK", created_at=_moment(days_ago=32)),
            _sale("HK", created_at=_moment(days_ago=29)),
        ],
    )
    assert [a["status"] for a in answers] == ["rejected", "rejected", "accepted"]
    assert "more than a day after central's clock" in answers[0]["reason"]
    assert "before the showroom was registered" in answers[1]["reason"]
    assert _db.session.scalar(select(func.count()).select_from(RemoteSale)) == 1


# --- 4. forged requests ------------------------------------------------------------------------------


def test_forged_requests_are_counted_per_minute_and_never_blamed_on_the_showroom_they_name(central):
    client = central.test_client()
    body = json.dumps({"events": [_sale("HK")]}).encode()
    for n in range(200):
        headers = signing.signed_headers("HK", "wrong-secret" * 4, "POST", "/api/v1/sync/sales", body)
        if n % 2:
            headers = {signing.SHOWROOM_HEADER: "HK"}  # unsigned
        assert (
            client.post("/api/v1/sync/sales", data=body, headers=headers, content_type="application/json").status_code
            == 401
        )
    for n in range(50):
        client.post(
            "/api/v1/sync/sales", data=body, headers={signing.SHOWROOM_HEADER: f"X{n}"}, content_type="application/json"
        )
    rows = _db.session.execute(
        select(RefusedRequests.claimed_code, RefusedRequests.reason, func.sum(RefusedRequests.count)).group_by(
            RefusedRequests.claimed_code, RefusedRequests.reason
        )
    ).all()
    assert sorted(rows) == [
        ("", "unknown showroom", 50),
        ("HK", "bad signature", 100),
        ("HK", "missing or malformed timestamp", 100),
    ]
    assert _db.session.scalar(select(func.count()).select_from(RefusedRequests)) <= 6  # at most 2 minutes
    assert _db.session.scalar(select(func.count()).select_from(SyncRejection)) == 0
    from pos.central.status import showroom_status

    assert {s.code: s.rejections for s in showroom_status(EVERYTHING)} == {"HK": 0, "LB": 0}
    create_user("boss", PASSWORD, "manager")
    boss = central.test_client()
    login(boss, "boss")
    page = boss.get("/central/showrooms").get_data(as_text=True)
    assert 'id="refused-requests"' in page and '<td>bad signature</td><td class="num">100</td>' in page


def test_old_counts_of_forged_requests_are_pruned(central, monkeypatch):
    old = datetime(2026, 11, 24, 9, 0)
    _db.session.add(RefusedRequests(minute=old, claimed_code="HK", reason="bad signature", count=5))
    _db.session.commit()
    monkeypatch.setattr("pos.central.registry.utcnow", lambda: datetime(2026, 12, 2, 10, 0, 5))
    central.test_client().post("/api/v1/sync/sales", data=b"{}", headers={signing.SHOWROOM_HEADER: "HK"})
    assert old not in _db.session.scalars(select(RefusedRequests.minute)).all()


# --- 5. one protocol module --------------------------------------------------------------------------


def _documented_tables() -> dict[str, dict[str, str]]:
    tables, current = {}, None
    for line in (ROOT / "docs" / "sync-payloads.md").read_text().splitlines():
        heading = re.match(r"^### Fields of (.+)$", line)
        if heading:
            current = tables.setdefault(heading.group(1), {})
        elif current is not None and (row := re.match(r"^\| `([^`]+)` \| ([^|]*) \|", line)):
            current[row.group(1)] = row.group(2).strip()
        elif current is not None and line.startswith("#"):
            current = None
    return tables


def test_the_payload_docs_document_every_field_of_every_event_and_nothing_else(app):
    documented = _documented_tables()
    declared = {shape.name: {f.name: f.signature() for f in shape.fields} for shape in events.SHAPES}
    assert documented == declared


def test_central_does_not_import_the_showrooms_sync_package():
    offenders = []
    for path in (ROOT / "pos" / "central").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path.name}: {n}" for n in names if n == "pos.sync" or n.startswith("pos.sync.")]
    assert offenders == []


def test_central_openapi_document_has_the_sync_endpoints_with_the_protocols_fields(central):
    document = central.test_client().get("/api/v1/openapi.json").get_json()
    assert {"/api/v1/sync/sales", "/api/v1/sync/scans", "/api/v1/sync/reconcile", "/api/v1/sync/catalog"} <= set(
        document["paths"]
    )
    kinds = document["paths"]["/api/v1/sync/sales"]["post"]["requestBody"]["content"]["application/json"]["schema"][
        "properties"
    ]["events"]["items"]["oneOf"]
    sale = next(k for k in kinds if k["properties"]["kind"]["enum"] == ["sale"])
    assert sorted(sale["properties"]) == sorted(events.SALE.field_names())
    assert sale["properties"]["lines"]["items"]["properties"]["quantity"]["maximum"] == events.MAX_QUANTITY


@pytest.mark.parametrize(
    "bad, problem",
    [
        ({"total": 2**70}, "'total' must be a whole number"),
        ({"number": "TH\x00-1"}, "'number' must be text"),
        ({"cashier": "\ud800"}, "'cashier' must be text"),
        ({"lines": [{"line_no": True}]}, "'lines[0].line_no' must be a whole number"),
        ({"created_at": "2026-11-23T03:12:09+07:00"}, "'created_at' must be a UTC time"),
        ({"payments": [{"method": "cash", "amount": 1.5}]}, "'payments[0].amount' must be a whole number"),
    ],
)
def test_the_protocol_refuses_each_bad_field_by_name(bad, problem):
    with pytest.raises(events.Invalid, match=re.escape(problem)):
        events.parse_event(_sale("HK") | bad, "HK")


def test_a_large_batch_adds_the_same_figures_to_every_rollup_as_its_lines(central):
    """Over 50 rollup rows PostgreSQL takes them in one statement (three tables at once): each rollup must
    still equal the sum of the stored lines, per day and product."""
    batch = []
    for n in range(120):
        sale = _sale(
            "HK",
            sku=f"LOCAL-{n % 60}",
            name=f"Sản phẩm {n % 60}",
            quantity=1 + n % 3,
            price=1_000 * (1 + n % 7),
            created_at=_moment(days_ago=n % 3),
        )
        batch.append(sale)
    assert {a["status"] for a in _ingest("HK", batch)} == {"accepted"}
    _ingest("HK", [*batch[:70], _sale("HK", sku="LOCAL-1", name="Sản phẩm 1", created_at=_moment(days_ago=1))])
    from pos.models import ProductDaily, ProductMonthly, SalesRollupDaily, SalesRollupMonthly

    lines = dict(
        _db.session.execute(
            select(RemoteSaleLine.product_id, func.sum(RemoteSaleLine.amount)).group_by(RemoteSaleLine.product_id)
        ).all()
    )
    for model in (SalesRollupDaily, SalesRollupMonthly, ProductDaily, ProductMonthly):
        assert (
            dict(
                _db.session.execute(select(model.product_id, func.sum(model.revenue)).group_by(model.product_id)).all()
            )
            == lines
        ), model.__name__
    assert len(lines) == 60
