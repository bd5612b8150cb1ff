"""GS1's resolver conformance suite (gs1/GS1DL-resolver-testsuite), check by check, against our resolver under
gunicorn on a loopback port. Each test names the suite's check id it ports; the suite's HTTP calls (tester.php:
curl without following redirects, `Origin` set, `Accept` only where the check sets it) are made the same way.
Both Digital Links the issue names are tested: `/01/{gtin14}` and `/01/{gtin14}/10/{lot}`. Test names start
with the suite's check ids, lower-cased (rdFile → test_rdfile_…)."""

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import requests

from pos.core.database import atomic
from pos.core.extensions import db
from pos.models import Lot, Showroom
from tests.conftest import make_app, make_producer, make_product, make_revoked_product
from tests.servers import free_port, gunicorn, wait_for_port

SCHEMAS = Path(__file__).parent / "gs1"
GTIN = "08936012340013"
REVOKED, EXPIRED, UNRATED = "08936012340020", "08936012340037", "08936012340044"
LOT = "L1"
ORIGIN = {"Origin": "https://ref.gs1.org/test-suites/resolver/"}
GS1_LINK_TYPES = {"pip", "certificationInfo", "defaultLink"}  # those we publish, all in GS1's ratified list
GS1_NAMESPACES = ("https://gs1.org/voc/", "https://ref.gs1.org/voc/", "https://www.gs1.org/voc/")


def _seed(database_url: str) -> None:
    app = make_app(database_url)
    with app.app_context():
        db.create_all()
        with atomic():
            db.session.add(Showroom(code="TH", name="Điểm OCOP Tây Hồ", address="Phố Trịnh Công Sơn"))
        producer = make_producer(name="Hợp tác xã Chè Sen Quảng An")
        tea = make_product(producer, sku="CSQA-100", gtin=GTIN[1:])
        with atomic():
            db.session.add(Lot(product_id=tea.id, code=LOT))
            db.session.merge(tea.rating).certificate_image = "c/cert.png"
        make_revoked_product(producer, sku="R", gtin=REVOKED[1:])
        make_product(producer, sku="E", gtin=EXPIRED[1:], rated_days_ago=365 * 3 + 10)
        make_product(producer, sku="U", gtin=UNRATED[1:], stars=None)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def resolver(tmp_path_factory):
    """The showroom app under gunicorn, as deployed, on a loopback port; its base URL."""
    database = tmp_path_factory.mktemp("gs1") / "pos.sqlite3"
    _seed(f"sqlite:///{database}")
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "gs1-conformance",
        "SHOWROOM_CODE": "TH",
    }
    env.pop("PUBLIC_BASE_URL", None)
    server = gunicorn(env, port, threads=4)
    try:
        wait_for_port(port, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=60)


def get(url: str, method: str = "GET", **headers) -> requests.Response:
    """One request as the suite's tester.php makes it: no redirect followed."""
    return requests.request(method, url, headers=ORIGIN | headers, allow_redirects=False, timeout=30)


def strip_query(url: str) -> str:
    return url.split("?", 1)[0]


def strip_link_type(url: str, link_type: str) -> str:
    """The suite's stripLinkType: a Location may keep or drop the linkType it was asked with."""
    if f"?linkType={link_type}" in url:
        return strip_query(url)
    return url.split(f"&linkType={link_type}")[0]


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text())


def fetch_linkset(dl: str) -> requests.Response:
    """The suite's getLinkset: GET with Accept: application/linkset+json."""
    return get(dl, Accept="application/linkset+json")


def gs1_links(linkset: dict) -> list[dict]:
    """The linkset with GS1 link types shortened to gs1:… (as the suite does before its checks)."""
    text = json.dumps(linkset)
    for namespace in GS1_NAMESPACES:
        text = text.replace(namespace, "gs1:")
    return json.loads(text)["linkset"]


@pytest.fixture(params=["", f"/10/{LOT}"], ids=["gtin", "gtin+lot"])
def dl(resolver, request):
    """The Digital Link under test, as the suite is given it."""
    return f"{resolver}/01/{GTIN}{request.param}"


# --- checks made once per resolver ---------------------------------------------------------------------


