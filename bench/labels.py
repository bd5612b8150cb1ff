"""Benchmark for QR labels and the public page (issues 6 and 19). One run prints these comparisons:

  1. time per label PNG vs bare `qrcode` generation (+PNG) of the same URLs      target ≤ 1.5×
  2. a 1,000-label A4 PDF vs 1,000 bare QR images (+PNG) of the same URLs         target ≤ 2×
  3. the shopper's page GET /p/01/<gtin14> under gunicorn, 8 concurrent clients on loopback, p50
     vs a trivial endpoint on the same server                                    target ≤ 3×
  4. the resolver's 307 from the label's URL GET /01/<gtin14> to that page (not followed), same
     conditions: one indexed lookup                                              target ≤ 3×
  5. 1,000 serialized labels of a goods receipt (issue the serials + render the A4 PDF) vs the same
     receipt's 1,000 labels printed plain (render the PDF)                       target ≤ 2×
  6. a serial's shopper page GET /p/01/<gtin14>/10/<lot>/21/<serial> (cached per serial state: one indexed
     read says where the unit stands now) under gunicorn, 8 clients, p50 vs trivial   target ≤ 3×
  7. where a serial stands (pos.labels.serials.serial_state) among 1,000,000 issued, in-process, p99
                                                                                 target ≤ 5 ms

In 1 and 2 every label URL is distinct (a different lot each) and caches are cleared first, so the label side
pays for every QR matrix, as the bare side does. In 5 both sides start with cleared caches: the plain sheet
repeats one URL (one QR matrix), the serialized one draws a QR code per unit (pos.labels.render.qr_matrix). 7 runs
half its lookups on issued serials and half on serials never issued.

    .venv/bin/python bench/labels.py [--quick]
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import qrcode  # noqa: E402
from qrcode.constants import ERROR_CORRECT_M  # noqa: E402

from pos.labels import render  # noqa: E402

BASE = "https://ocop.example.vn"


def urls(n: int, offset: int = 0) -> list[str]:
    return [f"{BASE}/01/0893601234{(offset + i) % 10000:04d}/10/L{offset + i:06d}" for i in range(n)]


def contents(batch: list[str]) -> list[render.LabelContent]:
    return [
        render.LabelContent(
            url=u,
            name="Chè Sen Quảng An hộp 100g",
            price="350.000\u00a0₫/hộp",
            gtin="8936012340013",
            stars=4,
            stars_text="4 sao OCOP",
            lot_line=f"Lô {u[-7:]} · HSD 30/06/2027",
        )
        for u in batch
    ]


def bare_qr_png(url: str) -> bytes:
    buffer = BytesIO()
    qrcode.make(url, error_correction=ERROR_CORRECT_M).save(buffer)
    return buffer.getvalue()


def clear_caches():
    for cached in (render.qr_matrix, render.qr_image, render._qr_runs_cached):
        cached.cache_clear()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_png(n: int) -> tuple[float, float]:
    batch = urls(n)
    render.pil_font(40)  # fonts load once per process, as in the server
    bare = timed(lambda: [bare_qr_png(u) for u in batch])
    clear_caches()
    items = contents(batch)
    label = timed(lambda: [render.render_png(c) for c in items])
    return label / n, bare / n


def bench_pdf(n: int) -> tuple[float, float]:
    batch = urls(n, offset=50_000)
    render.pdf_fonts()
    bare = timed(lambda: [bare_qr_png(u) for u in batch])
    clear_caches()
    items = contents(batch)
    pdf = timed(lambda: render.render_sheet_pdf(items, render.PRESETS["3x8"]))
    return pdf, bare


# --- serialized labels ----------------------------------------------------------------------------


def serialized_setup(url: str, units: int, receipts: int = 1):
    """An app on `url` with a serialized product and `receipts` posted goods receipts of `units` units each in lot
    D26: (app, manager id, the receipts' ids, product SKU)."""
    from pos import create_app
    from pos.auth.service import create_user
    from pos.catalog.service import add_rating, save_producer, save_product
    from pos.core.clock import local_today
    from pos.core.extensions import db
    from pos.inventory.receipts import create_receipt, post_receipt

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "PUBLIC_BASE_URL": BASE})
    with app.app_context():
        db.create_all()
        manager = create_user("bench-manager", "a-long-password", "manager")
        producer = save_producer({"name": "HTX Đào Nhật Tân", "type": "cooperative", "tax_code": "0101234567"})
        product = save_product(
            {
                "sku": "DAO-1",
                "gtin": "",
                "name_vi": "Đào thế Nhật Tân",
                "ocop_group": "ornamental",
                "unit": "cây",
                "price": 2_500_000,
                "vat_rate": 5,
                "producer_id": producer.id,
                "serialized": True,
            }
        )
        add_rating(
            product,
            {
                "stars": 4,
                "level": "province",
                "decision_no": "1/QĐ",
                "decision_date": local_today().replace(day=1),
                "certificate_no": "GCN-1",
            },
        )
        line = {"sku": "DAO-1", "quantity": str(units), "unit_cost": "1000000", "lot_code": "D26"}
        ids = []
        for _ in range(receipts):
            receipt = create_receipt(producer.id, [line], manager)
            post_receipt(receipt.id, manager)
            ids.append(receipt.id)
        return app, manager.id, ids, product.sku


