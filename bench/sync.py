"""Sync benchmark. Run: .venv/bin/python bench/sync.py [--quick]   (needs PostgreSQL at 127.0.0.1:5432)

1. Central ingest of 10,000 sales (50,000 lines) on PostgreSQL through pos.central.ingest, in batches of
   500 as the sender ships them, vs a raw psycopg executemany of the same sale and line rows (each sale
   with its payload, each line with what was sold) into copies of the same tables, in the same run.
   Central's master catalog knows the products, as in production. Target: ingest ≥ 0.33 of raw.
2. End-to-end lag from a sale's commit at the showroom to its ingest at central, with `flask sync run`
   going (default SYNC_INTERVAL_S=1) and central under gunicorn. Target: p50 ≤ 2 s.
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._timing import percentile
from tests.servers import flask_cli, flask_process, free_port, gunicorn
from tests.sync_events import sale_event, sale_line

PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-secret-" + "x" * 32


def fresh_database() -> tuple[str, str]:
    name = f"pos_bench_sync_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        # Flush what the run wrote now, so the next measurement does not pay for this one's checkpoint (the lag
        # right after the ingest benchmark's 50,000 lines measured seconds of the server writing them out).
        conn.execute("CHECKPOINT")


def make_events(count: int, lines_per_sale: int = 5) -> list[dict]:
    rng = random.Random(7)
    groups = ("food", "drinks", "herbs", "textiles_handicrafts", "ornamental", "tourism")
    products = [
        (f"P-{i:04d}", f"Sản phẩm {i}", f"Chủ thể {i % 40}", groups[i % 6], 10_000 + 500 * (i % 90)) for i in range(300)
    ]
    start = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
    events = []
    for n in range(count):
        chosen = rng.sample(products, lines_per_sale)
        lines = []
        for line_no, (sku, name, producer, group, price) in enumerate(chosen, start=1):
            quantity, stars = rng.randint(1, 3), rng.choice((3, 4, 5))
            lines.append(
                sale_line(line_no, sku, name, producer, group, quantity, price, stars=stars, unit_cost=price * 7 // 10)
            )
        moment = start + timedelta(minutes=7 * n)
        uuid_text = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        created_at = moment.replace(tzinfo=None).isoformat() + "Z"
        events.append(sale_event("TH", f"TH-{moment:%Y%m%d}-{n:05d}", created_at, lines, uuid_text=uuid_text))
    return events


def add_to_master_catalog(events: list[dict]) -> None:
    """Central's master catalog knows what the showroom sells, as in production: the ingest looks each SKU up."""
    from pos.catalog.service import save_producer, save_product

    producers, products = {}, {}
    for event in events:
        for line in event["lines"]:
            products.setdefault(line["sku"], line)
    for sku, line in products.items():
        if line["producer"] not in producers:
            producers[line["producer"]] = save_producer(
                {"name": line["producer"], "type": "cooperative", "tax_code": "0101234567", "province": "Hà Nội"}
            )
        save_product(
            {
                "sku": sku,
                "gtin": "",
                "name_vi": line["name_vi"],
                "ocop_group": line["ocop_group"],
                "unit": "hộp",
                "price": line["unit_price"],
                "vat_rate": line["vat_rate"],
                "producer_id": producers[line["producer"]].id,
            }
        )


def bench_ingest(sales: int) -> dict:
    name, url = fresh_database()
    try:
        from sqlalchemy import select

        from pos import create_app
        from pos.central.ingest import MAX_BATCH, ingest_batch, local_day
        from pos.central.registry import add_showroom
        from pos.core.extensions import db
        from pos.models import Showroom

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
                "POS_ROLE": "central",
                "SECRET_KEY": "bench",
            }
        )
        events = make_events(sales)
        with app.app_context():
            db.create_all()
            add_showroom("TH", "Bench", secret=SECRET, since=date(2025, 12, 31))  # the events start 2026-01-01
            add_to_master_catalog(events)
            showroom = db.session.scalar(select(Showroom).where(Showroom.code == "TH"))
            started = time.perf_counter()
            for start in range(0, len(events), MAX_BATCH):
                answers = ingest_batch(showroom, events[start : start + MAX_BATCH])
                assert all(a["status"] == "accepted" for a in answers)
            ingest_s = time.perf_counter() - started
            showroom_id = showroom.id
            db.session.remove()
            db.engine.dispose()

        with psycopg.connect(url) as conn:
            # Copies of the two tables with their indexes and, as the real ones have, the lines' foreign keys.
            conn.execute("CREATE TABLE raw_sales (LIKE remote_sales INCLUDING ALL)")
            conn.execute("CREATE TABLE raw_lines (LIKE remote_sale_lines INCLUDING ALL)")
            conn.execute(
                "ALTER TABLE raw_lines ADD FOREIGN KEY (sale_id) REFERENCES raw_sales (id),"
                " ADD FOREIGN KEY (product_id) REFERENCES remote_products (id)"
            )
            conn.commit()
            product_ids = dict(conn.execute("SELECT sku, id FROM remote_products WHERE owner = ''").fetchall())
            now = datetime.now(UTC).replace(tzinfo=None)
            started = time.perf_counter()
            for start in range(0, len(events), MAX_BATCH):
                batch = events[start : start + MAX_BATCH]
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO raw_sales (uuid, kind, showroom_id, number, created_at, day, cashier, total,"
                        " vat_total, payload_hash, received_at, payload)"
                        " VALUES (%s,'sale',%s,%s,%s,%s,%s,%s,%s,'h',%s,%s) RETURNING id",
                        [
                            (
                                e["uuid"],
                                showroom_id,
                                e["number"],
                                datetime.fromisoformat(e["created_at"][:-1]),
                                local_day(datetime.fromisoformat(e["created_at"][:-1])),
                                e["cashier"],
                                e["total"],
                                e["vat_total"],
                                now,
                                json.dumps(e, ensure_ascii=False),
                            )
                            for e in batch
                        ],
                        returning=True,
                    )
                    ids = []
                    while True:
                        ids.append(cur.fetchone()[0])
                        if not cur.nextset():
                            break
                    cur.executemany(
                        "INSERT INTO raw_lines (sale_id, line_no, product_id, sku, name_vi, unit_price, vat_rate,"
                        " stars,"
                        " potential_5_star, quantity, amount, vat_amount, cost, commission, consignment)"
                        " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,false,%s,%s,%s,%s,0,false)",
                        [
                            (
                                sale_id,
                                line["line_no"],
                                product_ids[line["sku"]],
                                line["sku"],
                                line["name_vi"],
                                line["unit_price"],
                                line["vat_rate"],
                                line["stars"],
                                line["quantity"],
                                line["amount"],
                                line["vat_amount"],
                                line["unit_cost"] * line["quantity"],
                            )
                            for sale_id, e in zip(ids, batch, strict=False)
                            for line in e["lines"]
                        ],
                    )
                conn.commit()
            raw_s = time.perf_counter() - started
        lines = sales * 5
        return {"sales": sales, "lines": lines, "ingest_s": ingest_s, "raw_s": raw_s, "ratio": raw_s / ingest_s}
    finally:
        drop_database(name)