def test_rdfile_resolver_description_file_validates_against_gs1_schema(resolver):
    response = get(resolver + "/.well-known/gs1resolver", Accept="application/json")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    description = response.json()
    jsonschema.validate(description, schema("description-file-schema.json"))
    assert description["resolverRoot"] == resolver
    assert description["supportedPrimaryKeys"] == ["01"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_httpversion_http_1_1(resolver, dl):
    assert get(dl).raw.version == 11


# --- checks made for each Digital Link ------------------------------------------------------------------


def test_corscheck_methodscheck_linkonredirect_legacylinkheaders(dl):
    response = get(dl, "OPTIONS", **{"Access-Control-Request-Method": "GET,HEAD,OPTIONS"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    methods = response.headers["Access-Control-Allow-Methods"]
    assert all(method in methods for method in ("GET", "HEAD", "OPTIONS"))
    link = response.headers["Link"]
    assert 'rel="linkset"' in link and 'rel="gs1:' not in link
    assert get(dl, "HEAD").status_code == 307


def test_reportwith400_noerrorwith200(dl):
    response = get(strip_query(dl) + "/foo")
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_trailingslash_is_tolerated(dl):
    without, with_slash = get(dl), get(dl + "/")
    assert (without.status_code, without.headers.get("Location")) == (
        with_slash.status_code,
        with_slash.headers.get("Location"),
    )
    assert without.status_code == 307


def test_basicwalkup_unknown_lot_resolves_through_its_product(resolver):
    assert get(f"{resolver}/01/{GTIN}/10/KL8G").status_code != 404


def test_qspassedon_query_string_is_passed_on_when_redirecting(dl):
    response = get(dl + "?foo=bar")
    assert response.status_code == 307 and "foo=bar" in response.headers["Location"]


def test_ltlinksetnoredirect_link_type_linkset_returns_the_linkset(dl):
    response = get(dl + "?linkType=linkset")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/linkset+json")


def test_ltacceptheader_linkset_by_accept_header_is_not_redirected(dl):
    # the suite's getLinksetHeaders: Accept: application/linkset+json (and, as it does, ?linkType=all)
    assert get(dl + "?linkType=all", Accept="application/linkset+json").status_code == 200
    assert get(dl, Accept="application/linkset+json").status_code == 200


def test_validlinkset_declaredcontenttype_linksetjsonldcheck(dl):
    response = fetch_linkset(dl)
    assert response.status_code == 200
    jsonschema.validate(response.json(), schema("gs1-linkset-schema.json"))
    assert response.headers["Content-Type"].startswith("application/linkset+json")
    context = [part for part in response.headers["Link"].split(",") if "json-ld#context" in part]
    assert context and 'rel="http://www.w3.org/ns/json-ld#context"' in context[0]
    assert 'type="application/ld+json"' in context[0]


def test_defaultlinkexists_singledefaullink_defaulttarget(dl):
    """Walking up from the most specific anchor, the first default link found: exactly one, only href and
    title, and where the plain Digital Link redirects to."""
    anchors = {entry["anchor"]: entry for entry in gs1_links(fetch_linkset(dl).json())}
    current = strip_query(dl)
    while current not in anchors:
        current = current.rsplit("/", 2)[0]
    default = anchors[current]["gs1:defaultLink"]
    assert len(default) == 1 and set(default[0]) == {"href", "title"} and default[0]["title"]
    response = get(dl)
    assert response.status_code == 307 and response.headers["Location"] == default[0]["href"]


def test_lofor_every_link_redirects_when_asked_for(dl):
    """The suite's testSingleLinkObject / testMultipleLinks: each link of each type, most specific level first,
    asked for with its media type and first language, redirects to its target."""
    seen, checked = set(), 0
    current = strip_query(dl)
    anchors = {entry["anchor"]: entry for entry in gs1_links(fetch_linkset(dl).json())}
    while len(urlsplit(current).path.split("/")) > 2:  # down to /01/{gtin}, as the suite walks
        for link_type, links in anchors.get(current, {}).items():
            if link_type in ("anchor", "itemDescription", "gs1:defaultLink") or link_type in seen:
                continue
            seen.add(link_type)
            for link in links:
                headers = {}
                if len(links) > 1:
                    if link.get("type"):
                        headers["Accept"] = link["type"]
                    if link.get("hreflang"):
                        headers["Accept-Language"] = link["hreflang"][0]
                response = get(f"{strip_query(dl)}?linkType={link_type}", **headers)
                assert response.status_code == 307, (link_type, link)
                assert strip_link_type(response.headers["Location"], link_type) == link["href"]
                checked += 1
        current = current.rsplit("/", 2)[0]
    assert {"gs1:pip", "gs1:certificationInfo"} <= seen and checked >= 3


def test_linktypesdefined_every_link_type_is_a_gs1_one(dl):
    for entry in fetch_linkset(dl).json()["linkset"]:
        for key in set(entry) - {"anchor", "itemDescription"}:
            assert key.startswith("https://gs1.org/voc/") and key.rsplit("/", 1)[1] in GS1_LINK_TYPES


def test_specificlinktypenotfound_unknown_link_type_is_404(dl):
    for link_type in ("gs1:nosuchlt", "gs1:epil", "https://gs1.org/voc/nosuchlt", "other:pip"):
        response = get(dl + f"?linkType={link_type}")
        assert response.status_code == 404, link_type
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert 'rel="linkset"' in response.headers["Link"]


def test_validdl_gtin_given_in_13_digits_redirects_permanently_to_the_14_digit_form(resolver):
    response = get(f"{resolver}/01/{GTIN[1:]}/10/{LOT}?foo=bar")
    assert response.status_code == 308
    assert response.headers["Location"] == f"{resolver}/01/{GTIN}/10/{LOT}?foo=bar"


# --- what the issue adds to the suite ------------------------------------------------------------------


def test_requested_link_types_redirect_with_307_and_the_query_string(resolver):
    base = f"{resolver}/01/{GTIN}"
    page = f"{resolver}/p/01/{GTIN}"
    for query, location in (
        ("?linkType=gs1:pip&x=1", f"{page}?x=1"),
        ("?linkType=https://gs1.org/voc/pip", page),
        ("?linkType=gs1:certificationInfo&x=1", f"{page}?x=1#rating"),
        ("?linkType=gs1:defaultLink", page),
        ("?x=1", f"{page}?x=1"),
    ):
        response = get(base + query)
        assert (response.status_code, response.headers["Location"]) == (307, location), query
    response = get(base + "?linkType=gs1:certificationInfo", Accept="image/png")
    assert response.headers["Location"] == f"{resolver}/catalog/media/c/cert.png"


def test_accept_any_gets_the_default_like_a_browser(resolver):
    for accept in ("*/*", "application/json", "text/html,application/xhtml+xml,*/*;q=0.8"):
        response = get(f"{resolver}/01/{GTIN}", Accept=accept)
        assert response.status_code == 307, accept
        assert response.headers["Location"] == f"{resolver}/p/01/{GTIN}"
        assert 'rel="linkset"' in response.headers["Link"]


def test_the_shopper_lands_on_the_page_in_their_language(resolver):
    response = requests.get(f"{resolver}/01/{GTIN}/10/{LOT}", headers={"Accept-Language": "en"}, timeout=30)
    assert response.status_code == 200 and response.url == f"{resolver}/p/01/{GTIN}/10/{LOT}"
    assert 'lang="en"' in response.text and "Lot L1" in response.text and "4-star OCOP" in response.text
    assert 'rel="linkset"' in response.headers["Link"]


def test_key_qualifiers_in_the_standards_order_are_accepted(resolver):
    base = f"{resolver}/01/{GTIN}"
    for path in ("/22/V1", "/10/L1", "/21/ABC123", "/22/V1/10/L1/21/ABC123", "/10/L1/21/ABC123", "/10/L%2F1"):
        response = get(base + path)
        assert response.status_code == 307, path
        assert response.headers["Location"] == f"{resolver}/p/01/{GTIN}{path}"


def test_syntax_errors_are_400_with_cors(resolver):
    base = f"{resolver}/01/{GTIN}"
    for path in (
        "/99/x",
        "/10/L1/22/V1",
        "/21/S/10/L1",
        "/10/L1/10/L2",
        "/10/" + "A" * 21,
        "/21/bad%20serial",
        "/10",
        "//",
    ):
        response = get(base + path)
        assert response.status_code == 400, path
        assert response.headers["Access-Control-Allow-Origin"] == "*", path
    for url in (f"{resolver}/01/{GTIN[:-1]}4", f"{resolver}/01/abc"):
        response = get(url)
        assert response.status_code == 400 and response.headers["Access-Control-Allow-Origin"] == "*", url
    for url in (f"{resolver}/01/00000000000017", f"{resolver}/01"):
        response = get(url)
        assert response.status_code == 404 and response.headers["Access-Control-Allow-Origin"] == "*", url
    response = requests.post(f"{resolver}/01/{GTIN}", headers=ORIGIN, allow_redirects=False, timeout=30)
    assert response.status_code == 405 and response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("gtin, state", [(REVOKED, "revoked"), (EXPIRED, "expired")])
def test_a_rating_no_longer_valid_leaves_the_product_resolvable(resolver, gtin, state):
    dl = f"{resolver}/01/{gtin}"
    assert get(dl).status_code == 307
    linkset = get(dl, Accept="application/linkset+json", **{"Accept-Language": "en"}).json()
    jsonschema.validate(linkset, schema("gs1-linkset-schema.json"))
    (certification,) = linkset["linkset"][0]["https://gs1.org/voc/certificationInfo"]
    assert certification["title"] == f"4-star OCOP rating {state}: not valid"
    vietnamese = get(dl + "?linkType=linkset", **{"Accept-Language": "vi"}).json()
    title = vietnamese["linkset"][0]["https://gs1.org/voc/certificationInfo"][0]["title"]
    assert "không còn hiệu lực" in title
    page = requests.get(dl, timeout=30).text
    assert ("THU HỒI" if state == "revoked" else "HẾT HẠN") in page


def test_an_unrated_product_has_no_certification_link(resolver):
    dl = f"{resolver}/01/{UNRATED}"
    assert get(dl).status_code == 307
    assert get(dl + "?linkType=gs1:certificationInfo").status_code == 404
    assert "https://gs1.org/voc/certificationInfo" not in fetch_linkset(dl).json()["linkset"][0]
