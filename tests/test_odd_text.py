"""No 500 from odd text: a NUL or a lone surrogate (text no database can store) is refused where it comes in,
naming the field, and changes nothing, on SQLite and on PostgreSQL alike (PostgreSQL refuses a NUL; no driver
can send a lone surrogate). Every test here runs on both databases; PostgreSQL's skip when it is unreachable."""

import io
import uuid
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from pos.core.extensions import db as _db
from pos.models import AuditEntry, Product, Sale, User
from tests.conftest import PASSWORD, _pg_reachable, boss_client, fresh_pg_database, html_pages, make_app

NUL = "A\x00B"


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request, tmp_path):
    """The showroom on each database (this module's own `app`: every fixture built on it follows)."""
    with _Database(request.param, tmp_path) as url:
        application = make_app(url)
        with application.app_context():
            _db.create_all()
            yield application
            _db.session.remove()
            _db.engine.dispose()


class _Database:
    def __init__(self, kind, tmp_path):
        self.kind, self.tmp_path, self.pg = kind, tmp_path, None

    def __enter__(self):
        if self.kind == "sqlite":
            return f"sqlite:///{self.tmp_path / 'pos.sqlite3'}"
        reason = _pg_reachable()
        if reason:
            pytest.skip(reason)
        self.pg = fresh_pg_database()
        return self.pg.__enter__()

    def __exit__(self, *exc):
        if self.pg:
            self.pg.__exit__(*exc)


def _count(model):
    return _db.session.scalar(select(func.count()).select_from(model))


def _sale_body(product, **payment):
    return {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": product.id, "quantity": 1}],
        "payments": [{"method": "card", "amount": product.price, "reference": "TID-1"} | payment],
    }


@pytest.mark.parametrize("reference", ["\ud800", "TID\udfff", NUL])
def test_odd_text_in_a_card_reference_is_a_field_error(cashier_client, shop, reference):
    response = cashier_client.post("/api/v1/sales", json=_sale_body(shop["tea"], reference=reference))
    assert response.status_code == 422
    assert "payments[0].reference" in response.get_json()["fields"]
    assert _count(Sale) == 0


def test_a_lone_surrogate_anywhere_in_a_json_body_names_its_place(cashier_client, shop):
    body = _sale_body(shop["tea"]) | {"approval": {"username": "manager\ud800", "password": "x"}}
    response = cashier_client.post("/api/v1/sales", json=body)
    assert response.status_code == 422
    assert response.get_json()["fields"] == {
        "approval.username": "contains a character that cannot be stored (NUL or an invalid Unicode character)"
    }
    assert _count(Sale) == 0


def test_a_nul_in_the_login_username_is_refused_and_nobody_signs_in(client, users):
    response = client.post("/login", data={"username": "cashier\x00", "password": PASSWORD})
    assert response.status_code == 422
    assert "username" in response.get_data(as_text=True)
    assert client.get("/till").status_code == 302  # still signed out
    assert (
        _db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action.in_(["login", "login_failed"]))
        )
        == 0
    )


def test_a_nul_in_a_report_filter_is_refused(manager_client):
    for url in ("/admin/audit?username=ad%00min", "/reports/?day=2026-11-2%00", "/sales?q=TH%00"):
        response = manager_client.get(url)
        assert response.status_code == 422, url
        assert "cannot be stored" in response.get_data(as_text=True) or "không thể lưu" in response.get_data(
            as_text=True
        )


def test_a_nul_in_a_url_path_is_refused(manager_client):
    assert manager_client.get("/sales/TH-1%00").status_code == 422


