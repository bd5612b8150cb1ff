"""Security promises that hold for every route, whichever area added it."""
import logging
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
import re

import pytest

from pos.extensions import db as _db
from tests.conftest import PASSWORD, login, make_app

# JSON endpoints authenticated by an HMAC signature instead of a session cookie carry no CSRF token.
CSRF_EXEMPT_ENDPOINTS = {"central.receive_sales", "central.receive_scans"}


def _csrf_app(tmp_path, role="showroom"):
    app = make_app(f"sqlite:///{tmp_path / 'csrf.sqlite3'}", WTF_CSRF_ENABLED=True, POS_ROLE=role)
    with app.app_context():
        _db.create_all()
        from pos.auth.service import create_user
        create_user("boss", PASSWORD, "admin")
    return app


@pytest.mark.parametrize("role", ["showroom", "central"])
def test_every_state_changing_route_refuses_a_request_without_csrf_token(tmp_path, role):
    app = _csrf_app(tmp_path, role)
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in CSRF_EXEMPT_ENDPOINTS or rule.endpoint == "static":
            continue
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            url = re.sub(r"<[^>]+>", "1", rule.rule)
            response = client.open(url, method=method, data={"username": "boss", "password": PASSWORD})
            assert response.status_code == 400, f"{method} {rule.rule} accepted a request without CSRF token"
            assert "Traceback" not in response.get_data(as_text=True)
            checked += 1
    assert checked >= 3


def test_login_form_carries_a_csrf_token_and_works_with_it(tmp_path):
    app = _csrf_app(tmp_path)
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_an_unexpected_error_shows_no_trace_and_no_secret(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'boom.sqlite3'}", PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("internal detail that must not leak")

    with app.app_context():
        _db.create_all()
        from pos.auth.service import create_user
        create_user("boss", PASSWORD, "admin")
    client = app.test_client()
    login(client, "boss")
    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in body and "internal detail" not in body and app.config["SECRET_KEY"] not in body
    assert "Nothing was saved" in body or "Chưa có gì được lưu" in body


def test_oversized_upload_is_refused_with_a_clear_page(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'big.sqlite3'}", MAX_CONTENT_LENGTH=1024)
    with app.app_context():
        _db.create_all()
    response = app.test_client().post("/login", data={"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "quá lớn" in response.get_data(as_text=True)


def test_passwords_never_reach_the_log(client, users, caplog):
    caplog.set_level(logging.DEBUG)
    login(client, "cashier", "a-secret-wrong-password")
    login(client, "cashier")
    assert "a-secret-wrong-password" not in caplog.text and PASSWORD not in caplog.text


# --- Sessions: logout, a password change and deactivation end every copy of a session -----------------------------

def _signed_in_with_remember(app):
    client = app.test_client()
    response = client.post("/login", data={"username": "cashier", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    return client, {cookie.key: cookie.value for cookie in client._cookies.values()}


def _replay(app, cookies: dict[str, str], only: str | None = None):
    """A fresh browser carrying cookies captured earlier (all of them, or only one)."""
    thief = app.test_client()
    for name, value in cookies.items():
        if only is None or name == only:
            thief.set_cookie(name, value)
    return thief.get("/till")


@pytest.mark.parametrize("only", [None, "session", "remember_token"])
def test_cookies_captured_before_logout_open_nothing_afterwards(app, users, only):
    client, captured = _signed_in_with_remember(app)
    assert {"session", "remember_token"} <= captured.keys()
    assert _replay(app, captured, only).status_code == 200  # a copy works while the session lives
    client.post("/logout")
    replayed = _replay(app, captured, only)
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_a_password_change_and_a_deactivation_end_the_users_sessions(app, users, admin_client):
    from pos.admin.service import set_active
    _, captured = _signed_in_with_remember(app)
    admin_client.post("/admin/users", data={"action": "password", "user_id": users["cashier"].id,
                                            "password": "a-brand-new-password"})
    assert _replay(app, captured, "remember_token").status_code == 302
    client = app.test_client()
    assert login(client, "cashier", "a-brand-new-password").status_code == 302
    captured = {cookie.key: cookie.value for cookie in client._cookies.values()}
    set_active(users["cashier"].id, False, users["admin"])
    set_active(users["cashier"].id, True, users["admin"])  # back at work: the old cookies stay dead
    assert _replay(app, captured).status_code == 302


def test_remember_cookie_is_httponly_lax_secure_behind_https_and_lasts_a_shift(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'cookie.sqlite3'}", SESSION_COOKIE_SECURE=True)
    with app.app_context():
        _db.create_all()
        from pos.auth.service import create_user
        create_user("cashier", PASSWORD, "cashier")
    response = app.test_client().post("/login", data={"username": "cashier", "password": PASSWORD, "remember": "y"})
    remember = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember and "Secure" in remember
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", remember).group(1))
    assert timedelta(hours=8) <= expires - datetime.now(timezone.utc) <= timedelta(hours=16, minutes=1)


# --- Demo data never lands on a real database --------------------------------------------------------------------

def test_seed_demo_refuses_a_database_with_real_users_unless_forced(app, runner):
    from pos.auth.service import create_user
    from pos.models import User
    create_user("thu.nguyen", PASSWORD, "admin")
    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0 and "user thu.nguyen" in refused.output and "--force" in refused.output
    assert _db.session.scalars(_db.select(User.username)).all() == ["thu.nguyen"]  # nothing added
    forced = runner.invoke(args=["seed-demo", "--force"])
    assert forced.exit_code == 0, forced.output
    assert {"admin", "manager", "cashier"} <= set(_db.session.scalars(_db.select(User.username)))


def test_seed_demo_refuses_a_real_admin_named_like_a_demo_user_and_a_real_product(app, runner):
    from pos.auth.service import create_user
    from tests.conftest import make_product
    create_user("admin", "the-real-admin-password", "admin")
    assert "user admin" in runner.invoke(args=["seed-demo"]).output
    make_product(sku="REAL-001")
    output = runner.invoke(args=["seed-demo"]).output
    assert "product REAL-001" in output and "producer HTX" in output
