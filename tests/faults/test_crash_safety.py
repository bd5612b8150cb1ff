"""Kill the showroom server with SIGKILL in the middle of a load of sales, restart it, and check that
every acknowledged sale is there exactly once, nothing is half-written, and stock equals the ledger."""

import os
import re
import signal
import sqlite3
import threading
import time
import uuid

import requests

from tests.servers import flask_cli, free_port, gunicorn, wait_for_port


def start_server(env, port):
    return gunicorn(env, port, workers=2, threads=4, start_new_session=True)


def healthy(base, timeout: float = 60) -> bool:
    """The restarted server answers (gunicorn may still be binding or booting its workers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/api/v1/health", timeout=5).json()["status"] == "ok":
                return True
        except (requests.RequestException, ValueError):
            time.sleep(0.2)
    return False


def cashier_session(base):
    session = requests.Session()
    token = re.search(r'name="csrf-token" content="([^"]+)"', session.get(base + "/login").text).group(1)
    session.post(base + "/login", data={"username": "cashier", "password": "ocop-demo-2026", "csrf_token": token})
    till = session.get(base + "/till").text
    session.headers["X-CSRFToken"] = re.search(r'name="csrf-token" content="([^"]+)"', till).group(1)
    return session


def test_sigkill_mid_load_loses_no_acknowledged_sale(tmp_path):
    port = free_port()
    database = tmp_path / "pos.sqlite3"
    env = os.environ | {
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "crash-test",
        "LOGIN_RATE_LIMIT": "1000 per minute",
    }
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "seed-demo")
    with sqlite3.connect(database) as conn:  # the demo's own sales (consigned scarves), made before the load
        seeded = {row[0] for row in conn.execute("SELECT uuid FROM sales")}
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port)
    wait_for_port(port, timeout=60)
    session = cashier_session(base)
    session.post(base + "/shift", data={"action": "open", "opening_float": "0"})
    product_ids = [
        session.get(base + f"/api/v1/products/lookup?code={sku}").json()["id"]
        for sku in ("CSQA-100", "STH-HAT", "GBT-AM", "CLV-BANH")
    ]

    acknowledged, sent, stop = {}, [], threading.Event()

    def till(n):
        s = cashier_session(base)
        k = 0
        while not stop.is_set():
            body = {
                "uuid": str(uuid.uuid4()),
                "lines": [{"product_id": product_ids[(n + k) % 4], "quantity": 1}],
                "payments": [{"method": "cash", "amount": 2_000_000}],
            }
            k += 1
            sent.append(body["uuid"])
            try:
                response = s.post(base + "/api/v1/sales", json=body, timeout=5)
            except requests.RequestException:
                continue
            if response.status_code == 201:
                acknowledged[body["uuid"]] = response.json()["total"]

    tills = [threading.Thread(target=till, args=(n,)) for n in range(4)]
    for t in tills:
        t.start()
    deadline = time.monotonic() + 90  # a loaded CI machine is slow; the kill comes after 40 sales
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(server.pid, signal.SIGKILL)  # the whole server, mid-load
    server.wait()
    stop.set()
    for t in tills:
        t.join()
    assert len(acknowledged) >= 40

    server = start_server(env, port)
    try:
        wait_for_port(port, timeout=60)
        assert healthy(base), "the restarted server did not answer"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()

    conn = sqlite3.connect(database)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = dict(conn.execute("SELECT uuid, total FROM sales").fetchall())
    for sale_uuid, total in acknowledged.items():
        assert stored.get(sale_uuid) == total  # present, once (uuid is unique), with its total
    assert set(stored) - seeded <= set(sent)
    # nothing half-written: every sale has its lines, payments, stock movements and outbox row
    assert (
        conn.execute(
            "SELECT count(*) FROM sales s WHERE NOT EXISTS (SELECT 1 FROM sale_lines l WHERE l.sale_id = s.id)"
            " OR NOT EXISTS (SELECT 1 FROM payments p WHERE p.sale_id = s.id)"
            " OR NOT EXISTS (SELECT 1 FROM outbox o WHERE o.uuid = s.uuid)"
            " OR NOT EXISTS (SELECT 1 FROM stock_movements m WHERE m.document_id = s.uuid)"
        ).fetchone()[0]
        == 0
    )
    assert (
        conn.execute(
            "SELECT count(*) FROM stock_movements m WHERE m.document_type = 'sale'"
            " AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.uuid = m.document_id)"
        ).fetchone()[0]
        == 0
    )
    mismatched = conn.execute(
        "SELECT count(*) FROM stock_levels sl WHERE sl.on_hand <> (SELECT coalesce(sum(quantity), 0)"
        " FROM stock_movements m WHERE m.product_id = sl.product_id)"
    ).fetchone()[0]
    assert mismatched == 0
    conn.close()