def test_a_nul_in_a_catalog_csv_is_refused_with_its_line_and_nothing_is_written(manager_client):
    rows = (
        "sku,name_vi,producer,producer_type,group,unit,price,vat_rate\n"
        "CSV-1,Mật ong,HTX A,household,food,hũ,120000,5\n"
        f"CSV-2,Chè{NUL},HTX A,household,drinks,hộp,90000,8\n"
    )
    page = manager_client.post("/catalog/import", data={"file": (io.BytesIO(rows.encode()), "catalog.csv")})
    text = page.get_data(as_text=True)
    assert page.status_code < 500 and "name_vi" in text and "3" in text
    assert _count(Product) == 0


@pytest.mark.parametrize(
    "args",
    [
        ["bad\x00name", "--role", "cashier"],
        ["bad\udcffname", "--role", "cashier"],
        ["okname", "--role", "cashier", "--full-name", "Lan\x00"],
    ],
)
def test_the_command_line_refuses_odd_text_with_a_reason(runner, args):
    result = runner.invoke(args=["create-user", *args], input=PASSWORD + "\n")
    assert result.exit_code == 2
    assert "cannot be stored" in result.output
    assert _count(User) == 0


# --- the form fuzzer: every form on every page, every field holding a NUL ---------------------------------------


class _Forms(HTMLParser):
    """The forms of a page: (method, action, {field name: value})."""

    def __init__(self):
        super().__init__()
        self.forms, self._current = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = (attrs.get("method", "get").upper(), attrs.get("action") or "", {})
            self.forms.append(self._current)
        elif (
            tag in ("input", "textarea", "select")
            and self._current
            and attrs.get("name")
            and attrs.get("type") not in ("submit", "button", "file", "image", "reset")
        ):
            self._current[2][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _pages(app):
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and rule.endpoint != "static"
        and not rule.rule.endswith((".png", ".json", ".csv"))
    )


def fuzz_every_form(app, client) -> tuple[int, dict]:
    """Fill every field of every form, one field at a time, with a NUL; submit. Nothing may answer 500, and a
    refusal must name the field."""
    tried, failures = 0, {}
    for page, html in html_pages(client, _pages(app)):
        parser = _Forms()
        parser.feed(html)
        for method, action, fields in parser.forms:
            for name in fields:
                if name == "csrf_token":
                    continue
                data = fields | {name: f"{fields[name]}{NUL}"}
                target = action or page
                answer = client.get(target, query_string=data) if method == "GET" else client.post(target, data=data)
                tried += 1
                body = answer.get_data(as_text=True)
                if answer.status_code >= 500 or (answer.status_code == 422 and name not in body):
                    failures[f"{method} {target} {name}"] = answer.status_code
    return tried, failures


def test_every_form_of_the_showroom_refuses_a_nul_in_any_field(app, admin_client, runner):
    assert runner.invoke(args=["seed-demo", "--force"]).exit_code == 0
    tried, failures = fuzz_every_form(app, admin_client)
    assert failures == {} and tried >= 40


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_every_form_of_central_refuses_a_nul_in_any_field(kind, tmp_path):
    with _Database(kind, tmp_path) as url:
        central = make_app(url, POS_ROLE="central")
        with central.app_context():
            _db.create_all()
            client = boss_client(central)
            tried, failures = fuzz_every_form(central, client)
            _db.session.remove()
            _db.engine.dispose()
    assert failures == {} and tried >= 10


def test_money_sums_read_back_as_whole_numbers_on_every_database(cashier_client, shop):
    """Money is bigint on PostgreSQL, whose SUM of bigints is a numeric: it must still read back as an int (a
    Decimal cannot be divided into notes, nor compared with a typed count)."""
    from pos.checkout.shifts import current_shift, shift_report

    for _ in range(2):
        assert cashier_client.post("/api/v1/sales", json=_sale_body(shop["tea"], method="cash")).status_code == 201
    report = shift_report(current_shift())
    assert report["by_method"]["cash"] == 2 * shop["tea"].price and report["expected_cash"] == 1_000_000 + 700_000
    assert {type(report[k]) for k in ("sales_total", "expected_cash", "cash_movements")} == {int}
    assert type(report["by_method"]["cash"]) is int
