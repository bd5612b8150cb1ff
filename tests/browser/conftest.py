"""Real-browser journeys: a live server on 127.0.0.1 with the demo data, Debian's chromium through
Playwright. Screenshots go to test-artifacts/ (kept after the run)."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.servers import ROOT, flask_cli, flask_process, free_port, gunicorn, wait_for_port

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """As `make run` does it: the showroom under gunicorn with the demo data, central beside it (its own
    database, demo showrooms with months of sales) and `flask sync run` between them."""
    from tests import fake_payos

    instance = tmp_path_factory.mktemp("live")
    port, central_port = free_port(), free_port()
    secret = "browser-tests-sync-secret-0123456789"
    payos = fake_payos.FakePayOS()  # VietQR by payOS: its API on loopback; its webhooks go to central
    central_env = os.environ | {
        "FLASK_APP": "wsgi.py",
        "POS_ROLE": "central",
        "SECRET_KEY": "browser-tests",
        "DATABASE_URL": f"sqlite:///{instance / 'central.sqlite3'}",
        "SYNC_SECRET": secret,
        "VIETQR_PROVIDER": "payos",
        "PAYOS_CHECKSUM_KEY": fake_payos.CHECKSUM_KEY,
    }
    env = os.environ | {
        "VIETQR_PROVIDER": "payos",
        "PAYOS_API_URL": payos.url,
        "PAYOS_CLIENT_ID": fake_payos.CLIENT_ID,
        "PAYOS_API_KEY": fake_payos.API_KEY,
        "PAYOS_CHECKSUM_KEY": fake_payos.CHECKSUM_KEY,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": f"sqlite:///{instance / 'pos.sqlite3'}",
        "SECRET_KEY": "browser-tests",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "CENTRAL_URL": f"http://127.0.0.1:{central_port}",
        "SYNC_SECRET": secret,
        "SHOWROOM_CODE": "TH",
        "SYNC_INTERVAL_S": "0.5",
    }
    for environment in (central_env, env):
        flask_cli(environment, "db", "upgrade")
        flask_cli(environment, "seed-demo")
    processes = [
        gunicorn(central_env, central_port, threads=4, stderr=subprocess.PIPE),
        gunicorn(env, port, threads=4, stderr=subprocess.PIPE),
        flask_process(env, "sync", "run"),
    ]
    try:
        wait_for_port(port)
        wait_for_port(central_port)
        yield {
            "url": f"http://127.0.0.1:{port}",
            "env": env,
            "database": instance / "pos.sqlite3",
            "central_url": f"http://127.0.0.1:{central_port}",
            "central_env": central_env,
            "payos": payos,
        }
    finally:
        payos.stop()
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
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


def enter(page, selector: str, value: str) -> None:
    """Type `value` into a field and press Enter, as a cashier does."""
    page.fill(selector, value)
    page.keyboard.press("Enter")


def give_discount(page, percent: str) -> None:
    """The till's discount on the whole order, in percent."""
    page.click("#order-discount")
    enter(page, "#discount-form input[name=value]", percent)


def done_number(page) -> str:
    """The number of the sale the till has just completed, as its done dialog shows it."""
    page.wait_for_selector("#done-dialog[open]")
    return page.inner_text("#done-title").split("·")[1].strip()


def new_receipt(page, base_url: str, **producer) -> None:
    """The goods receipt form with its producer chosen (`label=` its name or `value=` its id)."""
    page.goto(f"{base_url}/inventory/receipts/new")
    page.select_option("select[name=producer_id]", **producer)


def stored(live_server, sql: str, *params) -> list[tuple]:
    """Rows as the live server stored them, read from its database: what the journey's steps left behind."""
    conn = sqlite3.connect(live_server["database"])
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# axe-core comes from npm (package-lock.json pins it; `make test` runs `npm ci`). It is evaluated through the
# DevTools protocol rather than added as a <script>, which the app's Content-Security-Policy (script-src 'self')
# would refuse, so the check runs on any page, in any context, as the app really serves it.
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Every visible input, select and textarea needs a label a sighted user can read: a <label for>, a wrapping
# <label>, or aria-labelledby pointing at visible text. A placeholder, a title or an aria-label alone is not one.
_UNLABELLED_CONTROLS_JS = """() => {
  const shown = el => {
    if (!el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})) return false;
    const box = el.getBoundingClientRect();   // a visually hidden text (1px, clipped, off-screen) is not seen
    return box.width > 1 && box.height > 1 && box.right > 0 && box.bottom + window.scrollY > 0;
  };
  const readable = el => !!el && shown(el) && el.innerText.trim() !== '';
  const controls = document.querySelectorAll(
    'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset]):not([type=image]),' +
    ' select, textarea');
  const missing = [];
  for (const control of controls) {
    if (!shown(control)) continue;
    const byLabel = [...(control.labels || [])].some(label => {
      // the label's own text, without the text of a control inside it (a <select>'s options)
      const copy = label.cloneNode(true);
      copy.querySelectorAll('select, textarea, option').forEach(inner => inner.remove());
      return shown(label) && copy.textContent.trim() !== '';
    });
    const byIds = (control.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
      .some(id => readable(document.getElementById(id)));
    if (!byLabel && !byIds) {
      const name = control.id ? '#' + control.id : (control.name ? `[name="${control.name}"]` : '');
      missing.push(`${control.tagName.toLowerCase()}${name}` +
                   (control.placeholder ? ` (placeholder "${control.placeholder}")` : ''));
    }
  }
  return missing;
}"""


def axe_violations(page) -> list[dict]:
    """Run axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now; the violations, as axe reports them."""
    if not AXE_SOURCE.exists():
        pytest.fail(f"{AXE_SOURCE.relative_to(ROOT)} is missing: `make test` installs it (npm ci)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    return page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(results => results.violations)",
        AXE_TAGS,
    )


def unlabelled_controls(page) -> list[str]:
    """The visible form controls without a visible label, named by id or name."""
    return page.evaluate(_UNLABELLED_CONTROLS_JS)


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}  {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            target = " ".join(" >> ".join(part) if isinstance(part, list) else part for part in node["target"])
            lines.append(f"    {target}: {node['failureSummary'].splitlines()[-1].strip()}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def accessibility_problems(page) -> str:
    """What axe-core and the visible-label check find on the page, readable; empty when there is nothing."""
    report = describe_violations(axe_violations(page))
    unlabelled = unlabelled_controls(page)
    if unlabelled:
        report += ("\n" if report else "") + "- form controls without a visible label: " + ", ".join(unlabelled)
    return report


def assert_accessible(page, name: str = "") -> None:
    """The page passes axe-core's WCAG 2 A/AA rules and every visible form control has a visible label."""
    report = accessibility_problems(page)
    assert not report, f"{name or page.url} is not accessible:\n{report}"