def bench_serialized(units: int, rounds: int = 3) -> tuple[float, float, float]:
    """Medians over `rounds` alternating rounds (after one warm-up round of each): issue + PDF of a receipt's
    `units` serialized labels (a fresh receipt each round), the PDF of `units` plain labels, and of the first the
    issuing alone (one durable transaction: the disk's share); seconds."""
    from pos.core.extensions import db
    from pos.labels import serials, service
    from pos.models import User

    workdir = Path(tempfile.mkdtemp(prefix="bench-serials-"))
    app, manager_id, receipts, sku = serialized_setup(
        f"sqlite:///{workdir / 'serials.sqlite3'}", units, receipts=rounds + 1
    )
    render.pdf_fonts()
    plain_s, serialized_s, issue_s = [], [], []
    with app.test_request_context():
        manager = db.session.get(User, manager_id)

        def plain():
            items = service.resolve_items([f"{sku}:{units}:D26"])
            render.render_sheet_pdf(service.sheet_contents(items), render.PRESETS["3x8"])

        def serialized(receipt_id):
            start = time.perf_counter()
            issued = serials.issue_for_receipt(receipt_id, manager)
            issuing.append(time.perf_counter() - start)
            render.render_sheet_pdf(serials.serial_contents(issued), render.PRESETS["3x8"])

        issuing = []

        for n, receipt_id in enumerate(receipts):
            clear_caches()
            plain_time = timed(plain)
            clear_caches()
            serialized_time = timed(lambda r=receipt_id: serialized(r))
            if n:  # the first round warms both up
                plain_s.append(plain_time)
                serialized_s.append(serialized_time)
                issue_s.append(issuing[-1])
    return statistics.median(serialized_s), statistics.median(plain_s), statistics.median(issue_s)


