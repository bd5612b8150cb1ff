"""Security promises that hold for every route, whichever area added it."""
import logging
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
