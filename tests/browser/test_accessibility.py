"""Every page each role may open, on the showroom and on central, in Vietnamese and in English, passes axe-core's
WCAG 2 A/AA rules and gives every visible form control a visible label (assert_accessible, which every browser test
uses); and that check really runs on the app's pages and finds what it should."""

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import AnyConverter

from tests.browser.conftest import (
    accessibility_problems,
    assert_accessible,
    axe_violations,
    log_in,
    unlabelled_controls,
)

pytestmark = pytest.mark.browser


def test_the_check_finds_what_it_should_on_a_page_served_with_the_apps_content_security_policy(live_server, page):
    page.goto(f"{live_server['url']}/login")
    assert "script-src 'self'" in page.evaluate(
        "() => fetch(location.href).then(r => r.headers.get('content-security-policy'))"
    )
    assert_accessible(page, "the login page")
    page.evaluate("""() => {
        const input = document.createElement('input');
        input.id = 'lonely'; input.placeholder = 'Tên sản phẩm';     // a placeholder alone is no label (for us)
        const bare = document.createElement('input');
        bare.name = 'bare';                                           // nothing at all (for axe too)
        const faint = document.createElement('p');
        faint.textContent = 'Chữ mờ'; faint.style.color = '#ddd'; faint.style.background = '#fff';
        document.querySelector('main').append(input, bare, faint);
    }""")
    rules = {violation["id"] for violation in axe_violations(page)}
    assert {"label", "color-contrast"} <= rules
    assert unlabelled_controls(page) == ['input#lonely (placeholder "Tên sản phẩm")', 'input[name="bare"]']
    report = accessibility_problems(page)
    assert "label (critical)" in report and 'input[name="bare"]' in report and "color-contrast (serious)" in report
    with pytest.raises(AssertionError, match="form controls without a visible label: input#lonely"):
        assert_accessible(page)


@pytest.mark.parametrize(
    "html, problem",
    [
        # read by a screen reader, seen by nobody
        (
            '<label for="q" style="position:absolute;width:1px;height:1px;overflow:hidden;'
            'clip:rect(0 0 0 0)">Tìm</label>' + '<input id="q">',
            "input#q",
        ),
        ('<input id="q" aria-label="Tìm">', "input#q"),
        ('<span id="cap" hidden>Tìm</span><input id="q" aria-labelledby="cap">', "input#q"),
        ('<label><select name="s"><option>Một</option></select></label>', 'select[name="s"]'),
    ],
)
def test_a_label_nobody_can_see_is_no_label(page, html, problem):
    page.set_content(f'<!doctype html><html lang="vi"><title>t</title><main>{html}</main></html>')
    assert unlabelled_controls(page) == [problem]


@pytest.mark.parametrize(
    "html",
    [
        '<label for="q">Tìm</label><input id="q">',
        '<label>Số lượng <input name="qty" type="number"></label>',
        '<span id="cap">Tìm</span><input id="q" aria-labelledby="cap">',
        '<input type="hidden" name="csrf"><input id="gone" style="display:none"><button>OK</button>',
    ],
)
def test_a_visible_label_is_enough(page, html):
    page.set_content(f'<!doctype html><html lang="vi"><title>t</title><main>{html}</main></html>')
    assert unlabelled_controls(page) == []


