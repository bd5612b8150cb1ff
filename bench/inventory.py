"""Inventory benchmark. Run: .venv/bin/python bench/inventory.py [--quick]

Builds a migrated SQLite showroom database with 20,000 products, 40,000 lots and 1,000,000 stock movements spread
over a year (bulk inserts through the DB-API's executemany; on-hand per lot and product, and the weighted-average
cost, derived from those movements by the ledger's own rule so the data is consistent), then measures, beside a
trivial endpoint measured in the same run:

1. the stock-on-hand list page (/inventory/, first page and with a search term), p50;
2. the expired/expiring lots page (/inventory/expiring, 30 days), p50;
3. valuation as of a past date (half a year back: half the ledger replayed), service and page;
4. posting a 200-line goods receipt (create + post), receipts and lines per second.

Targets: list pages ≤ 100 ms p50; valuation as of a date ≤ 1 s. `--quick`: 2,000 products, 50,000 movements."""

import argparse
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._setup import SEARCH_TERMS, log_in, manager_and_producer, product_name, showroom_app
from bench._timing import percentile, summary, timed
from pos.core.clock import local_today


def fill(app, products: int, movements: int, today: date) -> None:
    """Products, lots, movements, stock levels: bulk inserts over the raw DB-API connection."""
    from pos.core.extensions import db

    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        producer_id = manager_and_producer()
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("BEGIN")  # the app's connections leave transactions to the caller: one for the lot
            _fill(cursor, producer_id, products, movements, today)
            raw.commit()
        finally:
            raw.close()


