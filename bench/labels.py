"""Benchmark for QR labels and the public page (issue 6). One run prints three comparisons:

  1. time per label PNG vs bare `qrcode` generation (+PNG) of the same URLs      target ≤ 1.5×
  2. a 1,000-label A4 PDF vs 1,000 bare QR images (+PNG) of the same URLs         target ≤ 2×
  3. the shopper's page GET /p/01/<gtin14> under gunicorn, 8 concurrent clients on loopback, p50
     vs a trivial endpoint on the same server                                    target ≤ 3×
  4. the resolver's 307 from the label's URL GET /01/<gtin14> to that page (not followed), same
     conditions: one indexed lookup                                              target ≤ 3×

Every label URL is distinct (a different lot each) and caches are cleared first, so the label side
pays for every QR matrix, as the bare side does.

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


def prepare_database(url: str) -> str:
    from pos import create_app
    from pos.core.extensions import db
    from pos.demo.showroom import seed_catalog
    from pos.models import Product

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        seed_catalog()
        return db.session.query(Product.gtin14).filter(Product.sku == "CSQA-100").scalar()


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


def bench_http(requests_per_client: int, clients: int = 8) -> tuple[float, float, float]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-labels-"))
    db_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    gtin14 = prepare_database(db_url)
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
        load(page, clients, 5)  # warm up both workers
        load(label, clients, 5, follow=False)
        load(base + "/bench/ping", clients, 5)
        assert fetch(page) == 200, "the public page does not answer"
        assert fetch(label, follow=False) == 307, "the label's URL does not redirect"
        trivial = statistics.median(load(base + "/bench/ping", clients, requests_per_client))
        public_page = statistics.median(load(page, clients, requests_per_client))
        redirect = statistics.median(load(label, clients, requests_per_client, follow=False))
        return public_page, redirect, trivial
    finally:
        server.terminate()
        server.wait(60)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer iterations (a smoke run, ~15 s)")
    args = parser.parse_args()
    png_n, pdf_n, http_n = (100, 1000, 25) if args.quick else (500, 1000, 100)

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
    page, redirect, trivial = bench_http(http_n)
    print(
        f"public page p50 {page * 1000:6.2f} ms       trivial endpoint p50 {trivial * 1000:6.2f} ms   "
        f"ratio {page / trivial:4.2f}×  (target ≤ 3×, gunicorn as configured, 8 clients, "
        f"{8 * http_n} requests each)"
    )
    print(
        f"label 307    p50 {redirect * 1000:6.2f} ms       trivial endpoint p50 {trivial * 1000:6.2f} ms   "
        f"ratio {redirect / trivial:4.2f}×  (target ≤ 3×, the resolver's redirect to the page, not followed)"
    )


if __name__ == "__main__":
    main()