# Every page each role may open, on the showroom and on central, in Vietnamese and in English. The walk starts from
# every GET route without arguments in the app's URL map and follows the links it finds to routes with arguments
# (a sale, a product's edit page, a goods receipt, the shopper's page …), one page per route.
NOT_PAGES = {"static", "catalog.media"}
LANGUAGES = ("vi", "en")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,*/*;q=0.8"  # what a browser asks for (else a resolver's JSON)


def _url_map(role: str, tmp_path):
    from pos import create_app

    app = create_app({"POS_ROLE": role, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/map.db"})
    return app.url_map.bind("127.0.0.1")


def _plain_pages(urls) -> list[str]:
    return sorted(
        rule.rule
        for rule in urls.map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in NOT_PAGES
    )


def _with_language(url: str, lang: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def walk(context, base: str, urls, start: list[str]) -> tuple[dict[str, str], set[str]]:
    """Check every HTML page reachable as described above; the problems per page, and the endpoints checked."""
    page = context.new_page()
    problems, checked, rules_queued = {}, set(), set()
    queue = list(start)
    while queue:
        path = queue.pop(0)
        response = context.request.get(base + path, max_redirects=0, headers={"Accept": BROWSER_ACCEPT})
        if response.status != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            continue  # not this role's (403), elsewhere (302), or a download, an image, JSON
        endpoint = urls.match(path, method="GET")[0]
        for lang in LANGUAGES:
            page.goto(_with_language(base + path, lang))
            report = accessibility_problems(page)
            if report:
                problems[f"{path} ({lang})"] = report
        checked.add(endpoint)
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        for href in hrefs:
            if not href.startswith(base + "/"):
                continue
            link = href[len(base) :].split("#")[0].split("?")[0]
            try:
                rule, args = urls.match(link, method="GET", return_rule=True)
            except HTTPException:  # not one of the app's pages (404, 405, a redirect to the canonical URL)
                continue
            # one page per route, but each of an any(…) route's pages (central's report breakdowns)
            key = (
                rule.rule,
                *(
                    str(value)
                    for name, value in sorted(args.items())
                    if isinstance(rule._converters[name], AnyConverter)
                ),
            )
            if rule.arguments and rule.endpoint not in NOT_PAGES and key not in rules_queued:
                rules_queued.add(key)
                queue.append(link)
    page.close()
    return problems, checked


def _report(problems: dict[str, str]) -> str:
    return "\n".join(f"{page}:\n{report}" for page, report in sorted(problems.items()))


# The pages each walk must reach, so a walk that silently checks nothing (a login that failed, links that moved)
# fails too.
MUST_CHECK = {
    ("showroom", "cashier"): {"checkout.shift", "checkout.sales", "checkout.sale_detail", "checkout.till"},
    ("showroom", "manager"): {
        "checkout.sale_detail",
        "catalog.product_edit",
        "catalog.product_detail",
        "inventory.receipts",
        "inventory.receipt_detail",
        "public.product_page",
        "inventory.stock",
        "labels.index",
        "showroom_reports.showroom_day",
        "sync.status_page",
        "einvoice.day_page",
    },
    ("showroom", "admin"): {
        "admin.users",
        "admin.audit",
        "admin.settings",
        "catalog.product_edit",
        "inventory.receipt_detail",
        "checkout.sale_detail",
    },
    ("central", "manager"): {
        "central.report_overview",
        "central.report_breakdown",
        "central.report_product",
        "central.showrooms",
    },
    ("central", "admin"): {"central.report_overview", "central.report_product", "catalog.product_edit", "admin.users"},
}


@pytest.mark.parametrize("role, username", list(MUST_CHECK), ids=[f"{r}-{u}" for r, u in MUST_CHECK])
def test_every_page_a_role_may_open_is_accessible_in_both_languages(live_server, browser, tmp_path, role, username):
    base = live_server["url"] if role == "showroom" else live_server["central_url"]
    urls = _url_map(role, tmp_path)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    try:
        page = context.new_page()
        log_in(page, base, username)
        assert "/login" not in page.url
        page.close()
        problems, checked = walk(context, base, urls, _plain_pages(urls))
    finally:
        context.close()
    assert MUST_CHECK[(role, username)] <= checked, f"not reached: {MUST_CHECK[(role, username)] - checked}"
    assert not problems, f"{len(problems)} pages with problems:\n{_report(problems)}"


def test_the_pages_anyone_may_open_are_accessible_in_both_languages(live_server, browser, tmp_path):
    """Signed out: the login pages of both roles, a shopper's product page with and without its lot, the
    receipt a shopper's phone opens from the QR code on the paper receipt, and the customer display (each of its
    screens is checked in tests/browser/test_journey_display.py)."""
    import sqlite3

    with sqlite3.connect(f"file:{live_server['database']}?mode=ro", uri=True) as db:
        gtin13, lot = db.execute(
            "SELECT p.gtin, l.code FROM products p JOIN lots l ON l.product_id = p.id "
            "WHERE p.gtin IS NOT NULL ORDER BY p.id, l.id LIMIT 1"
        ).fetchone()
        (receipt_code,) = db.execute("SELECT lookup_code FROM sales ORDER BY id LIMIT 1").fetchone()
    gtin = gtin13.zfill(14)  # the shopper's page is at the GTIN-14
    context = browser.new_context(viewport={"width": 412, "height": 915}, locale="vi-VN")  # a phone
    try:
        problems, checked = {}, set()
        for role, base, paths in (
            (
                "showroom",
                live_server["url"],
                ["/login", f"/p/01/{gtin}", f"/p/01/{gtin}/10/{lot}", f"/r/{receipt_code}", "/display"],
            ),
            ("central", live_server["central_url"], ["/login"]),
        ):
            found, endpoints = walk(context, base, _url_map(role, tmp_path), paths)
            problems |= {base + path: report for path, report in found.items()}
            checked |= endpoints
    finally:
        context.close()
    assert {"auth.login", "public.product_page", "checkout.public_receipt", "display.page"} <= checked
    assert not problems, f"{len(problems)} pages with problems:\n{_report(problems)}"