def _fill(conn, producer_id: int, products: int, movements: int, today: date) -> None:
    rng = random.Random(42)
    now = datetime.combine(today, datetime.min.time())
    conn.executemany(
        "INSERT INTO products (id, sku, gtin, gtin14, name_vi, name_en, ocop_group, unit, price, vat_rate, producer_id,"
        " description_vi, description_en, applied_standard, portal_url, active, reorder_point, search_text,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, '', 'food', 'gói', ?, 8, ?, '', '', '', '', 1, 5, ?, ?, ?)",
        [
            (
                i,
                f"SKU-{i:06d}",
                f"29{i:011d}",
                f"029{i:011d}",
                name,
                20_000 + i,
                producer_id,
                f"{name.lower()} sku-{i:06d}",
                now,
                now,
            )
            for i in range(1, products + 1)
            for name in [product_name(rng, i)]
        ],
    )
    # Two lots a product: the older one expires from ten days ago to a year ahead, the newer a year later.
    lots = []
    for i in range(1, products + 1):
        first = today + timedelta(days=rng.randint(-10, 365))
        lots.append((2 * i - 1, i, f"L{i}A", first))
        lots.append((2 * i, i, f"L{i}B", first + timedelta(days=365)))
    per_product = movements // products
    start = now - timedelta(days=365)
    rows = []  # (at, product, lot, quantity, kind, unit_cost, amount)
    for i in range(1, products + 1):
        on_hand = {2 * i - 1: 0, 2 * i: 0}
        cost = 10_000 + i
        times = sorted(start + timedelta(seconds=rng.randint(0, 365 * 86_400)) for _ in range(per_product))
        for n, at in enumerate(times):
            lot = 2 * i - 1 if n < per_product // 2 else 2 * i
            if n % 10 == 0:  # one movement in ten is a receipt, at a slightly changing cost
                quantity = rng.randint(20, 60)
                rows.append((at, i, lot, quantity, "receipt", cost + rng.randint(-500, 500), None))
            else:
                available = [lot_id for lot_id, left in on_hand.items() if left > 0]
                if not available:
                    quantity = rng.randint(20, 60)
                    rows.append((at, i, lot, quantity, "receipt", cost, None))
                else:
                    lot = available[0]
                    quantity = -min(on_hand[lot], rng.randint(1, 4))
                    rows.append((at, i, lot, quantity, "sale", None, -quantity * (20_000 + i)))
            on_hand[lot] += quantity
    rows.sort(key=lambda row: row[0])  # ids in ledger order, as the ledger writes them
    conn.executemany(
        "INSERT INTO lots (id, product_id, code, production_date, expiry_date, ownership,"
        " commission_rate, on_hand) VALUES (?, ?, ?, NULL, ?, 'purchased', 0, 0)",
        lots,
    )
    levels: dict[int, list[int]] = {}
    lot_on_hand: dict[int, int] = {}
    movement_rows = []
    for at, product, lot, quantity, kind, unit_cost, amount in rows:  # the ledger's rule (move_stock)
        level = levels.setdefault(product, [0, 0])
        average_after = None
        if quantity > 0 and unit_cost is not None:
            level[1] = average_after = round((level[0] * level[1] + quantity * unit_cost) / (level[0] + quantity))
        level[0] += quantity
        lot_on_hand[lot] = lot_on_hand.get(lot, 0) + quantity
        movement_rows.append((product, lot, quantity, kind, unit_cost, average_after, amount, at))
    conn.executemany(
        "INSERT INTO stock_movements (product_id, lot_id, quantity, kind, unit_cost, average_cost_after, amount,"
        " document_type, document_id, user_id, at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', '', NULL, ?, '')",
        movement_rows,
    )
    conn.executemany("UPDATE lots SET on_hand = ? WHERE id = ?", [(q, lot) for lot, q in lot_on_hand.items()])
    conn.executemany(
        "INSERT INTO stock_levels (product_id, on_hand, average_cost) VALUES (?, ?, ?)",
        [(p, q, a) for p, (q, a) in levels.items()],
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2,000 products and 50,000 movements, fewer repeats")
    args = parser.parse_args()
    products, movements, repeat = (2_000, 50_000, 20) if args.quick else (20_000, 1_000_000, 100)
    from pos.core.extensions import db
    from pos.inventory.receipts import create_receipt, post_receipt
    from pos.inventory.valuation import valuation_as_of
    from pos.models import Product, User

    today = local_today()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inventory.sqlite3"
        app = showroom_app(path)
        started = time.perf_counter()
        fill(app, products, movements, today)
        print(
            f"built {products:,} products, {2 * products:,} lots, {movements:,} movements in "
            f"{time.perf_counter() - started:.1f} s"
        )
        client = app.test_client()
        log_in(client)
        results = []
        trivial = timed(lambda: client.get("/api/v1/health"), repeat)
        pages = iter(range(1, 10**6))
        stock = timed(lambda: client.get(f"/inventory/?page={next(pages) % 50 + 1}"), repeat)
        terms = iter(SEARCH_TERMS * repeat)
        stock_search = timed(lambda: client.get(f"/inventory/?q={next(terms)}"), repeat)
        expiring = timed(lambda: client.get("/inventory/expiring?days=30"), repeat)
        with app.app_context():
            listed = client.get("/inventory/expiring?days=30").get_data(as_text=True).count("<tr>") - 1
        past = today - timedelta(days=182)
        with app.app_context():
            valuation = timed(lambda: (valuation_as_of(past), db.session.remove()), max(3, repeat // 10))
        valuation_page = timed(
            lambda: client.get(f"/inventory/valuation?date={past.isoformat()}"), max(3, repeat // 10)
        )
        with app.app_context():
            user_id = db.session.scalar(select_user(User)).id
            skus = db.session.scalars(db.select(Product.sku).limit(200)).all()
            producer_id = db.session.scalar(db.select(Product.producer_id).limit(1))
            lines = [
                {
                    "sku": sku,
                    "lot_code": "BENCH",
                    "quantity": "12",
                    "unit_cost": "15000",
                    "expiry_date": (today + timedelta(days=400)).isoformat(),
                }
                for sku in skus
            ]

            def post_one():
                user = db.session.get(User, user_id)
                receipt = create_receipt(producer_id, lines, user)
                post_receipt(receipt.id, user)
                db.session.remove()

            receipts = timed(post_one, 3 if args.quick else 10)
        receipt_p50 = percentile(receipts, 50)
        results += [
            ("stock on hand list, page of 50", stock, 100),
            ("stock on hand list, search term", stock_search, 100),
            (f"expiring lots list, 30 days ({listed:,} lots)", expiring, 100),
            (f"valuation as of {past.isoformat()} (service)", valuation, 1000),
            ("valuation as of that date (page)", valuation_page, 1000),
            ("baseline: GET /api/v1/health", trivial, None),
        ]
        for name, samples, _target in results:
            print(summary(name, samples))
        print(summary("post a 200-line goods receipt (create + post)", receipts))
        print()
        print(f"| Measure ({products:,} products, {movements:,} movements) | p50 | Target | Met |")
        print("|---|---|---|---|")
        for name, samples, target in results:
            p50 = percentile(samples, 50)
            print(
                f"| {name} | {p50:.1f} ms | {f'≤ {target} ms' if target else '—'} | "
                f"{'—' if target is None else ('yes' if p50 <= target else 'no')} |"
            )
        print(
            f"| 200-line goods receipt, create + post | {receipt_p50:.0f} ms: {1000 / receipt_p50:.1f} receipts/s, "
            f"{200_000 / receipt_p50:,.0f} lines/s | — | — |"
        )


def select_user(model):
    from sqlalchemy import select

    return select(model).where(model.username == "bench")


if __name__ == "__main__":
    main()
