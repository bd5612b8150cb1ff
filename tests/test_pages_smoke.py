"""Every page an admin can open without arguments renders, on an empty and on the demo database."""
import pytest


def _plain_get_routes(app):
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static")


@pytest.mark.parametrize("seeded", [False, True], ids=["empty", "demo"])
def test_every_plain_page_renders_for_an_admin(app, admin_client, runner, seeded):
    if seeded:
        assert runner.invoke(args=["seed-demo"]).exit_code == 0
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
