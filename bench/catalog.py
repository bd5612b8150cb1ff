"""Catalog benchmark. Run: .venv/bin/python bench/catalog.py [--quick]

Fills a temporary SQLite database with 20,000 products and prints, each beside a baseline measured in the
same run: barcode lookup (by GTIN, by SKU) p50/p99 in-process through find_by_code, against a raw sqlite3
primary-key SELECT; and the product list page with a search term p50 through the app, against the login page.
Targets: lookup p99 ≤ 2 ms; list page with search ≤ 100 ms p50."""

import argparse
import random
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._setup import SEARCH_TERMS, log_in, manager_and_producer, product_name, showroom_app
from bench._timing import percentile, summary, timed


def fill(app, count: int) -> list[tuple[str, str]]:
    from pos.catalog.gs1 import check_digit
    from pos.catalog.text import fold
    from pos.core.extensions import db

    with app.app_context():
        db.create_all()
        producer_id = manager_and_producer()
        rows, codes = [], []
        for i in range(count):
            body = f"893{i:09d}"
            gtin = body + str(check_digit(body))
            name = product_name(random, i)
            sku = f"SKU-{i:06d}"
            rows.append(
                {
                    "sku": sku,
                    "gtin": gtin,
                    "gtin14": "0" + gtin,
                    "name_vi": name,
                    "name_en": "",
                    "ocop_group": "food",
                    "unit": "gói",
                    "price": 10_000 + i,
                    "vat_rate": 8,
                    "producer_id": producer_id,
                    "search_text": fold(f"{name} {sku} {gtin} htx thu"),
                }
            )
            codes.append((gtin, sku))
        db.session.execute(db.metadata.tables["products"].insert(), rows)
        db.session.commit()
    return codes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count, repeat = (2_000, 200) if args.quick else (20_000, 2_000)
    from pos.catalog.service import find_by_code
    from pos.core.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalog.sqlite3"
        app = showroom_app(path)
        codes = fill(app, count)
        with app.app_context():
            sample = random.sample(codes, min(repeat, len(codes)))
            it = iter(sample * 2)
            by_gtin = timed(lambda: (find_by_code(next(it)[0]), db.session.expunge_all()), len(sample))
            it = iter(sample * 2)
            by_sku = timed(lambda: (find_by_code(next(it)[1]), db.session.expunge_all()), len(sample))
        raw = sqlite3.connect(path)
        it = iter(sample * 2)
        baseline = timed(
            lambda: raw.execute("SELECT * FROM products WHERE gtin14 = ?", ("0" + next(it)[0],)).fetchone(), len(sample)
        )
        print(summary(f"lookup by GTIN ({count} products)", by_gtin) + "  (target p99 ≤ 2 ms)")
        print(summary("lookup by SKU", by_sku))
        print(
            summary("baseline: raw sqlite3 indexed SELECT", baseline)
            + f"  → ratio p50 {percentile(by_gtin, 50) / percentile(baseline, 50):.1f}×"
        )
        client = app.test_client()
        log_in(client)
        pages = 50 if args.quick else 200
        terms = iter(SEARCH_TERMS * pages)
        search = timed(lambda: client.get(f"/catalog/products?q={next(terms)}"), pages)
        trivial = timed(lambda: client.get("/api/v1/health"), pages)
        print(summary("product list page with a search term", search) + "  (target p50 ≤ 100 ms)")
        print(
            summary("baseline: trivial endpoint", trivial)
            + f"  → ratio p50 {percentile(search, 50) / percentile(trivial, 50):.1f}×"
        )


if __name__ == "__main__":
    main()
