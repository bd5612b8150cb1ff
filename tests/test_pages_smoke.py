"""Every page an admin can open without arguments renders, on an empty and on the demo database."""

import pytest


def _plain_get_routes(app):
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
    )


@pytest.mark.parametrize("seeded", [False, True], ids=["empty", "demo"])
def test_every_plain_page_renders_for_an_admin(app, admin_client, runner, seeded):
    if seeded:
        assert runner.invoke(args=["seed-demo", "--force"]).exit_code == 0  # the test users are not demo users
    failures = {}
    for url in _plain_get_routes(app):
        response = admin_client.get(url)
        if response.status_code >= 500:
            failures[url] = response.status_code
    assert failures == {}


@pytest.mark.parametrize("page", ["99999999999999999999", "-3", "two", "0"])
def test_every_plain_page_takes_any_page_number(app, admin_client, page):
    """A ?page= far past the end, below 1 or not a number gives a page, never a 500 (SQLite's OFFSET overflowed)."""
    failures = {}
    for url in _plain_get_routes(app):
        response = admin_client.get(url, query_string={"page": page})
        if response.status_code >= 500:
            failures[url] = response.status_code
    assert failures == {}


def test_an_id_past_any_row_is_not_found_never_a_500(app, admin_client, cashier_client, users):
    """In a URL (<int:…>) or a form field, an id beyond any row's must not reach the driver (it overflowed)."""
    from werkzeug.routing import IntegerConverter

    huge = "9" * 20
    failures, tried = {}, 0
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            url = rule.rule
            for name in rule.arguments:
                url = url.replace(f"<int:{name}>", huge)
            status, tried = admin_client.get(url).status_code, tried + 1
            if status != 404:
                failures[url] = status
    assert failures == {} and tried >= 8
    from pos.checkout.shifts import open_shift

    open_shift(users["cashier"], 0)
    page = cashier_client.post("/shift", data={"action": "close", "shift_id": huge}, follow_redirects=True)
    assert page.status_code < 500 and "Ca" in page.get_data(as_text=True)
    for url, data in (
        ("/admin/users", {"action": "deactivate", "user_id": huge}),
        ("/inventory/expiring", {"lot_id": huge, "reason": "x"}),
    ):
        assert admin_client.post(url, data=data).status_code < 500, url
