"""Security promises that hold for every route, whichever area added it."""

import itertools
import logging
import re
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from pos.core.extensions import db as _db
from tests.conftest import PASSWORD, login, make_app, return_form, sell_by_api

# JSON endpoints authenticated by an HMAC signature instead of a session cookie carry no CSRF token.
# Signed by a showroom's HMAC (sync) or by a payment provider (its signature or API key), never by a browser.
CSRF_EXEMPT_ENDPOINTS = {
    "central.receive_sales",
    "central.receive_scans",
    "central.receive_status",
    "central.payos_webhook",
    "central.sepay_webhook",
    "payments.payos_webhook",
    "payments.sepay_webhook",
}


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
    admin_client.post(
        "/admin/users", data={"action": "password", "user_id": users["cashier"].id, "password": "a-brand-new-password"}
    )
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
    assert timedelta(hours=8) <= expires - datetime.now(UTC) <= timedelta(hours=16, minutes=1)


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


# --- One throttle for every password check ------------------------------------------------------------------------


def _throttled_app(tmp_path, **config):
    app = make_app(f"sqlite:///{tmp_path / 'throttle.sqlite3'}", **config)
    with app.app_context():
        _db.create_all()
        from pos.auth.service import create_user

        for role in ("cashier", "manager"):
            create_user(role, PASSWORD, role)
    return app


def _login_from(client, address, username="cashier", password="a-wrong-guess", **headers):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    ).status_code