def bench_lag(samples: int) -> dict:
    central_name, central_url = fresh_database()
    workdir = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    base_env = os.environ | {"FLASK_APP": "wsgi.py", "SECRET_KEY": "bench", "SHOWROOM_CODE": "TH"}
    central_env = base_env | {
        "POS_ROLE": "central",
        "DATABASE_URL": central_url.replace("postgresql://", "postgresql+psycopg://"),
    }
    showroom_env = base_env | {"DATABASE_URL": f"sqlite:///{workdir / 'pos.sqlite3'}", "SYNC_SECRET": SECRET}
    run = flask_cli

    processes = []
    try:
        run(central_env, "db", "upgrade")
        secret_file = workdir / "secret"
        run(central_env, "central", "add-showroom", "TH", "--name", "Bench", "--secret-file", str(secret_file))
        showroom_env["SYNC_SECRET"] = secret_file.read_text()
        run(showroom_env, "db", "upgrade")
        run(showroom_env, "seed-demo")
        port = free_port()
        processes.append(gunicorn(central_env, port, workers=2))
        showroom_env["CENTRAL_URL"] = f"http://127.0.0.1:{port}"
        time.sleep(2)
        processes.append(flask_process(showroom_env, "sync", "run"))
        os.environ.update({k: showroom_env[k] for k in ("DATABASE_URL", "SECRET_KEY", "SHOWROOM_CODE")})
        from sqlalchemy import select

        from pos import create_app
        from pos.checkout.sales import record_sale
        from pos.checkout.shifts import open_shift
        from pos.core.extensions import db
        from pos.models import Product, User

        app = create_app({"SQLALCHEMY_DATABASE_URI": showroom_env["DATABASE_URL"]})
        uuids = {}
        with app.app_context():
            cashier = db.session.scalar(select(User).where(User.username == "cashier"))
            open_shift(cashier, 0)
            product = db.session.scalar(select(Product).where(Product.sku == "CLV-200"))
            rng = random.Random(3)
            for _ in range(samples):
                time.sleep(rng.uniform(0.2, 1.5))  # tills sell at their own pace, not in step with the sender
                sale, _ = record_sale(
                    {
                        "uuid": str(uuid.uuid4()),
                        "lines": [{"product_id": product.id, "quantity": 1}],
                        "payments": [{"method": "cash", "amount": product.price}],
                    },
                    cashier,
                )
                uuids[sale.uuid] = sale.created_at
            db.session.remove()
        deadline = time.time() + 60
        with psycopg.connect(central_url) as conn:
            while True:
                rows = dict(conn.execute("SELECT uuid, received_at FROM remote_sales").fetchall())
                conn.commit()
                if set(uuids) <= set(rows) or time.time() > deadline:  # the demo's own sales arrive too
                    break
                time.sleep(0.2)
        lags = [(rows[u] - made).total_seconds() for u, made in uuids.items() if u in rows]
        return {"samples": samples, "arrived": len(lags), "p50_s": percentile(lags, 50), "p95_s": percentile(lags, 95)}
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)
        drop_database(central_name)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1,000 sales and 5 lag samples")
    args = parser.parse_args()
    ingest = bench_ingest(1_000 if args.quick else 10_000)
    print(
        f"central ingest of {ingest['sales']:,} sales ({ingest['lines']:,} lines) on PostgreSQL: "
        f"{ingest['ingest_s']:.2f} s ({ingest['sales'] / ingest['ingest_s']:,.0f} sales/s); raw psycopg insert of "
        f"the same rows {ingest['raw_s']:.2f} s; ingest = {ingest['ratio']:.2f} of raw (target ≥ 0.33) "
        f"{'MET' if ingest['ratio'] >= 0.33 else 'NOT MET'}"
    )
    lag = bench_lag(5 if args.quick else 30)
    print(
        f"end-to-end lag, sale commit → central ingest ({lag['arrived']}/{lag['samples']} arrived): "
        f"p50 {lag['p50_s']:.2f} s, p95 {lag['p95_s']:.2f} s (target p50 ≤ 2 s) "
        f"{'MET' if lag['p50_s'] <= 2 and lag['arrived'] == lag['samples'] else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
