"""Central reports benchmark. Run: .venv/bin/python bench/reports.py [--quick]   (needs PostgreSQL)

Sales per product over one month and one year, across all showrooms, with product filters and for one
showroom, through pos.central.reports (which picks its source: monthly rollups for whole months, daily rows
for the edges, a showroom's lines for a few edge days) vs the same figures computed from the raw sale lines
in the same run, on the database bench/gen_central.py makes (10,000,000 lines; --quick: 300,000).
Targets: every case at least as fast as the raw query (p50), one month p50 ≤ 50 ms, one year p50 ≤ 150 ms.
"""

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import gen_central
from bench._timing import percentile, timed
from pos.core.clock import local_today

RAW = """SELECT l.product_id, sum(l.quantity), sum(l.amount), sum(l.vat_amount)
FROM remote_sale_lines l JOIN remote_sales s ON s.id = l.sale_id
WHERE s.day BETWEEN :start AND :end {extra} GROUP BY l.product_id"""


def cases(today: date):
    last_month_end = today.replace(day=1) - timedelta(days=1)
    month = (last_month_end.replace(day=1), last_month_end)
    year = (today - timedelta(days=364), today)
    filters = {"group": "drinks", "stars": "4"}
    raw_filters = "AND l.stars = 4 AND l.product_id IN (SELECT id FROM remote_products WHERE ocop_group = 'drinks')"
    showroom = {"showroom": "S007"}
    raw_showroom = "AND s.showroom_id = (SELECT id FROM showrooms WHERE code = 'S007')"
    for period, (start, end), target in (("one month", month, 50), ("one year", year, 150)):
        yield f"{period}, all", start, end, {}, "", target
        yield f"{period}, drinks 4★", start, end, filters, raw_filters, target
        yield f"{period}, one showroom", start, end, showroom, raw_showroom, target


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="300,000 lines and fewer repetitions")
    args = parser.parse_args()
    url = gen_central.ensure(300_000 if args.quick else 10_000_000)
    from pos import create_app
    from pos.auth.scope import EVERYTHING
    from pos.central import reports
    from pos.core.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://"),
            "POS_ROLE": "central",
            "SECRET_KEY": "bench",
        }
    )
    repeat, raw_repeat = (5, 3) if args.quick else (20, 5)
    lines = None
    all_met = True
    with app.app_context():
        lines = db.session.execute(text("SELECT value FROM bench_meta WHERE key = 'lines'")).scalar()
        print(f"sales per product on {int(lines):,} sale lines, 300 showrooms, 5,000 products (PostgreSQL)")
        print(f"{'case':28} {'report p50':>11} {'p95':>9} {'raw p50':>10} {'speed-up':>9}  target")
        for name, start, end, filters, raw_extra, target in cases(local_today()):
            f = reports.parse_filter(
                {"preset": "custom", "start": start.isoformat(), "end": end.isoformat(), **filters}, EVERYTHING
            )
            rows = reports.per_product(f)
            raw_rows = db.session.execute(text(RAW.format(extra=raw_extra)), {"start": start, "end": end}).all()
            same = [sum(r.units for r in rows), sum(r.revenue for r in rows), sum(r.vat for r in rows)]
            assert same == [sum(r[i] for r in raw_rows) for i in (1, 2, 3)], name  # same answer, both ways
            samples = timed(lambda f=f: reports.per_product(f), repeat)
            raw_sql = text(RAW.format(extra=raw_extra))
            raw = timed(
                lambda sql=raw_sql, start=start, end=end: db.session.execute(sql, {"start": start, "end": end}).all(),
                raw_repeat,
            )
            p50, raw_p50 = percentile(samples, 50), percentile(raw, 50)
            met = p50 <= target and raw_p50 >= p50
            all_met &= met
            print(
                f"{name:28} {p50:9.1f} ms {percentile(samples, 95):6.1f} ms {raw_p50:7.1f} ms {raw_p50 / p50:8.1f}×"
                f"  ≤ {target} ms, ≥ 1× {'MET' if met else 'NOT MET'}"
            )
        db.session.remove()
        db.engine.dispose()
    print("all targets met" if all_met else "some targets NOT met")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"({time.perf_counter() - started:.0f} s)")