def test_x_forwarded_for_is_ignored_without_trusted_proxies(tmp_path):
    app = _throttled_app(tmp_path, PASSWORD_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [_login_from(client, "203.0.113.5", **{"X-Forwarded-For": f"10.9.9.{i}"}) for i in range(5)]
    assert codes == [401, 401, 401, 429, 429]  # a forged header buys no fresh allowance
    assert _login_from(client, "198.51.100.7", password=PASSWORD) == 302  # the owner, from elsewhere


def test_behind_a_trusted_proxy_one_attacker_cannot_lock_out_the_owner(tmp_path):
    app = _throttled_app(tmp_path, PASSWORD_RATE_LIMIT="3 per minute", TRUSTED_PROXIES=1)
    client = app.test_client()
    proxy = "10.0.0.1"  # every request arrives from the HTTPS proxy
    attacker = [_login_from(client, proxy, **{"X-Forwarded-For": "203.0.113.5"}) for _ in range(5)]
    assert attacker == [401, 401, 401, 429, 429]
    assert _login_from(app.test_client(), proxy, password=PASSWORD, **{"X-Forwarded-For": "198.51.100.7"}) == 302
    page = client.post(
        "/login",
        data={"username": "cashier", "password": "x"},
        environ_base={"REMOTE_ADDR": proxy},
        headers={"X-Forwarded-For": "203.0.113.5"},
    )
    assert "Nhập sai mật khẩu quá nhiều lần" in page.get_data(as_text=True)


def test_a_right_password_is_not_counted_against_its_owner(tmp_path):
    app = _throttled_app(tmp_path, PASSWORD_RATE_LIMIT="3 per minute")
    client = app.test_client()
    here = "198.51.100.7"
    assert [_login_from(app.test_client(), here) for _ in range(2)] == [401, 401]
    assert [_login_from(app.test_client(), here, password=PASSWORD) for _ in range(3)] == [302] * 3
    assert [_login_from(client, here) for _ in range(2)] == [401, 429]
    assert _login_from(app.test_client(), here, password=PASSWORD) == 429  # used up: nothing is checked


def test_one_address_guessing_many_usernames_meets_the_address_ceiling(tmp_path):
    app = _throttled_app(tmp_path, PASSWORD_RATE_LIMIT="3 per minute", PASSWORD_RATE_LIMIT_PER_ADDRESS="5 per minute")
    client = app.test_client()
    codes = [_login_from(client, "203.0.113.5", username=f"user{i}") for i in range(7)]
    assert codes == [401] * 5 + [429] * 2
    assert _login_from(client, "198.51.100.7", password=PASSWORD) == 302


def test_wrong_logins_are_counted_once_across_every_worker_process(tmp_path):
    """Gunicorn with three workers behind one proxy hop: 30 concurrent guesses check exactly the limit."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from tests.servers import flask_cli, free_port, gunicorn, wait_for_port

    port, database = free_port(), tmp_path / "workers.sqlite3"
    env = os.environ | {
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "workers-test",
        "TRUSTED_PROXIES": "1",
        "PASSWORD_RATE_LIMIT": "10 per 15 minutes",
    }
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "create-user", "cashier", "--role", "cashier", input=PASSWORD + "\n")
    server = gunicorn(env, port, workers=3)

    def attempt(client_address, password="a-wrong-guess"):
        with requests.Session() as browser:
            headers = {"X-Forwarded-For": client_address}
            form = browser.get(f"http://127.0.0.1:{port}/login", headers=headers, timeout=120).text
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
            return browser.post(
                f"http://127.0.0.1:{port}/login",
                headers=headers,
                allow_redirects=False,
                timeout=120,
                data={"username": "cashier", "password": password, "csrf_token": token},
            ).status_code

    try:
        wait_for_port(port)
        with ThreadPoolExecutor(3) as pool:  # every worker up before the guesses start
            list(pool.map(lambda _: requests.get(f"http://127.0.0.1:{port}/login", timeout=120), range(6)))
        with ThreadPoolExecutor(10) as pool:
            codes = list(pool.map(lambda _: attempt("203.0.113.5"), range(30)))
        owner = attempt("198.51.100.7", PASSWORD)
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert sorted(codes) == [401] * 10 + [429] * 20
    assert owner == 302  # the account's owner, at another address, is not locked out
    import sqlite3

    with sqlite3.connect(database) as connection:
        checked = connection.execute("SELECT count(*) FROM audit_entries WHERE action = 'login_failed'").fetchone()[0]
    assert checked == 10


# --- A manager's approval at the till is a password check ---------------------------------------------------------


def _discounted_sale(shop, **extra):
    return {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": shop["tea"].id, "quantity": 1}],
        "payments": [{"method": "cash", "amount": 350_000}],
        "discount": {"kind": "percent", "value": 20},
    } | extra


def test_approval_guesses_are_audited_then_pause_the_approver_and_managers_see_it(
    cashier_client, manager_client, shop, db
):
    from pos.models import AuditEntry, Sale

    bodies = [_discounted_sale(shop, approval={"username": "manager", "password": f"guess-{i}"}) for i in range(5)]
    for body in bodies:
        refused = cashier_client.post("/api/v1/sales", json=body).get_json()
        assert refused["error"] == "approval_required" and refused["fields"] == {"approval": "refused"}
    entries = db.session.scalars(
        _db.select(AuditEntry).where(AuditEntry.action == "approval_refused").order_by(AuditEntry.id)
    ).all()
    assert [(e.username, e.entity_id, e.after["document"], e.after["address"]) for e in entries] == [
        ("cashier", "manager", f"sale {body['uuid']}", "127.0.0.1") for body in bodies
    ]
    # Paused: even the right password is refused now, and no password is checked
    paused = cashier_client.post(
        "/api/v1/sales", json=_discounted_sale(shop, approval={"username": "manager", "password": PASSWORD})
    ).get_json()
    assert paused["error"] == "approval_required" and "tạm dừng" in paused["message"]
    assert db.session.scalar(_db.select(_db.func.count(Sale.id))) == 0
    overview = manager_client.get("/catalog/").get_data(as_text=True)
    assert "Việc phê duyệt tại quầy của manager đang tạm dừng" in overview and "cashier" in overview
    assert "manager đang tạm dừng" not in cashier_client.get("/till").get_data(as_text=True)


def test_approval_passwords_share_the_login_throttle(tmp_path):
    app = _throttled_app(tmp_path, PASSWORD_RATE_LIMIT="3 per minute", APPROVAL_PAUSE_AFTER=100)
    with app.app_context():
        from pos.checkout.approvals import check_approval
        from pos.models import User

        cashier = _db.session.scalar(_db.select(User).where(User.username == "cashier"))
        results = [
            check_approval({"username": "manager", "password": "guess"}, requester=cashier, document="sale x")
            for _ in range(3)
        ]
        assert all(result.approver is None for result in results)
        right = check_approval({"username": "manager", "password": PASSWORD}, requester=cashier, document="sale y")
        assert right.approver is None and "quá nhiều" not in str(right.refusal)  # CLI: English
        assert "too many wrong passwords" in str(right.refusal)
    # the same counters as the login form's: the manager's login from there waits too, from elsewhere it works
    assert _login_from(app.test_client(), "local", username="manager", password=PASSWORD) == 429
    assert _login_from(app.test_client(), "198.51.100.7", username="manager", password=PASSWORD) == 302


def test_a_right_and_a_wrong_approval_answer_alike_until_the_sale_is_valid(cashier_client, shop, users, db):
    from pos.models import Sale

    short = {"payments": [{"method": "cash", "amount": 1_000}]}  # does not cover the total
    answers = []
    for username, password in (
        ("manager", "a-wrong-guess"),
        ("manager", PASSWORD),
        ("cashier", PASSWORD),
        ("nobody", PASSWORD),
    ):
        response = cashier_client.post(
            "/api/v1/sales", json=_discounted_sale(shop, approval={"username": username, "password": password}, **short)
        )
        answers.append((response.status_code, response.get_json()["error"], response.get_json()["fields"]))
    assert len(set(map(repr, answers))) == 1 and answers[0][1] != "approval_required", answers
    wrong = cashier_client.post(
        "/api/v1/sales", json=_discounted_sale(shop, approval={"username": "nobody", "password": PASSWORD})
    ).get_json()
    assert wrong["error"] == "approval_required" and wrong["fields"] == {"approval": "refused"}
    assert db.session.scalar(_db.select(_db.func.count(Sale.id))) == 0
    right = cashier_client.post(
        "/api/v1/sales", json=_discounted_sale(shop, approval={"username": "manager", "password": PASSWORD})
    )
    assert right.status_code == 201 and right.get_json()["total"] == 280_000


def test_a_right_and_a_wrong_approval_answer_alike_until_the_return_is_valid(cashier_client, shop, db):
    from pos.models import SaleReturn

    sale = sell_by_api(cashier_client, shop["tea"])
    pages = []
    for password in ("a-wrong-guess", PASSWORD):
        response = cashier_client.post(
            f"/sales/{sale['number']}",
            data=return_form(quantity=5, reason="hỏng", password=password),
        )  # 5 to return, 1 sold
        flashes = re.findall(r'class="flash flash-error"[^>]*>([^<]+)<', response.get_data(as_text=True))
        pages.append((response.status_code, flashes))
    assert pages[0] == pages[1] and pages[0][0] == 422 and "chỉ còn 1" in pages[0][1][0], pages
    assert db.session.scalar(_db.select(_db.func.count(SaleReturn.id))) == 0


# --- Every route that takes a password passes the throttle, whichever area adds it ------------------------------


def test_only_the_throttle_checks_a_password_hash():
    """A new route cannot check a password by itself: pos/auth/passwords.py is the one caller of the hash."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    callers = []
    for path in sorted((root / "pos").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
            alias = node.name if isinstance(node, ast.alias) else None
            if "check_password_hash" in (name, alias):
                callers.append(str(path.relative_to(root)))
    # seed-demo (a CLI command, no route) compares stored hashes with the published demo password
    assert set(callers) == {"pos/auth/passwords.py", "pos/demo/showroom.py"}


def _walk_state_changing_routes(app, client, addresses, sale, shop):
    """POST (PUT, PATCH, DELETE) to every route of the URL map, signed out and as an admin, with a wrong password in
    every shape a password arrives in: a login form, a return form's approver, a sale's JSON approval."""
    anonymous = app.test_client()
    from pos.auth import passwords

    reached = {}
    real = passwords.check_password_hash

    def counting(password_hash, password):
        reached[endpoint] = reached.get(endpoint, 0) + 1
        return real(password_hash, password)

    passwords.check_password_hash = counting
    try:
        for rule in app.url_map.iter_rules():
            for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
                endpoint = rule.endpoint
                if endpoint in ("auth.logout", "static"):
                    continue  # logout ends the walk's own session; it takes no password
                url = rule.rule.replace("<number>", sale["number"]).replace("<sale_uuid>", sale["uuid"])
                url = re.sub(r"<int:[^>]+>", "1", re.sub(r"<(?!int:)[^>]+>", "x", url))
                form = {
                    "username": "manager",
                    "password": "a-wrong-guess",
                    "approver": "manager",
                    "approver_password": "a-wrong-guess",
                    "uuid": str(uuid.uuid4()),
                    "reason": "hỏng",
                    "refund_method": "cash",
                    "everything": "1",
                    "return_1": "1",
                }
                body = {
                    "uuid": str(uuid.uuid4()),
                    "lines": [{"product_id": shop["tea"].id, "quantity": 1}],
                    "payments": [{"method": "cash", "amount": 350_000}],
                    "discount": {"kind": "percent", "value": 50},
                    "approval": {"username": "manager", "password": "a-wrong-guess"},
                    "username": "manager",
                    "password": "a-wrong-guess",
                }
                for who, kwargs in ((c, k) for c in (anonymous, client) for k in ({"data": form}, {"json": body})):
                    response = who.open(url, method=method, environ_base={"REMOTE_ADDR": next(addresses)}, **kwargs)
                    if (
                        who is client
                        and response.status_code in (301, 302)
                        and "/login" in response.headers.get("Location", "")
                    ):
                        login(client, "admin")  # a route ended the session: sign in again, from the staff's till
    finally:
        passwords.check_password_hash = real
    return reached


@pytest.mark.parametrize("role", ["showroom", "central"])
def test_every_route_taking_a_password_passes_the_throttle(tmp_path, role):
    from tests.conftest import make_product, stock

    app = make_app(
        f"sqlite:///{tmp_path / 'walk.sqlite3'}",
        PROPAGATE_EXCEPTIONS=False,
        POS_ROLE=role,
        PASSWORD_RATE_LIMIT_PER_ADDRESS="2 per hour",
        APPROVAL_PAUSE_AFTER=10_000,
    )
    with app.app_context():
        _db.create_all()
        from pos.auth.service import create_user
        from pos.checkout.shifts import open_shift

        staff = {role: create_user(role, PASSWORD, role) for role in ("cashier", "manager", "admin")}
        shop = {"tea": make_product(price=350_000, vat_rate=8)}
        client = app.test_client()
        login(client, "admin")
        sale, expected = {"number": "TH-20261202-0001", "uuid": str(uuid.uuid4())}, {"auth.login"}
        if role == "showroom":
            open_shift(staff["cashier"], 1_000_000)
            stock(shop["tea"], 1000)
            sale = sell_by_api(client, shop["tea"], 5)
            expected |= {
                "checkout.sale_detail",
                "checkout.create_sale",  # the return form, the till's approval,
                "checkout.approve_cart_discount",
            }  # and a discount approved as it is applied

        # From addresses with their allowance left, the walk reaches every password check
        fresh = (f"198.51.{n // 250}.{n % 250}" for n in itertools.count())
        reached = _walk_state_changing_routes(app, client, fresh, sale, shop)
        assert reached.keys() == expected, reached

        # From an address that has used up its allowance, no route checks a password
        for _ in range(2):
            app.test_client().post(
                "/login", data={"username": "x", "password": "y"}, environ_base={"REMOTE_ADDR": "203.0.113.5"}
            )
        assert _walk_state_changing_routes(app, client, itertools.repeat("203.0.113.5"), sale, shop) == {}
        _db.session.remove()
        _db.engine.dispose()


@pytest.mark.postgres
def test_the_throttle_counts_in_postgresql_too(pg_url):
    from flask_migrate import upgrade

    app = make_app(pg_url, PASSWORD_RATE_LIMIT="3 per minute")
    with app.app_context():
        upgrade()
        from pos.auth.service import create_user

        create_user("cashier", PASSWORD, "cashier")
        client = app.test_client()
        codes = [_login_from(client, "203.0.113.5", username="cashier") for _ in range(4)]
        assert codes[-1] == 429 and _login_from(client, "198.51.100.7", password=PASSWORD) == 302
        _db.session.remove()
        _db.engine.dispose()


def test_the_throttle_can_keep_its_counts_in_a_limits_store(tmp_path):
    app = _throttled_app(tmp_path, PASSWORD_RATE_LIMIT="2 per minute", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    assert [_login_from(client, "203.0.113.5") for _ in range(3)] == [401, 401, 429]
    with app.app_context():
        from pos.models import PasswordAttempts

        assert _db.session.scalar(_db.select(_db.func.count()).select_from(PasswordAttempts)) == 0
