"""Fixtures: a fresh SQLite database per test, clients logged in per role, factories."""

import os
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import select, update

from pos import create_app
from pos.auth.service import create_user
from pos.catalog.service import add_rating, save_producer, save_product, update_rating
from pos.checkout.shifts import open_shift
from pos.core.clock import local_today
from pos.core.config import TestConfig
from pos.core.database import atomic
from pos.core.extensions import db as _db
from pos.inventory.ledger import find_or_create_lot, move_stock
from pos.models import User

PASSWORD = "correct-horse-battery"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (so its own `g` and database session), as in production,
    even though the test itself holds one open."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context() and _db.session().in_transaction():
            _db.session.commit()  # end the test's own read snapshot, so it sees what the request wrote
        return response


def make_app(database_url: str, **overrides):
    app = create_app(
        {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
        | {"SQLALCHEMY_DATABASE_URI": database_url}
        | overrides
    )
    app.test_client_class = IsolatedClient
    return app


def make_app_with_tables(database_url: str, **overrides):
    """The app on a new database at `database_url`, its tables made."""
    app = make_app(database_url, **overrides)
    with app.app_context():
        _db.create_all()
    return app


def make_central_app(database_path, **overrides):
    """Central (POS_ROLE=central) on a new SQLite database at `database_path`, its tables made."""
    return make_app_with_tables(f"sqlite:///{database_path}", POS_ROLE="central", **overrides)


@pytest.fixture
def app(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'pos.sqlite3'}", UPLOAD_DIR=str(tmp_path / "uploads"))
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    return {
        role: create_user(role, PASSWORD, role, full_name=f"Demo {role}") for role in ("cashier", "manager", "admin")
    }


def login(client, username, password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def logged_in_client(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def boss_client(app, role: str = "admin"):
    """A client logged in as "boss", a new user with `role`; inside an app context whose tables exist."""
    create_user("boss", PASSWORD, role)
    return logged_in_client(app, "boss")


def create_showroom_user(username: str, role: str, showroom_code: str | None):
    """A user (password PASSWORD) who sees only `showroom_code`'s figures at central (None: every showroom)."""
    create_user(username, PASSWORD, role)
    _db.session.execute(update(User).where(User.username == username).values(showroom_code=showroom_code))
    _db.session.commit()


@pytest.fixture
def cashier_client(app, users):
    return logged_in_client(app, "cashier")


@pytest.fixture
def manager_client(app, users):
    return logged_in_client(app, "manager")


@pytest.fixture
def admin_client(app, users):
    return logged_in_client(app, "admin")


# --- factories ----------------------------------------------------------------------------------


def make_producer(**overrides):
    """A cooperative in Tây Hồ, Hà Nội, of a name of its own unless `overrides` says otherwise."""
    place = {"ward": "Phường Quảng An", "district": "Quận Tây Hồ", "province": "Hà Nội"}
    data = {"name": f"HTX Thử nghiệm {uuid.uuid4().hex[:6]}", "type": "cooperative", "tax_code": "0101234567"}
    return save_producer(data | place | overrides)


def give_back(sale_number: str, by, *, quantity: int = 1, reason: str = "hàng lỗi"):
    """A cash return of `quantity` units of the sale's first line, approved by the manager, recorded by `by`."""
    from pos.checkout.returns import record_return

    body = {
        "uuid": str(uuid.uuid4()),
        "reason": reason,
        "refund_method": "cash",
        "lines": [{"line_no": 1, "quantity": quantity}],
        "approval": {"username": "manager", "password": PASSWORD},
    }
    return record_return(sale_number, body, by)


def sell_by_api(client, product, quantity: int = 1) -> dict:
    """A cash sale of `quantity` of `product`, paid exactly, through the till's API; the API's answer."""
    body = {
        "uuid": str(uuid.uuid4()),
        "lines": [{"product_id": product.id, "quantity": quantity}],
        "payments": [{"method": "cash", "amount": product.price * quantity}],
    }
    return client.post("/api/v1/sales", json=body).get_json()


def return_form(*, quantity: int = 1, reason: str = "Bao bì rách", refund_method: str = "cash", password=PASSWORD):
    """The sale page's return form: `quantity` of line 1 back, approved by the manager with `password`."""
    return {
        "uuid": str(uuid.uuid4()),
        "return_1": str(quantity),
        "reason": reason,
        "refund_method": refund_method,
        "approver": "manager",
        "approver_password": password,
    }


def capture_receipt_text(monkeypatch) -> list[str]:
    """Every line of text the receipt and slip images draw from now on (the image itself is pixels)."""
    from pos.checkout import receipts

    drawn = []
    for name in ("text", "pair"):
        draw = getattr(receipts._Canvas, name)
        monkeypatch.setattr(
            receipts._Canvas,
            name,
            lambda self, *words, _draw=draw, **kw: (drawn.append(" ".join(words)), _draw(self, *words, **kw))[1],
        )
    return drawn


def run_tills(app, tills: int, sales: int, sell) -> list[str]:
    """`tills` tills at once, each a thread with its own app context and session, calling sell(user, n, k) for
    its `sales` sales as the user 'till' (n the till, k the sale); returns what any call raised, as repr()s."""
    errors = []

    def till(n):
        with app.app_context():
            user = _db.session.scalar(select(User).where(User.username == "till"))
            for k in range(sales):
                try:
                    sell(user, n, k)
                except Exception as error:
                    errors.append(repr(error))
            _db.session.remove()

    threads = [threading.Thread(target=till, args=(n,)) for n in range(tills)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def html_pages(client, pages):
    """(page, its HTML) for each of `pages` that answers 200 with HTML, in order."""
    for page in pages:
        response = client.get(page)
        if response.status_code == 200 and "html" in response.content_type:
            yield page, response.get_data(as_text=True)


def product_form(producer, **overrides) -> dict:
    """The product form's data for a new product NEW-1 of the producer with id `producer`, with `overrides`."""
    return {
        "sku": "NEW-1",
        "gtin": "",
        "name_vi": "Mật ong Ba Vì",
        "ocop_group": "food",
        "unit": "chai",
        "price": "150000",
        "vat_rate": "5",
        "producer_id": str(producer),
        "active": "y",
    } | overrides


def receipt_form(producer_id, *lines: dict, **fields) -> dict:
    """The goods-receipt page's form data: each line's fields (sku, quantity, unit_cost, lot_code...) numbered as
    the page names them (sku_0, quantity_0, ...), then any other field (note, an odd sku_99999)."""
    data = {"producer_id": producer_id}
    for n, line in enumerate(lines):
        data |= {f"{name}_{n}": value for name, value in line.items()}
    return data | fields


def make_product(producer=None, *, stars: int | None = 4, rated_days_ago: int = 100, **overrides):
    producer = producer or make_producer()
    data = dict(
        sku=f"SKU-{uuid.uuid4().hex[:8]}",
        gtin="",
        name_vi="Chè Sen Quảng An",
        name_en="Quang An lotus tea",
        ocop_group="drinks",
        unit="hộp",
        price=350_000,
        vat_rate=8,
        producer_id=producer.id,
    )
    product = save_product(data | overrides)
    if stars:
        decided = local_today() - timedelta(days=rated_days_ago)
        add_rating(
            product,
            dict(
                stars=stars, level="province", decision_no="123/QĐ-UBND", decision_date=decided, certificate_no="GCN-1"
            ),
        )
    return product


def make_revoked_product(producer=None, **overrides):
    """A product whose 4★ rating was revoked yesterday ("Vi phạm")."""
    product = make_product(producer, stars=4, **overrides)
    update_rating(
        product.rating,
        dict(
            stars=4,
            level="province",
            decision_no="1/QĐ",
            certificate_no="",
            decision_date=product.rating.decision_date,
            revoked_on=local_today() - timedelta(days=1),
            revoked_reason="Vi phạm",
        ),
    )
    return product


@pytest.fixture
def product(app):
    return make_product()


def stock(product, quantity, lot="L1", cost=200_000):
    """Receive `quantity` of `product` into `lot` through the ledger."""
    with atomic():
        lot_row = find_or_create_lot(product.id, lot)
        move_stock(product.id, lot_row.id, quantity, "receipt", unit_cost=cost)


@pytest.fixture
def shop(app, users, db):
    """An open shift and two stocked products: tea (8 % VAT) and peach blossom (5 % VAT, 3 left)."""
    open_shift(users["cashier"], 1_000_000)
    tea = make_product(price=350_000, vat_rate=8)
    flower = make_product(sku="HOA-1", name_vi="Hoa đào Nhật Tân", price=450_000, vat_rate=5)
    stock(tea, 10)
    stock(flower, 3)
    return {"tea": tea, "flower": flower}


# --- PostgreSQL -----------------------------------------------------------------------------------


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as error:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {error}"


@contextmanager
def fresh_pg_database(prefix: str = "pos_test"):
    """A new, empty PostgreSQL database (its SQLAlchemy URL), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    """A new, empty database: SQLite in tmp_path, then PostgreSQL (marked `postgres`); its URL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        yield request.getfixturevalue("pg_url")


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    reason = _pg_reachable()
    if reason:
        pytest.skip(reason)
    with fresh_pg_database() as url:
        yield url
