"""One way of writing numbers, money, dates and codes (pos/core/formatting.py): the filters themselves, and a walk
over every page each role can reach, on the showroom and at central, in Vietnamese and in English, that fails on
what people should never read: 11024 without separators, 2026-12-02, "UTC", or a code such as `drinks`."""

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from werkzeug.exceptions import HTTPException
from werkzeug.routing import AnyConverter

from pos.core import formatting as f

# --- the filters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "function, value, vi, en",
    [
        (f.format_count, 11024, "11.024", "11,024"),
        (f.format_count, -1234567, "-1.234.567", "-1,234,567"),
        (f.format_count, 7, "7", "7"),
        (f.format_decimal, 24, "24,00", "24.00"),
        (f.format_decimal, 1234.565, "1.234,57", "1,234.57"),
        (f.format_vnd, 350000, "350.000\u00a0₫", "350,000\u00a0₫"),
        (f.format_vnd, -5000, "-5.000\u00a0₫", "-5,000\u00a0₫"),
        (f.format_amount, 2000000, "2.000.000", "2,000,000"),
        (f.format_percent, 12.345, "12,3%", "12.3%"),
        (f.format_duration, 3 * 3600 + 5 * 60, "3 giờ 5 phút", "3 h 5 min"),
        (f.format_duration, 5 * 86400, "5 ngày 0 giờ", "5 d 0 h"),
    ],
)
def test_numbers_follow_the_language(function, value, vi, en):
    assert function(value, language="vi") == vi
    assert function(value, language="en") == en


def test_a_change_has_its_sign_and_nothing_reads_as_a_number_when_there_is_none():
    assert f.format_percent(-39.5, signed=True, language="vi") == "−39,5%"
    assert f.format_percent(4, signed=True, language="en") == "+4.0%"
    assert f.format_percent(None) == "—"
    assert f.format_vnd(None) == f.format_count(None) == f.format_date(None) == f.format_local(None) == ""


def test_times_are_local_and_dates_are_day_month_year():
    stored = datetime(2026, 12, 2, 17, 54, 4)  # naive UTC, as stored: 00:54 on the 3rd in Hanoi
    assert f.format_local(stored) == "03/12/2026 00:54"
    assert f.format_local(stored, "%d/%m/%Y %H:%M:%S") == "03/12/2026 00:54:04"
    assert f.format_local("2026-12-02T14:54:04+00:00") == "02/12/2026 21:54"
    assert f.format_local(stored.replace(tzinfo=UTC)) == "03/12/2026 00:54"
    assert f.format_date(stored) == "03/12/2026"  # the shop's day
    assert f.format_date(date(2026, 1, 5), language="en") == f.format_date(date(2026, 1, 5)) == "05/01/2026"
    assert f.format_local("not a time") == ""


def test_a_code_reads_as_its_name_in_the_pages_language(app):
    from flask_babel import refresh

    with app.test_request_context("/?lang=vi"):
        assert f.label_of("drinks", "group") == "Đồ uống"
        assert f.label_of("cash", "payment") == "Tiền mặt"
    refresh()  # the test's app context kept the first request's language
    with app.test_request_context("/?lang=en"):
        assert f.label_of("drinks", "group") == "Drinks"
        assert f.format_vnd(350000) == "350,000\u00a0₫"
    assert f.label_of(None, "group") == "—"


# --- every page ---------------------------------------------------------------------------------------------

SKIPPED_TAGS = {"script", "style", "code", "kbd", "samp", "textarea", "option"}
SPOKEN_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder", "aria-description")


