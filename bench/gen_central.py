"""Generate a realistic central database on PostgreSQL for bench/reports.py.

Run: .venv/bin/python bench/gen_central.py [--lines 10000000] [--force]
Default: 300 showrooms, 5,000 products, 10,000,000 sale lines over the two years to today, three lines a
sale, popular products selling more (a skewed draw), weekends busier. Rows are made by PostgreSQL itself
(INSERT … SELECT over generate_series, no ORM), then the rollups are built from the lines exactly as
ingest keeps them. The database is `pos_bench_central_<lines>`; it is kept for bench/reports.py and
reused unless --force.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SHOWROOMS, PRODUCTS, LINES_PER_SALE, DAYS = 300, 5_000, 3, 730


def database_name(lines: int) -> str:
    return f"pos_bench_central_{lines}"


def database_url(lines: int) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{database_name(lines)}"


def existing_lines(lines: int) -> int | None:
    try:
        with psycopg.connect(database_url(lines), connect_timeout=3) as conn:
            return conn.execute("SELECT value::bigint FROM bench_meta WHERE key = 'lines'").fetchone()[0]
    except Exception:
        return None


FIGURES = "units, revenue, vat, cost, costed_revenue, consignment_revenue, commission"
MONTHLY_BY_SHOWROOM = (
    f"INSERT INTO sales_rollup_monthly (month, showroom_id, product_id, stars, potential_5_star, {FIGURES})"
    f" SELECT date_trunc('month', day)::date, showroom_id, product_id, stars, potential_5_star,"
    f" {', '.join(f'sum({c})' for c in FIGURES.split(', '))} FROM sales_rollup_daily GROUP BY 1, 2, 3, 4, 5"
    f" ORDER BY 1, 2"
)


def create_schema(lines: int, drop: bool = True) -> None:
    """The tables of the models (only the missing ones when not `drop`)."""
    if drop:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database_name(lines)}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{database_name(lines)}"')
    from pos import create_app
    from pos.core.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url(lines).replace("postgresql://", "postgresql+psycopg://"),
            "POS_ROLE": "central",
            "SECRET_KEY": "bench",
        }
    )
    with app.app_context():
        db.create_all()
        db.engine.dispose()


def step(conn, title: str, sql: str, **params) -> None:
    started = time.perf_counter()
    conn.execute(sql, params)
    conn.commit()
    print(f"  {title}: {time.perf_counter() - started:.1f} s", flush=True)


def generate(lines: int) -> None:
    sales = -(-lines // LINES_PER_SALE)  # the last sale may have fewer lines
    create_schema(lines)
    groups = "ARRAY['food','drinks','herbs','textiles_handicrafts','ornamental','tourism']"
    with psycopg.connect(database_url(lines)) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SET work_mem = '64MB'")
        # Bulk loads go faster without the secondary indexes; they are rebuilt afterwards.
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('remote_sales', 'remote_sale_lines') AND indexname LIKE 'ix_%%'"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX IF EXISTS "{name}"')
        conn.execute(
            "ALTER TABLE remote_sale_lines DROP CONSTRAINT IF EXISTS fk_remote_sale_lines_sale_id_remote_sales"
        )
        step(
            conn,
            "showrooms",
            "INSERT INTO showrooms (code, name, address, ward, district, province, tax_code, phone,"
            " invoice_symbol, bank_bin, bank_account, bank_account_name) SELECT 'S' || lpad(n::text, 3, '0'),"
            " 'Điểm bán OCOP ' || n, '', '', '', 'Hà Nội', '', '', '', '', '', '' FROM generate_series(1, %(n)s) n",
            n=SHOWROOMS,
        )
        step(
            conn,
            "products",
            f"INSERT INTO remote_products (owner, sku, gtin, name_vi, producer, producer_tax_code,"
            f" ocop_group, search_text) SELECT '', 'P-' || lpad(n::text, 5, '0'), '', 'Sản phẩm OCOP ' || n,"
            f" 'Chủ thể ' || (n %% 800), '', ({groups})[1 + n %% 6], 'san pham ocop ' || n || ' chu the ' || (n %% 800)"
            f" FROM generate_series(1, %(n)s) n",
            n=PRODUCTS,
        )
        step(
            conn,
            f"{sales:,} sales",
            "INSERT INTO remote_sales (id, uuid, kind, showroom_id, number, created_at, day, cashier, total,"
            " vat_total, payload_hash, received_at)"
            " SELECT n, md5(n::text)::uuid::text, 'sale', 1 + (n::bigint * 7919) %% %(showrooms)s, 'S-' || n, t,"
            " (t + interval"
            " '7 hours')::date, 'c', 0, 0, md5(n::text), t FROM (SELECT n, (current_date - %(days)s + (n::float8 /"
            " %(sales)s) * %(days)s * interval '1 day' + (random() * 13 + 1) * interval '1 hour') AS t"
            " FROM generate_series(1, %(sales)s) n) s",
            showrooms=SHOWROOMS,
            days=DAYS,
            sales=sales,
        )
        step(
            conn,
            f"{lines:,} sale lines",
            "INSERT INTO remote_sale_lines (sale_id, line_no, product_id, sku, name_vi, unit_price, vat_rate, stars,"
            " potential_5_star, quantity, amount, vat_amount, cost, commission, consignment)"
            " SELECT sale_id, line_no, product_id, 'P-' || lpad(product_id::text, 5, '0'), 'Sản phẩm OCOP ' ||"
            " product_id, price, 8, 3 + product_id %% 3, product_id %% 3 = 1 AND product_id %% 7 = 0,"
            " quantity, quantity * price, quantity * price * 8 / 108, CASE WHEN product_id %% 10 = 0 THEN NULL ELSE"
            " quantity * price * 7 / 10 END, CASE WHEN product_id %% 9 = 0 THEN quantity * price * 15 / 100 ELSE 0 END,"
            " product_id %% 9 = 0 FROM (SELECT (m - 1) / %(per)s + 1 AS sale_id, (m - 1) %% %(per)s + 1 AS line_no,"
            " 1 + floor(power(random(), 2) * %(products)s)::int AS product_id, 1 + floor(random() * 3)::int AS quantity"
            " FROM generate_series(1, %(lines)s) m) l0"
            " CROSS JOIN LATERAL (SELECT 20000 + (l0.product_id * 37) %% 500 * 1000 AS price) p",
            per=LINES_PER_SALE,
            products=PRODUCTS,
            lines=lines,
        )
        step(
            conn,
            "sale totals",
            "UPDATE remote_sales s SET total = t.total, vat_total = t.vat FROM (SELECT sale_id,"
            " sum(amount) AS total, sum(vat_amount) AS vat FROM remote_sale_lines GROUP BY sale_id) t"
            " WHERE t.sale_id = s.id",
        )
        step(
            conn,
            "indexes",
            "; ".join(definition for _, definition in indexes) + "; ALTER TABLE remote_sale_lines ADD"
            " CONSTRAINT fk_remote_sale_lines_sale_id_remote_sales FOREIGN KEY (sale_id) REFERENCES remote_sales (id)",
        )
        figures = "units, revenue, vat, cost, costed_revenue, consignment_revenue, commission"
        sums = (
            "sum(l.quantity), sum(l.amount), sum(l.vat_amount), coalesce(sum(l.cost), 0),"
            " coalesce(sum(l.amount) FILTER (WHERE l.cost IS NOT NULL), 0),"
            " coalesce(sum(l.amount) FILTER (WHERE l.consignment), 0), sum(l.commission)"
        )
        step(
            conn,
            "rollup per day, showroom, product",
            f"INSERT INTO sales_rollup_daily (day, showroom_id, product_id, stars, potential_5_star, {figures})"
            f" SELECT s.day, s.showroom_id, l.product_id, l.stars, l.potential_5_star, {sums} FROM remote_sale_lines l"
            f" JOIN remote_sales s ON s.id = l.sale_id GROUP BY 1, 2, 3, 4, 5 ORDER BY 1",
        )
        step(
            conn,
            "rollup per month, showroom, product",
            MONTHLY_BY_SHOWROOM,
        )
        step(
            conn,
            "rollup per day, product",
            f"INSERT INTO product_daily (day, product_id, stars, potential_5_star, {figures})"
            f" SELECT day, product_id, stars, potential_5_star, {', '.join(f'sum({c})' for c in figures.split(', '))}"
            f" FROM sales_rollup_daily GROUP BY 1, 2, 3, 4 ORDER BY 1",
        )
        step(
            conn,
            "rollup per month, product",
            f"INSERT INTO product_monthly (month, product_id, stars, potential_5_star, {figures})"
            f" SELECT date_trunc('month', day)::date, product_id, stars, potential_5_star,"
            f" {', '.join(f'sum({c})' for c in figures.split(', '))} FROM product_daily GROUP BY 1, 2, 3, 4 ORDER BY 1",
        )
        step(
            conn,
            "per showroom and day",
            "INSERT INTO showroom_daily (day, showroom_id, sales_count, sales_total, returns_count, returns_total,"
            " vat_total) SELECT day, showroom_id, count(*), sum(total), 0, 0, sum(vat_total) FROM remote_sales"
            " GROUP BY 1, 2",
        )
        # Ingest appends each day's rows after the last day's; ORDER BY 1 above lays them out the same way.
        step(conn, "statistics", "ANALYZE")
        conn.execute("CREATE TABLE bench_meta (key text PRIMARY KEY, value text)")
        conn.execute("INSERT INTO bench_meta VALUES ('lines', %s)", (str(lines),))
        conn.commit()


def upgrade(lines: int) -> None:
    """A database made before sales_rollup_monthly existed gets it, filled from the daily rollup (as migration
    0023 does), instead of being generated again."""
    with psycopg.connect(database_url(lines)) as conn:
        if conn.execute("SELECT to_regclass('sales_rollup_monthly')").fetchone()[0]:
            return
    print("adding the monthly rollup per showroom …", flush=True)
    create_schema(lines, drop=False)
    with psycopg.connect(database_url(lines)) as conn:
        conn.execute("SET work_mem = '64MB'")
        step(conn, "rollup per month, showroom, product", MONTHLY_BY_SHOWROOM)
        step(conn, "statistics", "ANALYZE sales_rollup_monthly")


def ensure(lines: int, force: bool = False) -> str:
    if force or existing_lines(lines) != lines:
        print(f"generating {lines:,} sale lines in {database_name(lines)} …", flush=True)
        started = time.perf_counter()
        generate(lines)
        print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        upgrade(lines)
    return database_url(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--quick", action="store_true", help="300,000 lines (what bench/reports.py --quick reads)")
    args = parser.parse_args()
    ensure(300_000 if args.quick else args.lines, args.force)
