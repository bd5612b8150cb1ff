"""Central reports: totals equal the sum of the ingested sales for any filter (a property test), pages,
exports, scoping to a showroom, and bad filters."""

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import delete, select

from pos import models
from pos.auth.scope import EVERYTHING
from pos.auth.service import create_user
from pos.catalog.text import fold
from pos.central import reports
from pos.central.ingest import ingest_batch, local_day
from pos.central.registry import add_showroom
from pos.core.clock import LOCAL_TZ
from pos.core.extensions import db as _db
from tests.conftest import (
    PASSWORD,
    create_showroom_user,
    login,
    make_app,
    make_central_app,
    make_producer,
    make_product,
)
from tests.sync_events import return_event, sale_event, sale_line

TODAY = datetime.now(LOCAL_TZ).date()
PRODUCTS = [  # sku, name, producer, group
    ("CSQA-100", "Chè Sen Quảng An hộp 100g", "HTX Chè Sen Quảng An", "drinks"),
    ("XPT-500", "Xôi Phú Thượng", "Hộ Xôi Phú Thượng", "food"),
    ("HDNT-1", "Hoa đào Nhật Tân", "HTX Hoa Đào Nhật Tân", "ornamental"),
    ("GBT-AM", "Bộ ấm chén Bát Tràng", "Công ty Gốm Bát Tràng", "textiles_handicrafts"),
]


@pytest.fixture
def central_app(tmp_path):
    app = make_central_app(tmp_path / "central.sqlite3")
    with app.app_context():
        for code in ("HK", "LB", "BV"):
            add_showroom(code, f"Điểm bán {code}", secret="k" * 40, since=TODAY - timedelta(days=800))
        add_catalog_products()
        create_user("boss", PASSWORD, "manager")
        create_showroom_user("hk_manager", "manager", "HK")
        yield app
        _db.session.remove()


def add_catalog_products():
    """Central's master catalog knows the products the showrooms sell (reports describe them by it)."""
    producers = {}
    for sku, name, producer, group in PRODUCTS:
        producers.setdefault(producer, make_producer(name=producer))
        make_product(producers[producer], sku=sku, name_vi=name, ocop_group=group, stars=None)


