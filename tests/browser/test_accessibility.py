"""The accessibility check every browser test uses (assert_accessible: axe-core's WCAG 2 A/AA rules and a visible
label for every visible form control) really runs on the app's pages and finds what it should."""
import pytest

from tests.browser.conftest import accessibility_problems, assert_accessible, axe_violations, unlabelled_controls

pytestmark = pytest.mark.browser


def test_the_check_finds_what_it_should_on_a_page_served_with_the_apps_content_security_policy(live_server, page):
    page.goto(f"{live_server['url']}/login")
    assert "script-src 'self'" in page.evaluate(
        "() => fetch(location.href).then(r => r.headers.get('content-security-policy'))")
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


@pytest.mark.parametrize("html, problem", [
    # read by a screen reader, seen by nobody
    ('<label for="q" style="position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)">Tìm</label>'
     + '<input id="q">', "input#q"),
    ('<input id="q" aria-label="Tìm">', "input#q"),
    ('<span id="cap" hidden>Tìm</span><input id="q" aria-labelledby="cap">', "input#q"),
    ('<label><select name="s"><option>Một</option></select></label>', 'select[name="s"]'),
])
def test_a_label_nobody_can_see_is_no_label(page, html, problem):
    page.set_content(f'<!doctype html><html lang="vi"><title>t</title><main>{html}</main></html>')
    assert unlabelled_controls(page) == [problem]


@pytest.mark.parametrize("html", [
    '<label for="q">Tìm</label><input id="q">',
    '<label>Số lượng <input name="qty" type="number"></label>',
    '<span id="cap">Tìm</span><input id="q" aria-labelledby="cap">',
    '<input type="hidden" name="csrf"><input id="gone" style="display:none"><button>OK</button>',
])
def test_a_visible_label_is_enough(page, html):
    page.set_content(f'<!doctype html><html lang="vi"><title>t</title><main>{html}</main></html>')
    assert unlabelled_controls(page) == []
