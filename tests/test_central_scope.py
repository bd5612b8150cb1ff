"""At central, a user tied to one showroom sees only that showroom and changes nothing shared.

The walk below opens EVERY route in central's URL map as such a user (a manager and an admin tied to TH), with
every method, the ids of another showroom's data and the query strings that try to reach it: each answer is
either a refusal (403, or 401 for the HMAC-signed sync endpoints) or shows nothing of the other showroom."""

import csv
import html
import io
import re
from urllib.parse import quote, quote_plus, unquote_plus

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from pos.auth.scope import EVERYTHING, Scope
from pos.auth.service import create_user
from pos.central import reports
from pos.central.registry import add_showroom
from pos.core.audit import record_audit
from pos.core.database import atomic
from pos.core.extensions import db as _db
from pos.models import AuditEntry, OcopRating, Producer, Product, RemoteProduct, SyncRejection, User
from tests.conftest import PASSWORD, create_showroom_user, login, make_central_app, make_product
from tests.test_central_reports import TODAY, _ingest, _sale, add_catalog_products

OTHER = "HKQZ9"  # long enough never to turn up by chance in a token
SHARED_SKU = "CSQA-100"
# Everything only the other showroom (or central's own staff) knows: none of it may reach a TH user.
SECRETS = [
    OTHER,
    "Điểm bán Hoàn Kiếm",  # the other showroom's code and name
    "Mứt gừng Hoàn Kiếm",
    "MGHK-7",  # a product sold only there
    "HTX Gừng Kim Sơn",  # its producer
    "hk_boss",
    "hq_chief",  # the other showroom's manager, central's admin (audit)
    "440.371",
    "440371",  # the other showroom's revenue today
    "370.371",
    "370371",  # the product sold only there
    "490.371",
    "490371",  # both showrooms together
    "105.000",
    "105000",  # the shared product's revenue at both showrooms together
]


@pytest.fixture
def central(tmp_path):
    app = make_central_app(tmp_path / "central.sqlite3")
    with app.app_context():
        add_showroom("TH", "Điểm bán Tây Hồ", secret="t" * 40)
        add_showroom(OTHER, "Điểm bán Hoàn Kiếm", secret="h" * 40)
        staff = (
            ("hq_chief", "admin", None),
            ("hk_boss", "manager", OTHER),
            ("th_manager", "manager", "TH"),
            ("th_admin", "admin", "TH"),
        )
        for username, role, code in staff:
            create_showroom_user(username, role, code)
        add_catalog_products()  # CSQA-100 is central's, so both showrooms' sales of it count under one product
        th_sale = _sale("TH", TODAY, [(0, 1, 35_000, 4, 5_000, False), (1, 1, 15_000, 3, None, True)])
        hk_sale = _sale(OTHER, TODAY, [(0, 2, 35_000, 4, 5_000, False), (1, 3, 123_457, 3, None, True)])
        hk_sale["lines"][1].update(sku="MGHK-7", name_vi="Mứt gừng Hoàn Kiếm", producer="HTX Gừng Kim Sơn")
        _ingest([th_sale, hk_sale])
        master = make_product(sku="MASTER-1", name_vi="Trà shan tuyết", gtin="8930000000019")
        with atomic():
            _db.session.add(SyncRejection(showroom_code=OTHER, reason="unauthorized: bad signature"))
            hq = _db.session.scalar(select(User).where(User.username == "hq_chief"))
            record_audit("update", "product", master.id, note="hq edit", user=hq)
        yield app
        _db.session.remove()


def _client(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def _text(response) -> str:
    """What a user reads in the answer: the page, the CSV, or every cell of the XLSX."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        book = load_workbook(io.BytesIO(response.data))
        return "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)
    text = response.get_data(as_text=True)
    return re.sub(r'name="csrf_token"[^>]*>', "", text)


def _without_echo(text: str, query: str) -> str:
    """The page less the user's own query string echoed back (links keeping the filters, the form's values):
    typing the other showroom's code is no leak of it."""
    for pair in query.lstrip("?").split("&"):
        if "=" in pair:
            raw = unquote_plus(pair.split("=", 1)[1])
            for form in {pair, raw, quote_plus(raw), quote(raw), html.escape(raw)}:
                text = text.replace(form, "")
    return text