class VisibleText(HTMLParser):
    """The text a person reads or hears: text outside scripts and code samples, and the attributes screen readers
    announce. Options are skipped (a select's choices repeat the filter's codes in their value, never their text:
    their text is checked on the pages that list them). An element marked translate="no" (the `ident` filter: a
    GTIN, a tax code, a phone number) is taken as written."""

    VOID = frozenset({"br", "img", "input", "meta", "link", "hr", "source", "col", "area", "base", "wbr"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks, self.stack = [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag not in self.VOID:
            self.stack.append(tag in SKIPPED_TAGS or attributes.get("translate") == "no")
        if not any(self.stack):
            self.chunks += [attributes[name] for name in SPOKEN_ATTRIBUTES if attributes.get(name)]

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not any(self.stack) and data.strip():
            self.chunks.append(data.strip())


# codes whose English name is the code itself, lower case
ENGLISH_WORDS = {"unrated", "expired", "revoked", "valid", "expiring"}
UNGROUPED = re.compile(r"(?<![\w#/.,:+\-–])\d{4,}(?![\w/.,:\-])")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def problems_on(html: str, lang: str, codes: set[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    found = []
    for chunk in parser.chunks:
        for pattern, what in ((UNGROUPED, "number without separators"), (ISO_DATE, "ISO date")):
            found += [f"{what}: {m.group()!r} in {chunk[:80]!r}" for m in pattern.finditer(chunk)]
        if "UTC" in chunk:
            found.append(f"UTC in {chunk[:80]!r}")
        for code in codes:
            # a code_like_this anywhere; a code that is a word (`drinks`) when it is all there is (a table cell) on a
            # Vietnamese page (on an English one it may be the word itself: "unrated")
            word = chunk == code and (lang == "vi" or code not in ENGLISH_WORDS)
            if word or ("_" in code and re.search(rf"(?<![\w.-]){re.escape(code)}(?![\w.-])", chunk)):
                found.append(f"code {code!r} in {chunk[:80]!r}")
    return found


def raw_codes() -> set[str]:
    """Codes that have a name: on a Vietnamese page none may show; codes_like_this on no page."""
    return {
        code
        for labels in f._LABELS.values()
        for code in labels
        if code.isascii() and code.islower() and code != "vietqr"
    }


def walk(app, client) -> tuple[dict[str, list[str]], set[str]]:
    urls = app.url_map.bind("localhost")
    start = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in {"static", "catalog.media"}
    )
    queue, seen_rules, checked, problems, codes = list(start), set(), set(), {}, raw_codes()
    while queue:
        path = queue.pop(0)
        for lang in ("vi", "en"):
            response = client.get(path, query_string={"lang": lang}, headers={"Accept": "text/html"})
            if response.status_code >= 500:
                problems[f"{path} ({lang})"] = [f"status {response.status_code}"]
            if response.status_code != 200 or response.mimetype != "text/html":
                break
            html = response.get_data(as_text=True)
            found = problems_on(html, lang, codes)
            if found:
                problems[f"{path} ({lang})"] = sorted(set(found))[:8]
            checked.add(urls.match(path, method="GET")[0])
            if lang == "en":
                continue
            for href in re.findall(r'href="(/[^"#?]*)', html):
                try:
                    rule, args = urls.match(href, method="GET", return_rule=True)
                except HTTPException:
                    continue
                # one page per route, but each page of an any(…) route (central's report breakdowns)
                key = (rule.rule, *(str(v) for k, v in args.items() if isinstance(rule._converters[k], AnyConverter)))
                if rule.arguments and key not in seen_rules and rule.endpoint not in {"static", "catalog.media"}:
                    seen_rules.add(key)
                    queue.append(href)
    return problems, checked


def _report(problems):
    return "\n".join(f"{page}: " + "; ".join(found) for page, found in sorted(problems.items()))


def test_every_showroom_page_writes_numbers_dates_and_codes_one_way(app, admin_client, runner):
    assert runner.invoke(args=["seed-demo", "--force"]).exit_code == 0
    problems, checked = walk(app, admin_client)
    assert {"catalog.products", "inventory.counts", "checkout.sales", "sync.status_page"} <= checked
    assert len(checked) > 30
    assert not problems, f"{len(problems)} pages:\n{_report(problems)}"


def test_every_central_page_writes_numbers_dates_and_codes_one_way(tmp_path):
    from pos.core.extensions import db
    from tests.conftest import boss_client, make_central_app

    app = make_central_app(tmp_path / "central.sqlite3")
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["seed-demo", "--force"]).exit_code == 0
        client = boss_client(app)
        problems, checked = walk(app, client)
        db.session.remove()
        db.engine.dispose()
    assert {"central.report_overview", "central.showrooms", "central.report_product"} <= checked, checked
    assert not problems, f"{len(problems)} pages:\n{_report(problems)}"


def test_the_walk_finds_what_it_should():
    html = (
        '<p>Tổng 11024</p><p aria-label="lúc 2026-12-02">x</p><td>14:54:04 UTC</td><td>drinks</td>'
        "<code>textiles_handicrafts</code><td><span translate='no'>8936012345678</span></td>"
        "<td>11.024 · 02/12/2026 · TH-20261202-0001</td>"
    )
    found = problems_on(html, "vi", {"drinks", "textiles_handicrafts"})
    assert found == [
        "number without separators: '11024' in 'Tổng 11024'",
        "ISO date: '2026-12-02' in 'lúc 2026-12-02'",
        "UTC in '14:54:04 UTC'",
        "code 'drinks' in 'drinks'",
    ]