def _sale(code, day, lines, minute=600):
    moment = datetime.combine(day, time(0), tzinfo=LOCAL_TZ) + timedelta(minutes=minute)
    payload_lines = [
        sale_line(
            n,
            *PRODUCTS[product],
            quantity,
            price,
            stars=stars or None,
            potential_5_star=stars == 4 and product == 0,
            unit_cost=cost,
            consignment=consignment,
            commission_percent=10,
        )
        for n, (product, quantity, price, stars, cost, consignment) in enumerate(lines, start=1)
    ]
    return sale_event(code, f"{code}-1", moment.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z", payload_lines)


def _return(sale, days_later, quantity=1):
    moment = datetime.fromisoformat(sale["created_at"][:-1]) + timedelta(days=days_later)
    return return_event(sale, moment.isoformat() + "Z", quantity=min(quantity, sale["lines"][0]["quantity"]))


def _ingest(events):
    showrooms = {s.code: s for s in _db.session.scalars(select(models.Showroom))}
    for code in {e["showroom"] for e in events}:
        answers = ingest_batch(showrooms[code], [e for e in events if e["showroom"] == code])
        assert {a["status"] for a in answers} <= {"accepted"}, answers


def _clear():
    for model in (
        models.RemoteSaleLine,
        models.RemoteSale,
        models.SalesRollupDaily,
        models.ProductDaily,
        models.ProductMonthly,
        models.SalesRollupMonthly,
        models.ShowroomDaily,
        models.RemoteShiftClose,
        models.RemoteProduct,
        models.SyncRejection,
    ):
        _db.session.execute(delete(model))
    _db.session.commit()


line_strategy = st.tuples(
    st.integers(0, 3),
    st.integers(1, 5),
    st.sampled_from([10_000, 35_000, 120_000]),
    st.sampled_from([0, 3, 4, 5]),
    st.sampled_from([None, 5_000]),
    st.booleans(),
)
sale_strategy = st.tuples(
    st.sampled_from(["HK", "LB", "BV"]),
    st.integers(0, 60),
    st.lists(line_strategy, min_size=1, max_size=3, unique_by=lambda line: line[0]),
    st.integers(0, 1439),
    st.one_of(st.none(), st.integers(0, 5)),
)
filter_strategy = st.fixed_dictionaries(
    {
        "start_ago": st.integers(0, 70),
        "length": st.integers(1, 70),
        "showroom": st.sampled_from([None, "HK", "LB", "BV"]),
        "group": st.sampled_from([None, "drinks", "food"]),
        "stars": st.sampled_from([None, "3", "4", "5", "p5", "0"]),
        "q": st.sampled_from(["", "sen", "hoa dao"]),
        "producer": st.sampled_from([None, "Hộ Xôi Phú Thượng"]),
    }
)


def _expected(events, f):
    """The report's figures computed directly from the payloads."""
    sales = {e["uuid"]: e for e in events if e["kind"] == "sale"}
    expected = {}
    for event in events:
        day = local_day(datetime.fromisoformat(event["created_at"][:-1]))
        if not f.start <= day <= f.end or (f.showroom and event["showroom"] != f.showroom):
            continue
        sign, lines = 1, event["lines"]
        if event["kind"] == "return":
            original = sales[event["sale_uuid"]]
            sign, lines = (
                -1,
                [
                    dict(
                        original["lines"][line["line_no"] - 1],
                        quantity=line["quantity"],
                        amount=line["amount"],
                        vat_amount=line["vat_amount"],
                    )
                    for line in event["lines"]
                ],
            )
        for line in lines:
            sku, name, producer, group = next(p for p in PRODUCTS if p[0] == line["sku"])
            stars = line["stars"] or 0
            if (f.group and group != f.group) or (f.producer and producer != f.producer):
                continue
            if f.q and not all(w in fold(f"{name} {producer} {sku}") for w in fold(f.q).split()):
                continue
            if f.stars and (
                reports.STAR_CHOICES[f.stars][0] != stars
                or (
                    reports.STAR_CHOICES[f.stars][1] is not None
                    and reports.STAR_CHOICES[f.stars][1] != line["potential_5_star"]
                )
            ):
                continue
            figures = expected.setdefault(sku, [0, 0, 0])
            figures[0] += sign * line["quantity"]
            figures[1] += sign * line["amount"]
            figures[2] += sign * line["vat_amount"]
    return expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sales=st.lists(sale_strategy, min_size=1, max_size=25), filters=st.lists(filter_strategy, min_size=1, max_size=4)
)
def test_report_totals_equal_the_ingested_sales_for_any_filter(central_app, sales, filters):
    _clear()
    events = []
    for code, days_ago, lines, minute, return_after in sales:
        sale = _sale(code, TODAY - timedelta(days=days_ago), lines, minute)
        events.append(sale)
        if return_after is not None and days_ago - return_after >= 0:
            events.append(_return(sale, return_after))
    _ingest(events)
    for spec in filters:
        start = TODAY - timedelta(days=spec["start_ago"])
        args = {
            "preset": "custom",
            "start": start.isoformat(),
            "end": min(TODAY, start + timedelta(days=spec["length"] - 1)).isoformat(),
            **{k: spec[k] for k in ("showroom", "group", "stars", "q", "producer") if spec[k]},
        }
        f = reports.parse_filter(args, EVERYTHING)
        expected = _expected(events, f)
        by_product = {r.extra["sku"]: [r.units, r.revenue, r.vat] for r in reports.per_product(f)}
        assert {k: v for k, v in by_product.items() if v != [0, 0, 0]} == {
            k: v for k, v in expected.items() if v != [0, 0, 0]
        }
        revenue = sum(v[1] for v in expected.values())
        units = sum(v[0] for v in expected.values())
        # Every figure (cost, margin, consignment, commission too) whichever source answered (monthly rollups,
        # daily rows, a showroom's lines): the same as the sale lines themselves.
        everything = _line_figures(f)
        assert reports.totals(reports.per_product(f)).columns() == everything
        assert reports.totals(reports.per_showroom(f)).columns() == everything
        for breakdown in (reports.per_producer, reports.per_group, reports.per_rating, reports.per_showroom):
            rows = breakdown(f)
            assert (sum(r.revenue for r in rows), sum(r.units for r in rows)) == (revenue, units), breakdown.__name__
        summary = reports.overview(f)
        assert (summary.revenue, summary.units) == (revenue, units)
        assert sum(value for _, value in summary.series) == revenue
        if not f.product_level:  # whole sales: the basket count is every sale made in range
            made = [
                e
                for e in events
                if e["kind"] == "sale"
                and f.start <= local_day(datetime.fromisoformat(e["created_at"][:-1])) <= f.end
                and (not f.showroom or e["showroom"] == f.showroom)
            ]
            assert summary.sales == len(made)