def _url_values(app, rule) -> list[dict]:
    """Every combination of the argument values worth trying: the other showroom's rows among them."""
    ids = {
        "product_id": [
            _db.session.scalar(select(RemoteProduct.id).where(RemoteProduct.sku == "MGHK-7")),
            _db.session.scalar(select(RemoteProduct.id).where(RemoteProduct.sku == SHARED_SKU)),
            _db.session.scalar(select(func.max(Product.id))),
        ],
        "producer_id": [_db.session.scalar(select(func.max(Producer.id)))],
        "rating_id": [_db.session.scalar(select(func.max(OcopRating.id)))],
        "code": [_db.session.scalar(select(Product.gtin).where(Product.sku == "MASTER-1")).rjust(14, "0")],
        "lot": ["L1"],
        "rest": [_db.session.scalar(select(Product.gtin).where(Product.sku == "MASTER-1")).rjust(14, "0") + "/10/L1"],
        "filename": ["x.png"],
    }
    combos = [{}]
    for name, converter in rule._converters.items():
        if hasattr(converter, "items"):  # <any(…)>
            values = sorted(converter.items)
        else:
            assert name in ids, f"{rule.rule}: the scope walk needs values to try for <{name}>"
            values = ids[name]
        combos = [dict(combo, **{name: value}) for combo in combos for value in values]
    return combos


QUERIES = [
    "",
    f"?showroom={OTHER}",
    "?preset=this_year&format=csv",
    f"?showroom={OTHER}&format=csv",
    f"?showroom={OTHER}&format=xlsx",
    "?username=hk_boss",
    f"?q=gừng&producer=HTX+Gừng+Kim+Sơn&showroom={OTHER}",
]


def _walk(app, client):
    """(endpoint, method, url, status) of every request the walk made; fails on any leak."""
    seen = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        for values in _url_values(app, rule):
            with app.test_request_context():
                path = app.url_for(rule.endpoint, **values)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for query in QUERIES if method == "GET" else [""]:
                    response = client.open(path + query, method=method, data={"next": "/central/reports"})
                    seen.append((rule.endpoint, method, path + query, response.status_code))
                    assert response.status_code != 500, (method, path + query)
                    signed_only = rule.rule.startswith("/api/v1/sync/") and response.status_code == 401
                    if response.status_code == 403 or signed_only:  # refused (sync: a session is no signature)
                        continue
                    text = _without_echo(_text(response), query)
                    leaked = [secret for secret in SECRETS if secret in text]
                    assert not leaked, f"{method} {path + query} shows {leaked}"
                    if response.status_code in (301, 302, 303):
                        assert OTHER not in response.headers["Location"]
                    if rule.endpoint == "auth.logout":
                        assert login(client, client.username).status_code == 302  # logged out: log in again
    return seen


@pytest.mark.parametrize("username", ["th_manager", "th_admin"])
def test_every_central_route_is_scoped_or_refused_for_a_showroom_user(central, username):
    client = _client(central, username)
    client.username = username
    before = {
        model.__name__: _db.session.scalar(select(func.count()).select_from(model))
        for model in (Product, Producer, OcopRating, User)
    }
    seen = _walk(central, client)
    refused = {endpoint for endpoint, method, url, status in seen if status == 403}
    # Changing anything shared is refused: the master catalog, central's users and settings.
    assert {
        "catalog.product_new",
        "catalog.product_edit",
        "catalog.producer_new",
        "catalog.producer_edit",
        "catalog.rating_add",
        "catalog.rating_revoke",
        "catalog.import_page",
        "admin.users",
        "admin.settings",
    } <= refused
    assert {endpoint for endpoint, *_ in seen} >= {rule.endpoint for rule in central.url_map.iter_rules()} - {"static"}
    after = {
        model.__name__: _db.session.scalar(select(func.count()).select_from(model))
        for model in (Product, Producer, OcopRating, User)
    }
    assert after == before


def test_the_walk_would_see_the_other_showroom_as_a_central_user(central):
    """The secrets are really there: central's own admin reads them on the same pages."""
    client = _client(central, "hq_chief")
    shown = "".join(
        _text(client.get(url))
        for url in (
            "/central/showrooms",
            "/central/reports?preset=today",
            "/central/reports/products?preset=today",
            "/central/reports/showrooms?preset=today&format=xlsx",
            "/central/reports/products?preset=today&format=csv",
            "/central/reports?preset=today&format=csv",
            "/admin/audit",
        )
    )
    assert [secret for secret in SECRETS if secret not in shown] == []