def bench_serial_lookup(issued: int, lookups: int = 2000) -> tuple[float, float]:
    """p50 and p99 of serial_state() among `issued` serials (bulk-inserted), in-process, seconds."""
    import random
    import sqlite3

    from pos.core.extensions import db
    from pos.labels import serials
    from pos.models import Serial

    workdir = Path(tempfile.mkdtemp(prefix="bench-serial-lookup-"))
    path = workdir / "lookup.sqlite3"
    app, manager_id, (receipt_id,), _sku = serialized_setup(f"sqlite:///{path}", 10)
    with app.app_context():
        template = db.session.scalar(db.select(Serial).limit(1)) or None
        if template is None:
            from pos.models import User

            serials.issue_for_receipt(receipt_id, db.session.get(User, manager_id))
            template = db.session.scalar(db.select(Serial).limit(1))
        row = (template.product_id, template.lot_id, template.receipt_id, template.receipt_line_id)
        db.session.remove()
    connection = sqlite3.connect(path)
    known = []
    chunk = 100_000
    for start in range(0, issued, chunk):
        batch = [serials.new_serial() for _ in range(min(chunk, issued - start))]
        known.extend(batch[:: max(1, issued // 5000)])
        connection.executemany(
            "INSERT OR IGNORE INTO serials (serial, product_id, lot_id, lot_code, receipt_id, receipt_line_id,"
            " showroom, issued_at, issued_by_id) VALUES (?, ?, ?, 'D26', ?, ?, 'TH', '2026-12-03 02:00:00', ?)",
            [(s, row[0], row[1], row[2], row[3], manager_id) for s in batch],
        )
    connection.commit()
    connection.close()
    probes = [random.choice(known) for _ in range(lookups // 2)] + [serials.new_serial() for _ in range(lookups // 2)]
    random.shuffle(probes)
    times = []
    with app.app_context():
        serials.serial_state(probes[0])  # the first statement compiles
        for serial in probes:
            start = time.perf_counter()
            serials.serial_state(serial)
            times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99)]


# --- the public page under gunicorn ----------------------------------------------------------------


def bench_app():
    """gunicorn entry point: the real app plus a trivial public endpoint to compare with."""
    from pos import create_app
    from pos.auth.access import public

    app = create_app()

    @app.get("/bench/ping")
    @public
    def ping():
        return "ok"

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(url: str) -> tuple[str, str]:
    """The demo catalog; CSQA-100 made serialized, received in lot D26 and its serials issued. Returns its GTIN-14
    and the path of one serial's shopper page."""
    from pos import create_app
    from pos.auth.service import create_user
    from pos.core.database import atomic
    from pos.core.extensions import db
    from pos.demo.showroom import seed_catalog
    from pos.inventory.receipts import create_receipt, post_receipt
    from pos.labels.serials import issue_for_receipt
    from pos.models import Product

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        seed_catalog()
        product = db.session.scalar(db.select(Product).where(Product.sku == "CSQA-100"))
        with atomic():
            product.serialized = True
        manager = create_user("bench-manager", "a-long-password", "manager")
        line = {"sku": "CSQA-100", "quantity": "5", "unit_cost": "1000", "lot_code": "D26", "expiry_date": "2099-01-01"}
        receipt = create_receipt(product.producer_id, [line], manager)
        post_receipt(receipt.id, manager)
        serial = issue_for_receipt(receipt.id, manager)[0].serials[0]
        return product.gtin14, f"/p/01/{product.gtin14}/10/D26/21/{serial}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx itself is the answer measured


def fetch(url: str, follow: bool = True) -> int:
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as answer:  # a 307 not followed
        answer.read()
        return answer.code


def load(url: str, clients: int, per_client: int, follow: bool = True) -> list[float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def client():
        mine = []
        for _ in range(per_client):
            start = time.perf_counter()
            fetch(url, follow)
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def bench_http(requests_per_client: int, clients: int = 8) -> tuple[float, float, float, float]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-labels-"))
    db_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    gtin14, serial_path = prepare_database(db_url)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=db_url, SECRET_KEY="bench-only", PYTHONPATH=f"{ROOT}:{ROOT / 'bench'}")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",  # workers: gunicorn.conf.py
            "--log-level",
            "warning",
            "labels:bench_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/bench/ping", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        page, label = f"{base}/p/01/{gtin14}", f"{base}/01/{gtin14}"
        serial_page = base + serial_path
        load(page, clients, 5)  # warm up both workers
        load(label, clients, 5, follow=False)
        load(serial_page, clients, 5)
        load(base + "/bench/ping", clients, 5)
        assert fetch(page) == 200, "the public page does not answer"
        assert fetch(label, follow=False) == 307, "the label's URL does not redirect"
        assert fetch(serial_page) == 200, "the serial's page does not answer"
        trivial = statistics.median(load(base + "/bench/ping", clients, requests_per_client))
        public_page = statistics.median(load(page, clients, requests_per_client))
        redirect = statistics.median(load(label, clients, requests_per_client, follow=False))
        serial = statistics.median(load(serial_page, clients, requests_per_client))
        return public_page, redirect, serial, trivial
    finally:
        server.terminate()
        server.wait(60)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run, ~15 s)")
    args = parser.parse_args()
    png_n, pdf_n, http_n = (100, 1000, 25) if args.quick else (500, 1000, 100)
    serial_n, issued_n = (200, 50_000) if args.quick else (1000, 1_000_000)

    label, bare = bench_png(png_n)
    print(
        f"label PNG     {label * 1000:7.2f} ms/label   bare qrcode PNG {bare * 1000:7.2f} ms   "
        f"ratio {label / bare:4.2f}×  (target ≤ 1.5×, {png_n} distinct URLs)"
    )
    pdf, bare = bench_pdf(pdf_n)
    print(
        f"{pdf_n}-label PDF {pdf:7.2f} s           {pdf_n} bare QR PNGs {bare:7.2f} s   "
        f"ratio {pdf / bare:4.2f}×  (target ≤ 2×)"
    )
    serialized, plain, issuing = bench_serialized(serial_n)
    print(
        f"{serial_n} serialized labels (issue + PDF) {serialized:6.2f} s   "
        f"{serial_n} plain labels (PDF) {plain:6.2f} s   "
        f"ratio {serialized / plain:4.2f}×  (target ≤ 2×; issuing alone {issuing:5.2f} s)"
    )
    p50, p99 = bench_serial_lookup(issued_n)
    print(
        f"serial lookup among {issued_n:,} issued: p50 {p50 * 1000:5.3f} ms  p99 {p99 * 1000:5.3f} ms  "
        f"(target p99 ≤ 5 ms, in-process)"
    )
    page, redirect, serial_page, trivial = bench_http(http_n)
    print(
        f"public page p50 {page * 1000:6.2f} ms       trivial endpoint p50 {trivial * 1000:6.2f} ms   "
        f"ratio {page / trivial:4.2f}×  (target ≤ 3×, gunicorn as configured, 8 clients, "
        f"{8 * http_n} requests each)"
    )
    print(
        f"label 307    p50 {redirect * 1000:6.2f} ms       trivial endpoint p50 {trivial * 1000:6.2f} ms   "
        f"ratio {redirect / trivial:4.2f}×  (target ≤ 3×, the resolver's redirect to the page, not followed)"
    )
    print(
        f"serial page  p50 {serial_page * 1000:6.2f} ms       trivial endpoint p50 {trivial * 1000:6.2f} ms   "
        f"ratio {serial_page / trivial:4.2f}×  (target ≤ 3×, /p/01/…/21/{{serial}}, cached per serial state)"
    )


if __name__ == "__main__":
    main()