def _line_figures(f) -> dict:
    """The figures of the sale lines the filter selects, summed line by line (Figures.add_line)."""
    from pos.central.rollup import Figures

    figures = Figures()
    query = (
        select(models.RemoteSaleLine, models.RemoteSale.day, models.Showroom.code, models.RemoteProduct)
        .join(models.RemoteSale, models.RemoteSale.id == models.RemoteSaleLine.sale_id)
        .join(models.Showroom, models.Showroom.id == models.RemoteSale.showroom_id)
        .join(models.RemoteProduct, models.RemoteProduct.id == models.RemoteSaleLine.product_id)
    )
    for line, day, code, product in _db.session.execute(query):
        stars, potential = reports.STAR_CHOICES.get(f.stars, (None, None))
        if not (
            f.start <= day <= f.end
            and (not f.showroom or code == f.showroom)
            and (not f.group or product.ocop_group == f.group)
            and (not f.producer or product.producer == f.producer)
            and (stars is None or line.stars == stars)
            and (potential is None or line.potential_5_star == potential)
            and all(word in product.search_text for word in fold(f.q).split())
        ):
            continue
        figures.add_line(line.quantity, line.amount, line.vat_amount, line.cost, line.consignment, line.commission)
    return figures.columns()


@pytest.fixture
def reported(central_app):
    events = [
        _sale("HK", TODAY, [(0, 2, 35_000, 4, 5_000, False), (1, 1, 120_000, 3, None, True)]),
        _sale("LB", TODAY, [(0, 1, 35_000, 4, 5_000, False)]),
        _sale("BV", TODAY - timedelta(days=400), [(2, 3, 10_000, 5, None, False)]),
    ]
    _ingest(events)
    return events


@pytest.fixture
def boss(central_app):
    client = central_app.test_client()
    login(client, "boss")
    return client


def test_every_report_page_answers_with_the_numbers(boss, reported):
    html = boss.get("/central/reports?preset=today").get_data(as_text=True)
    assert 'id="revenue">225.000' in html and 'id="sales">2<' in html
    for breakdown in ("products", "producers", "ratings", "groups", "showrooms"):
        html = boss.get(f"/central/reports/{breakdown}?preset=today").get_data(as_text=True)
        assert 'id="total-revenue">225.000' in html, breakdown
    html = boss.get("/central/reports/producers?preset=today").get_data(as_text=True)
    assert "108.000" in html  # Xôi Phú Thượng consigned 120.000, 10 % commission: 108.000 payable
    product_id = _db.session.scalar(select(models.RemoteProduct.id).where(models.RemoteProduct.sku == "CSQA-100"))
    html = boss.get(f"/central/reports/products/{product_id}?preset=today").get_data(as_text=True)
    # per day and showroom, the showrooms by name and code
    assert "Điểm bán HK (HK)" in html and "Điểm bán LB (LB)" in html and "105.000" in html


