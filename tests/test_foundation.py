"""The app's foundation: set-up, access control, security basics, migrations."""

import os
import re
import stat

import pytest
from sqlalchemy import inspect, select, text

from pos.core.config import load_secret_key
from pos.core.extensions import db as _db
from pos.models import AuditEntry, Product, User
from tests.conftest import PASSWORD, login, make_app


def test_login_page_is_vietnamese_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "Đăng nhập" in page.get_data(as_text=True)


def test_login_page_in_english_on_request(client):
    page = client.get("/login?lang=en")
    assert "Log in" in page.get_data(as_text=True)


def test_anonymous_staff_page_redirects_to_login(client):
    response = client.get("/catalog/products")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


# Routes anyone may open. Every other route must refuse an anonymous visitor.
PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.set_language",
    "static",
    "health",
    "checkout.public_receipt",
    "public.product_page",
    "public.resolve",
    "public.resolver_description_file",
    "openapi.openapi_json",
    "catalog.media",
    # the customer display: no login; it sees only what the till paired with its cookie sends it
    "display.page",
    "display.state",
    "display.code",
    "display.vietqr_png",
    # central: no login, but every request must carry a showroom's HMAC signature
    "central.receive_sales",
    "central.receive_scans",
    "central.receive_status",
    "central.reconcile",
    "central.catalog",
    "central.showroom_events",
    "central.showroom_transfers",
    # the bank-transfer providers' webhooks: no login, but a payOS signature or a SePay API key
    "central.payos_webhook",
    "central.sepay_webhook",
    "payments.payos_webhook",
    "payments.sepay_webhook",
}


@pytest.fixture(params=["showroom", "central"])
def role_app(request, tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'role.sqlite3'}", POS_ROLE=request.param)
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()


def test_every_route_outside_the_allow_list_refuses_anonymous_access(role_app):
    app, client = role_app, role_app.test_client()
    public_endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if getattr(app.view_functions.get(rule.endpoint), "is_public", False)
    }
    assert public_endpoints - {"static"} <= PUBLIC_ENDPOINTS, "a route was made public without review"
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public_endpoints or rule.endpoint == "static":
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code in (301, 302, 401, 403, 404 if "<" in rule.rule else 0), (
                f"{method} {rule.rule} answered {response.status_code} to an anonymous user"
            )
            if response.status_code == 302:
                assert "/login" in response.headers["Location"]
            checked += 1
    assert checked > 3


def test_cashier_cannot_open_manager_pages(cashier_client):
    response = cashier_client.get("/catalog/products")
    assert response.status_code == 403
    assert "quyền" in response.get_data(as_text=True)


def test_login_and_failed_login_are_audited(client, users, db):
    assert login(client, "manager", "wrong-password").status_code == 401
    assert login(client, "manager").status_code == 302
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["login_failed", "login"]


def test_password_is_hashed_with_a_modern_kdf(users, db):
    user = db.session.scalar(select(User).where(User.username == "cashier"))
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:sha256:"))
    assert PASSWORD not in user.password_hash


def test_password_change_ends_other_sessions(app, users, manager_client, db):
    from pos.auth.service import set_password

    assert manager_client.get("/catalog/products").status_code == 200
    set_password(db.session.scalar(select(User).where(User.username == "manager")), "a-new-password-1")
    assert manager_client.get("/catalog/products").status_code == 302


def test_a_deactivated_user_is_signed_out_at_the_next_request(app, users, manager_client, db):
    from pos.admin.service import set_active

    page = manager_client.get("/catalog/products")
    assert page.status_code == 200 and "Quản lý" in page.get_data(as_text=True)  # the header names the role
    set_active(users["manager"].id, False, users["admin"])
    assert manager_client.get("/catalog/products").status_code == 302


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_flags(client, users):
    response = login(client, "cashier")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_is_throttled(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite3'}", PASSWORD_RATE_LIMIT="3 per minute")
    with app.app_context():
        _db.create_all()
        client = app.test_client()
        codes = [login(client, "nobody", "x").status_code for _ in range(4)]
        _db.engine.dispose()
    assert codes == [401, 401, 401, 429]


def test_secret_key_is_generated_once_with_mode_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_secret_key(tmp_path)
    assert load_secret_key(tmp_path) == first and len(first) >= 32
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


def test_sqlite_runs_in_wal_with_foreign_keys(app, db):
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def test_create_user_cli_reads_password_from_stdin(runner, db):
    result = runner.invoke(args=["create-user", "thu", "--role", "cashier"], input="a-long-password\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.username == "thu")) == "cashier"
    bad = runner.invoke(args=["create-user", "thu2", "--role", "cashier"], input="short\n")
    assert bad.exit_code != 0 and "at least 8" in bad.output
    assert db.session.scalar(select(User).where(User.username == "thu2")) is None


def test_seed_demo_is_idempotent(runner, db):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    count = db.session.scalar(select(_db.func.count(Product.id)))
    assert count >= 20
    second = runner.invoke(args=["seed-demo"])
    assert "0 new products, 0 new users, 0 goods receipts posted" in second.output
    assert db.session.scalar(select(_db.func.count(Product.id))) == count


def _schema_differences(app):
    """What Alembic's autogenerate would still change after `upgrade head`."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        with _db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, _db.metadata)


def test_migrations_build_the_models_schema_on_sqlite(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")
    assert _schema_differences(app) == []


@pytest.mark.postgres
def test_migrations_build_the_models_schema_on_postgresql(pg_url):
    app = make_app(pg_url)
    assert _schema_differences(app) == []
    with app.app_context():
        assert "products" in inspect(_db.engine).get_table_names()
        _db.engine.dispose()
