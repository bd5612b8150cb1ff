"""E-invoice sending benchmark. Run: .venv/bin/python bench/einvoice.py [--quick]

1,000 invoices issued by real sales (record_sale, e-invoicing on) are sent by the queue (`send_all`: the due
rows read with their stored XML, one SOAP call per batch, the answers recorded; the XML's building and schema
check beforehand, `build_pending`, timed on its own) to the fake VNPT (pos/einvoice/fake_provider.py, in its own
process, on loopback), against posting the very same SOAP bodies to it raw with one `requests` session, in
alternating rounds; the fake forgets everything between rounds. Target: the queue ≤ 2× raw.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.checkout import build_database, enable_einvoicing

ROOT = Path(__file__).resolve().parents[1]
CREDENTIALS = {
    "EINVOICE_ACCOUNT": "bench-account",
    "EINVOICE_ACPASS": "bench-acpass",
    "EINVOICE_USERNAME": "bench-user",
    "EINVOICE_PASSWORD": "bench-password",
}


def start_fake(port: int) -> subprocess.Popen:
    env = os.environ | CREDENTIALS | {"FLASK_APP": "wsgi.py", "DATABASE_URL": "sqlite://"}
    fake = subprocess.Popen(
        [sys.executable, "-m", "flask", "einvoice", "fake-provider", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.post(url + "/_reset", timeout=1)
            return fake
        except requests.ConnectionError:
            time.sleep(0.05)
    fake.kill()
    raise SystemExit("the fake provider did not start")


def make_sales(app, count: int) -> None:
    from pos.auth.service import StaffMember
    from pos.checkout.sales import record_sale
    from pos.checkout.shifts import current_shift, open_shift
    from pos.core.extensions import db
    from pos.models import Product, User

    with app.app_context():
        cashier = db.session.scalar(db.select(User).where(User.username == "cashier"))
        if not current_shift():
            open_shift(cashier, 0)
        ids = db.session.scalars(db.select(Product.id).where(Product.sku.in_(["CSQA-100", "STH-HAT", "GBT-AM"]))).all()
        cashier = StaffMember.of(cashier)
        for n in range(count):
            body = {
                "uuid": str(uuid.uuid4()),
                "lines": [{"product_id": i, "quantity": 1 + n % 3} for i in ids],
                "payments": [{"method": "cash", "amount": 5_000_000}],
            }
            if n % 4 == 0:  # some buyers ask for their details on the invoice
                body["buyer"] = {"name": f"Công ty TNHH Thử {n}", "tax_code": "0101234567", "address": "Hà Nội"}
            record_sale(body, cashier)
            db.session.remove()


def bench_sending(app, url: str, invoices: int, rounds: int) -> dict:
    from sqlalchemy import delete, update

    from pos.core.clock import utcnow
    from pos.core.database import atomic
    from pos.core.extensions import db
    from pos.einvoice.sender import build_pending, configured_provider, send_all
    from pos.models import Einvoice, EinvoiceXml

    elapsed = {"build": 0.0, "queue": 0.0, "raw": 0.0}
    raw = requests.Session()
    with app.app_context():
        provider = configured_provider()  # one HTTP session for every round, as `flask einvoice run` keeps it
        bodies, post = [], provider.http.post

        def recording_post(*args, **kwargs):
            bodies.append((args[0], kwargs["data"], kwargs["headers"]))
            return post(*args, **kwargs)

        provider.http.post = recording_post

        def pending() -> None:
            values = {"status": "pending", "attempts": 0, "next_attempt_at": utcnow(), "sent_at": None}
            with atomic():
                db.session.execute(update(Einvoice).values(values))
                db.session.execute(delete(EinvoiceXml))
            raw.post(url + "/_reset", timeout=10)

        for _ in range(rounds):
            pending()
            bodies.clear()
            start = time.perf_counter()
            built = build_pending()
            elapsed["build"] += time.perf_counter() - start
            assert (built.built, built.refused) == (invoices, 0), built
            start = time.perf_counter()
            result = send_all(provider)
            elapsed["queue"] += time.perf_counter() - start
            assert (result.sent, result.refused, result.deferred) == (invoices, 0, 0), result
            calls = len(bodies)

            raw.post(url + "/_reset", timeout=10)
            start = time.perf_counter()
            for target, data, headers in bodies[:calls]:
                answer = raw.post(target, data=data, headers=headers, timeout=60)
                assert answer.status_code == 200 and b"OK:" in answer.content, answer.content[:300]
            elapsed["raw"] += time.perf_counter() - start

        batch = app.config["EINVOICE_BATCH_SIZE"]
    return {name: seconds / rounds for name, seconds in elapsed.items()} | {"calls": calls, "batch": batch}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args()
    invoices, rounds = (100, 2) if args.quick else (1_000, 5)
    port = 5395
    fake = start_fake(port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db_path = Path(tmp) / "bench.sqlite3"
            build_database(db_path, 0)
            enable_einvoicing(db_path)
            os.environ.update(CREDENTIALS | {"EINVOICE_URL": f"http://127.0.0.1:{port}"})
            from pos import create_app

            app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "bench"})
            make_sales(app, invoices)
            figures = bench_sending(app, f"http://127.0.0.1:{port}", invoices, rounds)
    finally:
        fake.terminate()
        fake.wait(10)
    ratio = figures["queue"] / figures["raw"]
    print(
        f"1. sending {invoices} invoices ({figures['calls']} SOAP calls of up to {figures['batch']}): queue "
        f"{figures['queue'] * 1000:.0f} ms, the same bodies posted raw {figures['raw'] * 1000:.0f} ms → {ratio:.2f}× "
        f"(target ≤ 2×); building and checking their XML once beforehand {figures['build'] * 1000:.0f} ms "
        f"(both steps {(figures['build'] + figures['queue']) / figures['raw']:.2f}× raw); "
        f"mean of {rounds} alternating rounds"
    )


if __name__ == "__main__":
    main()