def test_exports_open_as_csv_and_xlsx_with_the_filters_applied(boss, reported):
    response = boss.get("/central/reports/products?preset=today&showroom=HK&format=csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:6] == ["Sản phẩm", "SKU", "Chủ thể sản xuất", "Nhóm sản phẩm OCOP", "Số lượng", "Lượt quét nhãn"]
    assert sorted((r[0], r[6]) for r in rows[1:]) == [
        ("Chè Sen Quảng An hộp 100g", "70000"),
        ("Xôi Phú Thượng", "120000"),
    ]
    response = boss.get("/central/reports/showrooms?preset=this_year&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [row for row in sheet.values if row and row[0]]
    header = next(n for n, row in enumerate(values) if row[0] == "Điểm bán" and row[1] == "Đơn bán")
    assert sorted(v[0] for v in values[header + 1 : -1]) == ["Điểm bán HK (HK)", "Điểm bán LB (LB)"]
    assert values[-1][0] == "Tổng cộng"


def test_a_showroom_manager_sees_only_their_showroom(central_app, reported):
    client = central_app.test_client()
    login(client, "hk_manager")
    html = client.get("/central/reports/showrooms?preset=today&showroom=LB").get_data(as_text=True)
    assert "Điểm bán HK (HK)" in html and "(LB)" not in html and 'id="total-revenue">190.000' in html


def test_a_cashier_cannot_open_central_reports(central_app):
    create_user("till", PASSWORD, "cashier")
    client = central_app.test_client()
    login(client, "till")
    assert client.get("/central/reports").status_code == 403


@pytest.mark.parametrize(
    "query, field",
    [
        ("preset=custom&start=2026-05-01&end=2026-04-01", "end"),
        ("preset=custom&start=1900-01-01&end=2026-01-01", "start"),
        ("preset=custom&start=2010-01-01&end=2026-01-01", "end"),
        ("preset=custom&start=soon&end=later", "start"),
        ("preset=forever", "preset"),
        ("group=weapons", "group"),
        ("stars=7", "stars"),
        ("showroom=ZZ", "showroom"),
        ("sort=price", "sort"),
        ("format=pdf", "format"),
    ],
)
def test_bad_filters_get_a_clear_message_never_a_500(boss, reported, query, field):
    response = boss.get(f"/central/reports/products?{query}")
    assert response.status_code == 422
    assert field in response.get_data(as_text=True)


def test_an_export_too_large_for_xlsx_is_refused_with_advice(boss, reported, monkeypatch):
    monkeypatch.setattr("pos.core.exports.XLSX_MAX_ROWS", 1)
    response = boss.get("/central/reports/products?preset=today&format=xlsx")
    assert response.status_code == 422 and "hoặc xuất CSV" in response.get_data(as_text=True)


def test_a_reversed_date_range_is_explained_in_the_users_language(boss, reported):
    query = "/central/reports/products?preset=custom&start=2026-11-20&end=2026-11-01"
    page = boss.get(query)
    assert page.status_code == 422
    assert "Bộ lọc báo cáo không hợp lệ: Đến ngày: ngày kết thúc trước ngày bắt đầu" in page.get_data(as_text=True)
    boss.post("/lang/en")  # the manager picks English; it is remembered for the session
    answer = boss.get(query, headers={"Accept": "application/json"})
    assert answer.status_code == 422 and answer.json["error"] == "validation_error"
    assert answer.json["message"] == "The report filters are not valid: To: the end is before the start"
    assert answer.json["fields"] == {"end": "the end is before the start"}


def test_an_unknown_product_drill_down_is_a_404(boss, reported):
    assert boss.get("/central/reports/products/999999").status_code == 404


def test_a_partial_return_takes_back_its_share_of_commission_rounded_half_up(central_app):
    sale = _sale("HK", TODAY, [(1, 2, 100, 3, None, True)])  # consigned, 200 ₫, the showroom's commission 13 ₫
    sale["lines"][0]["commission"] = 13
    _ingest([sale, _return(sale, 0)])  # one of the two back: 13 × 100 / 200 = 6.5 ₫
    returned = _db.session.scalar(select(models.RemoteSaleLine.commission).where(models.RemoteSaleLine.quantity < 0))
    assert returned == -7  # half up, as all money here (Python's round() gave -6)


CENTRAL_XLSX = [
    ("/central/reports?preset=today&format=xlsx", "Tổng quan doanh số", ["Giờ", "Doanh thu (₫)"]),
    (
        "/central/reports/products?preset=today&format=xlsx",
        "Doanh số theo sản phẩm",
        ["Sản phẩm", "SKU", "Chủ thể sản xuất", "Nhóm sản phẩm OCOP", "Số lượng", "Lượt quét nhãn", "Doanh thu (₫)"],
    ),
    (
        "/central/reports/producers?preset=today&format=xlsx",
        "Doanh số theo chủ thể",
        ["Chủ thể sản xuất", "Số lượng", "Doanh thu (₫)"],
    ),
    ("/central/reports/ratings?preset=today&format=xlsx", "Doanh số theo hạng sao", ["Hạng sao", "Số lượng"]),
    ("/central/reports/groups?preset=today&format=xlsx", "Doanh số theo nhóm OCOP", ["Nhóm sản phẩm OCOP"]),
    ("/central/reports/showrooms?preset=today&format=xlsx", "Doanh số theo điểm bán", ["Điểm bán", "Đơn bán"]),
]


@pytest.mark.parametrize("url, title, headers", CENTRAL_XLSX)
def test_an_xlsx_reads_as_a_report_people_can_hand_on(boss, reported, url, title, headers):
    sheet = load_workbook(io.BytesIO(boss.get(url).data)).active
    rows = list(sheet.iter_rows())
    assert rows[0][0].value.startswith(title) and rows[0][0].font.b
    block = [row[0].value for row in rows[1:5]]
    assert "Điểm bán: Tất cả điểm bán" in block
    day = TODAY.strftime("%d/%m/%Y")
    assert f"Kỳ: {day} – {day}" in block
    assert any(line.startswith("Bộ lọc: ") for line in block) and any(
        line.startswith("Thời điểm lập: ") for line in block
    )
    header = next(n for n, row in enumerate(rows) if row[0].value == headers[0] and row[0].font.b)
    assert [cell.value for cell in rows[header]][: len(headers)] == headers
    assert sheet.freeze_panes == f"A{header + 2}"  # the header row stays in view
    names = [cell.value for cell in rows[header]]
    assert not any("_" in name for name in names)  # no code names (share_percent)
    data, totals = rows[header + 1 : -1], rows[-1]
    assert data and totals[0].value == "Tổng cộng" and totals[0].font.b
    revenue = names.index("Doanh thu (₫)")
    assert sum(row[revenue].value for row in data) == totals[revenue].value == 225_000
    assert {row[revenue].number_format for row in [*data, totals]} == {"#,##0"}
    if "Tỷ trọng" in names:
        share = names.index("Tỷ trọng")
        assert {row[share].number_format for row in data} == {"0.0%"} and totals[share].value == 1
    for cell in (cell for row in data for cell in row):  # values in the page's language, never a code
        assert cell.value not in ("drinks", "food", "textiles_handicrafts", "HK", "LB")
    widths = [sheet.column_dimensions[chr(ord("A") + n)].width for n in range(len(names))]
    assert all(width and width >= 8 for width in widths)


def test_a_products_drill_down_exports_days_as_dates(boss, reported):
    product_id = _db.session.scalar(select(models.RemoteProduct.id).where(models.RemoteProduct.sku == "CSQA-100"))
    sheet = load_workbook(
        io.BytesIO(boss.get(f"/central/reports/products/{product_id}?preset=today&format=xlsx").data)
    ).active
    rows = list(sheet.iter_rows())
    header = next(n for n, row in enumerate(rows) if row[0].value == "Ngày")
    data = rows[header + 1 : -1]
    assert sorted(row[1].value for row in data) == ["Điểm bán HK (HK)", "Điểm bán LB (LB)"]
    assert all(row[0].is_date and row[0].number_format == "dd/mm/yyyy" and row[0].value.date() == TODAY for row in data)
    assert rows[-1][0].value == "Tổng cộng" and rows[-1][3].value == 105_000
    text = boss.get(f"/central/reports/products/{product_id}?preset=today&format=csv").get_data(as_text=True)
    assert text.startswith("\ufeffNgày,Điểm bán,Số lượng,Doanh thu (₫)\r\n")  # CSV: one header row, plain values
    assert f"{TODAY.isoformat()},Điểm bán HK (HK),2,70000" in text


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_monthly_rollup_migration_fills_it_from_the_daily_rollup(tmp_path, request, engine):
    """Central upgraded with sales already received: 0023 sums the daily rollup per showroom and month."""
    from flask_migrate import downgrade, upgrade

    url = f"sqlite:///{tmp_path / 'm.sqlite3'}" if engine == "sqlite" else request.getfixturevalue("pg_url")
    app = make_app(url, POS_ROLE="central")
    with app.app_context():
        upgrade()
        add_showroom("HK", "Điểm bán HK", secret="k" * 40, since=TODAY - timedelta(days=800))
        add_catalog_products()
        _ingest(
            [
                _sale("HK", date(2026, 10, 31), [(0, 2, 35_000, 4, 5_000, False)]),
                _sale("HK", date(2026, 11, 1), [(0, 1, 35_000, 4, 5_000, False)]),
                _sale("HK", date(2026, 11, 20), [(0, 3, 35_000, 4, 5_000, False), (1, 1, 120_000, 3, None, True)]),
            ]
        )
        _db.session.commit()
        downgrade(revision="0022")  # central as it was before 0023, with these sales received
        upgrade()
        rows = _db.session.execute(
            select(
                models.SalesRollupMonthly.month, models.SalesRollupMonthly.units, models.SalesRollupMonthly.revenue
            ).order_by(models.SalesRollupMonthly.month, models.SalesRollupMonthly.revenue)
        ).all()
        assert [tuple(r) for r in rows] == [
            (date(2026, 10, 1), 2, 70_000),
            (date(2026, 11, 1), 1, 120_000),
            (date(2026, 11, 1), 4, 140_000),
        ]
        _db.session.remove()
        _db.engine.dispose()


def test_a_range_is_read_as_the_fewest_rollup_rows():
    """Whole months (or months mostly covered, less the days left out) from the monthly rollup; other days from the
    daily one. Days after today hold no rows, so they cost nothing to take away."""
    piece = reports._Piece
    today = date(2026, 12, 3)
    assert reports._pieces(date(2025, 12, 4), today, today) == [
        piece(True, date(2025, 12, 1), date(2026, 12, 1)),
        piece(False, date(2025, 12, 1), date(2025, 12, 3), -1),
        piece(False, date(2026, 12, 4), date(2026, 12, 31), -1),
    ]
    assert reports._pieces(date(2026, 11, 1), date(2026, 11, 30), today) == [
        piece(True, date(2026, 11, 1), date(2026, 11, 1))
    ]
    assert reports._pieces(date(2026, 11, 20), today, today) == [
        piece(True, date(2026, 12, 1), date(2026, 12, 1)),
        piece(False, date(2026, 11, 20), date(2026, 11, 30)),
        piece(False, date(2026, 12, 4), date(2026, 12, 31), -1),
    ]
    assert reports._pieces(date(2026, 10, 2), date(2026, 10, 30), today) == [
        piece(True, date(2026, 10, 1), date(2026, 10, 1)),
        piece(False, date(2026, 10, 1), date(2026, 10, 1), -1),
        piece(False, date(2026, 10, 31), date(2026, 10, 31), -1),
    ]
    assert reports._pieces(date(2026, 10, 10), date(2026, 10, 12), today) == [
        piece(False, date(2026, 10, 10), date(2026, 10, 12))
    ]


def test_the_products_report_names_a_product_as_ingest_last_described_it(central_app):
    """The reports keep the products' descriptions between requests (product_descriptions): a showroom's own
    product renamed by a later sale, and a product new to central, show as ingest last stored them."""
    day = TODAY - timedelta(days=3)
    moment = (datetime.combine(day, time(10), tzinfo=LOCAL_TZ)).astimezone(UTC).replace(tzinfo=None)

    def sell(number, sku, name, minutes):
        at = (moment + timedelta(minutes=minutes)).isoformat() + "Z"
        _ingest([sale_event("HK", number, at, [sale_line(1, sku, name, "Cơ sở Hồng Kỳ", "food", 1, 50_000)])])

    f = reports.parse_filter({"preset": "custom", "start": day.isoformat(), "end": day.isoformat()}, EVERYTHING)
    sell("HK-1", "HK-OWN-1", "Bánh đậu xanh", 0)
    assert [r.label for r in reports.per_product(f)] == ["Bánh đậu xanh"]
    sell("HK-2", "HK-OWN-1", "Bánh đậu xanh Hồng Kỳ", 5)  # the showroom renamed its product
    assert [r.label for r in reports.per_product(f)] == ["Bánh đậu xanh Hồng Kỳ"]
    sell("HK-3", "HK-OWN-2", "Mứt gừng", 10)
    rows = reports.per_product(f)
    assert sorted((r.label, r.extra["sku"], r.extra["producer"], r.units, r.scans) for r in rows) == [
        ("Bánh đậu xanh Hồng Kỳ", "HK-OWN-1", "Cơ sở Hồng Kỳ", 2, 0),
        ("Mứt gừng", "HK-OWN-2", "Cơ sở Hồng Kỳ", 1, 0),
    ]