def test_a_showroom_manager_reads_their_own_figures(central):
    client = _client(central, "th_manager")
    html = client.get("/central/showrooms").get_data(as_text=True)
    assert "Điểm bán Tây Hồ" in html and "50.000" in html
    html = client.get(f"/central/reports?preset=today&showroom={OTHER}").get_data(as_text=True)
    assert 'id="revenue">50.000' in html
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/central/reports/products?preset=today&showroom={OTHER}&format=csv")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    revenue = rows[0].index("Doanh thu (₫)")
    assert sorted((r[0], r[revenue]) for r in rows[1:]) == [
        ("Chè Sen Quảng An hộp 100g", "35000"),
        ("Xôi Phú Thượng", "15000"),
    ]
    shared = _db.session.scalar(select(RemoteProduct.id).where(RemoteProduct.sku == SHARED_SKU))
    html = client.get(f"/central/reports/products/{shared}?preset=today").get_data(as_text=True)
    assert "(TH)" in html and "35.000" in html and f"({OTHER})" not in html
    # the showroom's own audit: their logins, not central's or the other showroom's
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "th_manager" in html and "hq_chief" not in html
    # the menu offers only what they may open
    assert "/catalog/" not in html and "/admin/users" not in html


def test_a_product_sold_only_elsewhere_is_not_found_for_a_showroom_user(central):
    other_only = _db.session.scalar(select(RemoteProduct.id).where(RemoteProduct.sku == "MGHK-7"))
    assert _client(central, "th_manager").get(f"/central/reports/products/{other_only}").status_code == 404
    assert _client(central, "hq_chief").get(f"/central/reports/products/{other_only}").status_code == 200


def test_the_report_services_pin_a_filter_to_its_scope(central):
    """Deny by default in the services too: a filter cannot be built without a scope, and a showroom's scope
    overrides whatever showroom the arguments name."""
    with pytest.raises(TypeError):
        reports.ReportFilter(start=TODAY, end=TODAY)  # the missing scope is the point
    f = reports.parse_filter({"preset": "today", "showroom": OTHER}, Scope("TH"))
    assert f.showroom == "TH" and f.previous().showroom == "TH"
    assert reports.overview(f).revenue == 50_000
    assert reports.overview(reports.parse_filter({"preset": "today"}, EVERYTHING)).revenue == 490_371
    assert reports.filter_choices(Scope("TH"))["producers"] == ["HTX Chè Sen Quảng An", "Hộ Xôi Phú Thượng"]
    assert "HTX Gừng Kim Sơn" in reports.filter_choices(EVERYTHING)["producers"]
    # a user tied to a showroom central does not know sees nothing at all
    assert reports.overview(reports.parse_filter({"preset": "today"}, Scope("NOPE"))).revenue == 0


def test_a_new_central_route_is_refused_to_a_showroom_user_until_it_applies_the_scope(tmp_path):
    app = make_central_app(tmp_path / "c.sqlite3")

    @app.get("/central/new-report")
    def new_report():
        return "every showroom's figures"

    with app.app_context():
        create_showroom_user("th_manager", "manager", "TH")
        assert _client(app, "th_manager").get("/central/new-report").status_code == 403
        create_user("chief", PASSWORD, "manager")
        assert _client(app, "chief").get("/central/new-report").status_code == 200


def test_at_a_showroom_the_showroom_code_limits_nothing(manager_client, db):
    db.session.execute(update(User).where(User.username == "manager").values(showroom_code="XX"))
    db.session.commit()
    assert manager_client.get("/catalog/products").status_code == 200
    assert manager_client.get("/admin/audit").status_code == 200


def test_the_audit_log_of_a_showroom_user_is_theirs(central):
    with atomic():
        _db.session.add(AuditEntry(action="login_failed", entity="user", entity_id="th_manager", username=""))
        _db.session.add(AuditEntry(action="login_failed", entity="user", entity_id="hk_boss", username=""))
    from pos.admin.service import audit_entries

    entries = _db.session.scalars(audit_entries(Scope("TH"))).all()
    assert {(e.action, e.entity_id) for e in entries} >= {("login_failed", "th_manager"), ("create", "TH")}
    assert not [
        e for e in entries if OTHER in (e.entity_id, e.username) or "hk_boss" in e.entity_id or e.username == "hq_chief"
    ]
    assert len(_db.session.scalars(audit_entries(EVERYTHING)).all()) > len(entries)
