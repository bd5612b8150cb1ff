"""Customer display benchmark. Run: .venv/bin/python bench/display.py [--quick]

gunicorn as configured (gunicorn.conf.py), the demo showroom, 8 tills each paired with a display that polls
/api/v1/display/state every POLL_MS (300 ms), as static/js/display.js does.
1. A till sends its cart (POST /api/v1/display/show) → its display's next poll has it: p50/p95 of the delay
   seen by the display; target p95 ≤ 1 s (the issue's "within 1 s of the till").
2. POST /api/v1/sales p50 at 8 tills with the 8 displays polling vs without, in alternating rounds: the polls
   must not starve the tills; target ≤ 1.5×.
3. A poll's own cost: p50/p99 of GET /api/v1/display/state answering 204 (nothing new).
"""

import argparse
import concurrent.futures
import re
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._setup import gunicorn_server, wait_until_up
from bench._timing import percentile, summary, timed
from bench.checkout import build_database
from pos.display.service import POLL_MS

ROOT = Path(__file__).resolve().parents[1]
POLL_S = POLL_MS / 1000
TILLS = 8


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    args = parser.parse_args()
    pushes, per_round, rounds = (10, 5, 2) if args.quick else (50, 20, 6)
    with tempfile.TemporaryDirectory() as tmp:
        env = build_database(Path(tmp) / "bench.sqlite3", 100)
        port = 5391
        server = gunicorn_server(env, port)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base)
            run(base, pushes, per_round, rounds)
        finally:
            server.terminate()
            server.wait()


def csrf(session, base, path):
    return re.search(r'name="csrf-token" content="([^"]+)"', session.get(base + path).text).group(1)


def till(base):
    s = requests.Session()
    token = csrf(s, base, "/login")
    s.post(base + "/login", data={"username": "cashier", "password": "ocop-demo-2026", "csrf_token": token})
    s.headers["X-CSRFToken"] = csrf(s, base, "/till")
    return s


def post(session, url, **kwargs):
    """A POST, sent once more when the server had just closed the idle keep-alive connection (gunicorn's
    keepalive is 2 s; a till here may stay quiet longer). Both POSTs here are idempotent (a sale by its UUID)."""
    try:
        return session.post(url, **kwargs)
    except requests.ConnectionError:
        return session.post(url, **kwargs)


def display(base):
    s = requests.Session()
    s.headers["X-CSRFToken"] = csrf(s, base, "/display")
    return s


def run(base, pushes, per_round, rounds):
    tills, displays = [till(base) for _ in range(TILLS)], [display(base) for _ in range(TILLS)]
    tokens = []
    for t, d in zip(tills, displays, strict=True):
        code = d.post(base + "/api/v1/display/code").json()["code"]
        tokens.append(t.post(base + "/api/v1/display/pair", json={"code": code}).json()["till_token"])
    tills[0].post(base + "/shift", data={"action": "open", "opening_float": "0"})  # the demo has no open shift
    product_id = tills[0].get(base + "/api/v1/products/lookup?code=CSQA-100").json()["id"]

    polling, seen, versions, lock = threading.Event(), {}, [""] * TILLS, threading.Lock()
    stop = threading.Event()

    def poller(i):
        while not stop.is_set():
            if polling.is_set():
                try:
                    r = displays[i].get(base + "/api/v1/display/state", params={"v": versions[i]}, timeout=10)
                except requests.RequestException:  # as the display does: ask again at the next tick
                    time.sleep(POLL_S)
                    continue
                if r.status_code == 200 and r.json().get("paired"):
                    versions[i] = r.json()["version"]
                    with lock:
                        seen.setdefault((i, r.json()["total"]), time.perf_counter())
            time.sleep(POLL_S)

    threads = [threading.Thread(target=poller, args=(i,), daemon=True) for i in range(TILLS)]
    for thread in threads:
        thread.start()

    # 1. till → display delay
    polling.set()
    delays = []
    for n in range(pushes):
        i, total = n % TILLS, 10_000 + n
        state = {
            "phase": "cart",
            "total": total,
            "lines": [{"name": "Chè", "quantity": 1, "unit_price": total, "amount": total, "stars": 4}],
        }
        sent = time.perf_counter()
        assert post(tills[i], base + "/api/v1/display/show", json={"till_token": tokens[i], "state": state}).ok
        while (i, total) not in seen and time.perf_counter() - sent < 5:
            time.sleep(0.005)
        delays.append((seen.get((i, total), sent + 5) - sent) * 1000)
        time.sleep(0.05)
    print(
        f"1. till → display: p50 {percentile(delays, 50):.0f} ms, p95 {percentile(delays, 95):.0f} ms, "
        f"max {max(delays):.0f} ms (n={len(delays)}, poll every {POLL_S * 1000:.0f} ms; target p95 ≤ 1000 ms)"
    )

    # 2. sales with and without the displays polling
    def post_sale(s):
        r = post(
            s,
            base + "/api/v1/sales",
            json={
                "uuid": str(uuid.uuid4()),
                "lines": [{"product_id": product_id, "quantity": 1}],
                "payments": [{"method": "cash", "amount": 500_000}],
            },
        )
        assert r.status_code == 201, r.text

    def sales_round():
        with concurrent.futures.ThreadPoolExecutor(TILLS) as pool:
            return [x for r in pool.map(lambda s: timed(lambda: post_sale(s), per_round), tills) for x in r]

    alone, beside = [], []
    for _ in range(rounds):
        polling.clear()
        time.sleep(POLL_S)
        alone += sales_round()
        polling.set()
        time.sleep(POLL_S)
        beside += sales_round()
    print(
        "2. "
        + summary("sales, 8 tills, displays polling", beside)
        + " | "
        + summary("without", alone)
        + f" → p50 ratio {percentile(beside, 50) / percentile(alone, 50):.2f}× (target ≤ 1.5×)"
    )

    # 3. a poll with nothing new
    polling.clear()
    stop.set()
    d, v = displays[0], versions[0]
    polls = timed(lambda: d.get(base + "/api/v1/display/state", params={"v": v}), 200 if pushes > 10 else 50)
    print("3. " + summary("poll answering 204", polls))


if __name__ == "__main__":
    main()
