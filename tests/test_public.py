"""The shopper's page behind the QR: content, languages, resolver behaviour, scan counting."""

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from pos.core.clock import local_today
from pos.core.database import atomic
from pos.core.extensions import db
from pos.labels.scan_counts import count_scan, scans_report
from pos.models import LabelScanDaily, Lot, Showroom, StockLevel, StockMovement
from tests.conftest import make_producer, make_product, make_revoked_product

GTIN13 = "8936012340013"
GTIN14 = "0" + GTIN13


def showroom():
    with atomic():
        db.session.add(Showroom(code="TH", name="Điểm OCOP Tây Hồ", address="Phố Trịnh Công Sơn", province="Hà Nội"))


def lotus(**overrides):
    producer = make_producer(
        name="Hợp tác xã Chè Sen Quảng An",
        address="Ngõ 1 Quảng An",
        phone="0912 345 678",
        collective_trademark="Chè Sen Quảng An",
    )
    return make_product(
        producer,
        sku="CSQA-100",
        gtin=GTIN13,
        applied_standard="TCCS 01:2023/CSQA",
        portal_url="https://ocop.gov.vn/san-pham/123",
        **overrides,
    )


def test_page_shows_what_a_shopper_needs_in_vietnamese(app, client):
    showroom()
    lotus()
    response = client.get(f"/p/01/{GTIN14}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'lang="vi"' in html
    for text in (
        "Chè Sen Quảng An",
        "★★★★☆",
        "4 sao OCOP",
        "123/QĐ-UBND",
        "GCN-1",
        "350.000",
        "Điểm OCOP Tây Hồ",
        "TCCS 01:2023/CSQA",
        "Ngõ 1 Quảng An",
        "0912 345 678",
        "https://ocop.gov.vn/san-pham/123",
        'property="og:title"',
        "Hợp tác xã",
    ):
        assert text in html, text
    assert "<script" not in html
    assert "Set-Cookie" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_english_by_accept_language_or_toggle(app, client):
    lotus()
    html = client.get(f"/p/01/{GTIN14}", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert 'lang="en"' in html and "Quang An lotus tea" in html and "4-star OCOP" in html
    html = client.get(f"/p/01/{GTIN14}?lang=en").get_data(as_text=True)
    assert "4-star OCOP" in html and f'href="/p/01/{GTIN14}?lang=vi"' in html


def test_expired_and_revoked_are_unmistakable_and_show_no_stars(app, client):
    lotus(rated_days_ago=365 * 3 + 10)
    html = client.get(f"/p/01/{GTIN14}").get_data(as_text=True)
    assert "HẾT HẠN" in html and "★" not in html.split("<main")[1].replace("★ OCOP", "")
    revoked = make_revoked_product(sku="R")
    html = client.get(f"/p/01/{revoked.gtin14}").get_data(as_text=True)
    assert "THU HỒI" in html and "Vi phạm" in html and "★★★★" not in html


def test_lot_dates_and_expired_lot_warning(app, client):
    product = lotus()
    with atomic():
        db.session.add(
            Lot(
                product_id=product.id,
                code="OLD1",
                production_date=date(2025, 1, 2),
                expiry_date=local_today() - timedelta(days=1),
            )
        )
    html = client.get(f"/p/01/{GTIN14}/10/OLD1").get_data(as_text=True)
    assert "02/01/2025" in html and "ĐÃ HẾT HẠN" in html


def test_nothing_internal_is_shown(app, client, users):
    product = lotus()
    with atomic():
        lot = Lot(product_id=product.id, code="C1", ownership="consignment", commission_rate=37, on_hand=4243)
        db.session.add(lot)
        db.session.add(StockLevel(product_id=product.id, on_hand=4243, average_cost=271_829))
        db.session.flush()
        db.session.add(
            StockMovement(
                product_id=product.id,
                lot_id=lot.id,
                quantity=4243,
                kind="receipt",
                unit_cost=271_829,
                user_id=users["manager"].id,
            )
        )
    html = client.get(f"/p/01/{GTIN14}/10/C1").get_data(as_text=True)
    for secret in ("271.829", "271829", "4243", "37%", "consignment", "ký gửi", "Demo manager", "manager"):
        assert secret not in html, secret


def test_resolver_behaviour(app, client):
    """The Digital Link redirects to the shopper's page; the linkset for machines (more in tests/gs1/)."""
    lotus()
    response = client.get(f"/01/{GTIN13}?lang=en&x=1")
    assert response.status_code == 308
    assert response.headers["Location"] == f"http://localhost/01/{GTIN14}?lang=en&x=1"
    response = client.get(f"/01/{GTIN14}?lang=en&x=1")
    assert response.status_code == 307 and response.headers["Location"] == f"http://localhost/p/01/{GTIN14}?lang=en&x=1"
    assert client.get("/01/96385074/10/A1").status_code in (308, 404)
    assert client.head(f"/p/01/{GTIN14}").status_code == 200
    options = client.options(f"/01/{GTIN14}")
    assert options.status_code == 204 and "GET" in options.headers["Allow"]
    for accept, url in ((None, f"/01/{GTIN14}?linkType=linkset"), ("application/linkset+json", f"/01/{GTIN14}")):
        response = client.get(url, headers={"Accept": accept} if accept else {})
        assert response.mimetype == "application/linkset+json"
        links = json.loads(response.data)["linkset"][0]
        assert links["anchor"] == f"http://localhost/01/{GTIN14}"
        assert links["https://gs1.org/voc/pip"][0]["href"] == f"http://localhost/p/01/{GTIN14}"
        assert links["https://gs1.org/voc/certificationInfo"]
        assert links["https://gs1.org/voc/defaultLink"] == [
            {"href": f"http://localhost/p/01/{GTIN14}", "title": "Chè Sen Quảng An"}
        ]


def test_malformed_and_unknown_codes_are_friendly_pages(app, client):
    for url in (f"/01/{GTIN14[:-1]}4", "/01/abcdefgh", "/01/123456789", f"/01/{GTIN14}/10/" + "A" * 21):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "Mã sản phẩm không hợp lệ" in response.get_data(as_text=True)
    response = client.get("/01/00000000000017?lang=en")
    assert response.status_code == 404 and "Product not found" in response.get_data(as_text=True)


def test_scans_are_counted_per_product_lot_and_day_without_personal_data(app, client, manager_client):
    product = lotus()
    with atomic():
        db.session.add(Lot(product_id=product.id, code="L1"))
    for _ in range(3):
        client.get(f"/p/01/{GTIN14}", headers={"User-Agent": "phone", "X-Forwarded-For": "1.2.3.4"})
    client.get(f"/p/01/{GTIN14}/10/L1")
    client.get(f"/p/01/{GTIN14}/10/UNKNOWN")  # an unknown lot counts for the product, not as a new lot
    client.head(f"/p/01/{GTIN14}")
    rows = {(r.lot_code, r.scans) for r in db.session.scalars(select(LabelScanDaily))}
    assert rows == {("", 4), ("L1", 1)}
    columns = {c.name for c in LabelScanDaily.__table__.columns}
    assert columns == {"id", "product_id", "lot_code", "serial", "day", "scans"}  # a serial: a unit, not a person
    report = scans_report(30)
    assert report[0]["scans"] == 5 and report[0]["sold"] == 0
    html = manager_client.get("/labels/scans").get_data(as_text=True)
    assert "CSQA-100" in html and ">5<" in html


def test_count_scan_upsert(app):
    product = make_product()
    for _ in range(2):
        count_scan(product.id, "", date(2026, 1, 1))
    count_scan(product.id, "", date(2026, 1, 2))
    assert sorted(r.scans for r in db.session.scalars(select(LabelScanDaily))) == [1, 2]


def test_cached_page_still_counts_every_view(app, client):
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 30
    lotus()
    first = client.get(f"/p/01/{GTIN14}")
    second = client.get(f"/p/01/{GTIN14}")
    assert first.data == second.data and second.headers["Access-Control-Allow-Origin"] == "*"
    assert "4 sao OCOP" in second.get_data(as_text=True)
    assert "4-star OCOP" in client.get(f"/p/01/{GTIN14}?lang=en").get_data(as_text=True)
    assert db.session.scalar(select(LabelScanDaily.scans)) == 3


@pytest.mark.postgres
def test_scan_upsert_on_postgresql(pg_url):
    from tests.conftest import make_app

    pg_app = make_app(pg_url)
    with pg_app.app_context():
        db.create_all()
        product = make_product()
        for _ in range(3):
            count_scan(product.id, "L1", date(2026, 1, 1))
        client = pg_app.test_client()
        assert client.get(f"/p/01/{product.gtin14}").status_code == 200
        assert sorted((r.lot_code, r.scans) for r in db.session.scalars(select(LabelScanDaily))) == [("", 1), ("L1", 3)]
        db.session.remove()
        db.engine.dispose()


def test_photo_and_certificate_image_are_shown_when_set(app, client):
    product = lotus()
    assert "<img" not in client.get(f"/p/01/{GTIN14}").get_data(as_text=True)
    with atomic():
        db.session.merge(product).photo = "p/lotus.jpg"
        db.session.merge(product.rating).certificate_image = "c/cert.png"
    html = client.get(f"/p/01/{GTIN14}").get_data(as_text=True)
    assert 'src="/catalog/media/p/lotus.jpg"' in html
    assert 'content="http://localhost/catalog/media/p/lotus.jpg"' in html
    assert 'src="/catalog/media/c/cert.png"' in html
    links = json.loads(client.get(f"/01/{GTIN14}?linkType=linkset").data)["linkset"][0]
    assert any(
        link["href"] == "http://localhost/catalog/media/c/cert.png"
        for link in links["https://gs1.org/voc/certificationInfo"]
    )


def test_the_redirect_to_the_shoppers_page_costs_one_indexed_lookup(app, client):
    from sqlalchemy import event

    lotus()
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 0
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(f"/01/{GTIN14}/10/L1?x=1")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 307 and response.headers["Location"] == f"http://localhost/p/01/{GTIN14}/10/L1?x=1"
    assert len(statements) == 1 and "products.gtin14 = ?" in statements[0], statements


def test_scanned_label_urls_carry_their_qualifiers_to_the_till():
    from pos.catalog import gs1

    link = gs1.link_in_text(f"https://ocop.example.vn/01/{GTIN14}/22/V/10/L%2F1/21/ABCDEFGHJK?x=1")
    assert (link.gtin14, link.cpv, link.lot, link.serial) == (GTIN14, "V", "L/1", "ABCDEFGHJK")
    assert link.path == f"/01/{GTIN14}/22/V/10/L%2F1/21/ABCDEFGHJK"
    assert [level.path for level in link.levels()][1:] == [
        f"/01/{GTIN14}/22/V/10/L%2F1",
        f"/01/{GTIN14}/22/V",
        f"/01/{GTIN14}",
    ]
    assert gs1.parse_digital_link(f"http://x/01/{GTIN13}/10/L1/21/S1") == (GTIN14, "L1")
    assert gs1.link_in_text(f"http://x/01/{GTIN14}/21/S1/10/L1") is None  # out of order: not one of our labels
