"""Data the showroom benchmarks share: a manager to log in as, one producer, and product names that the search
terms ("che sen", "xoi", "bat trang"...) find (call inside an app context whose database has its tables); and
the app under gunicorn, for the benchmarks over HTTP."""

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SEARCH_TERMS = ["che sen", "xoi", "bat trang", "dao nhat tan", "lua van phuc"]
# Vietnamese words, diacritics included (what a search folds away).
WORDS = [
    "Chè",
    "Sen",
    "Quảng An",
    "Xôi",
    "Phú Thượng",
    "Hoa",
    "Đào",
    "Nhật Tân",
    "Gốm",
    "Bát Tràng",
    "Mây",
    "Lụa",
    "Vạn Phúc",
    "Cốm",
    "Làng Vòng",
    "Mật ong",
    "Trà",
    "Miến",
    "Rượu",
    "Nấm",
]
PASSWORD = "bench-password"


def showroom_app(database_path):
    """A showroom app on the SQLite file at `database_path`, for a test client: no CSRF token, no login limit."""
    from pos import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database_path}",
            "SECRET_KEY": "bench",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def manager_and_producer() -> int:
    """The manager "bench" (PASSWORD) and the producer every product is made by; returns the producer's id."""
    from pos.auth.service import create_user
    from pos.core.extensions import db
    from pos.models import Producer

    create_user("bench", PASSWORD, "manager")
    producer = Producer(name="HTX Thử", type="cooperative", tax_code="0101234567")
    db.session.add(producer)
    db.session.commit()
    return producer.id


def product_name(rng, number: int) -> str:
    """Two words drawn with `rng` (a random.Random, or the random module), then the product's number."""
    return f"{rng.choice(WORDS)} {rng.choice(WORDS)} {number}"


def log_in(client) -> None:
    client.post("/login", data={"username": "bench", "password": PASSWORD})


def gunicorn_server(env: dict, port: int, *options: str) -> subprocess.Popen:
    """wsgi.py under gunicorn on 127.0.0.1:`port`, workers and threads from gunicorn.conf.py as `make run` has
    them; `env` is the process's whole environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_until_up(base: str, tries: int = 100) -> None:
    """Wait until the server at `base` answers GET /api/v1/health (`tries` × about 0.1 s at the most)."""
    import requests

    for _ in range(tries):
        try:
            requests.get(base + "/api/v1/health", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
