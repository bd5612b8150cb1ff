"""Real-browser journeys: a live server on 127.0.0.1 with the demo data, Debian's chromium through
Playwright. Screenshots go to test-artifacts/ (kept after the run)."""
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on port {port} did not start")


def flask_cli(env, *args):
    subprocess.run([sys.executable, "-m", "flask", *args], env=env, cwd=ROOT, check=True,
                   capture_output=True, text=True)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The showroom under gunicorn with migrations applied and the demo data seeded."""
    instance = tmp_path_factory.mktemp("live")
    port = free_port()
    env = os.environ | {"FLASK_APP": "wsgi.py", "DATABASE_URL": f"sqlite:///{instance / 'pos.sqlite3'}",
                        "SECRET_KEY": "browser-tests", "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "seed-demo")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4",
                               "--bind", f"127.0.0.1:{port}", "wsgi:app"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port)
        yield {"url": f"http://127.0.0.1:{port}", "env": env, "database": instance / "pos.sqlite3"}
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base_url: str, username: str, password: str = "ocop-demo-2026") -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
