"""Labels: PNG and PDF decode to the product's Digital Link; bad input is refused with reasons."""
from datetime import date, timedelta
from io import BytesIO

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

from pos.database import atomic
from pos.extensions import db
from pos.labels import service
from pos.labels.render import PRESETS, render_sheet_pdf
from pos.models import Lot
from tests.conftest import make_product

BASE = "http://127.0.0.1:5000"


def decode(image) -> list[str]:
    return sorted(result.text for result in zxingcpp.read_barcodes(image))


def pdf_pages(data: bytes) -> list[Image.Image]:
    pdf = pdfium.PdfDocument(data)
    return [page.render(scale=200 / 72).to_pil() for page in pdf]


def add_lot(product, code="L2406", expiry=None):
    with atomic():
        lot = Lot(product_id=product.id, code=code, production_date=date(2026, 6, 1),
                  expiry_date=expiry or date.today() + timedelta(days=200))
        db.session.add(lot)
    return lot


def test_cli_png_decodes_to_the_digital_link(app, runner, tmp_path):
    product = make_product(sku="CSQA-100", gtin="8936012340013")
    add_lot(product, "L2406")
    out = tmp_path / "label.png"
    result = runner.invoke(args=["labels", "png", "CSQA-100", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert decode(Image.open(out)) == [f"{BASE}/01/08936012340013"]
    result = runner.invoke(args=["labels", "png", "8936012340013", "--out", str(out), "--lot", "L2406"])
    assert result.exit_code == 0, result.output
    assert decode(Image.open(out)) == [f"{BASE}/01/08936012340013/10/L2406"]


def test_public_base_url_setting_is_used(app, runner, tmp_path):
    app.config["PUBLIC_BASE_URL"] = "https://ocop.example.vn/"
    make_product(sku="P1", gtin="8936012340013")
    out = tmp_path / "label.png"
    assert runner.invoke(args=["labels", "png", "P1", "--out", str(out)]).exit_code == 0
    assert decode(Image.open(out)) == ["https://ocop.example.vn/01/08936012340013"]


def test_cli_sheet_pdf_pages_decode_and_start_position_is_kept(app, runner, tmp_path):
    make_product(sku="A", gtin="8936012340013")
    b = make_product(sku="B", stars=5)
    out = tmp_path / "sheet.pdf"
    result = runner.invoke(args=["labels", "sheet", "--out", str(out), "--sku", "A:20", "--sku", "B:3",
                                 "--start", "5"])
    assert result.exit_code == 0, result.output
    pages = pdf_pages(out.read_bytes())
    assert len(pages) == 2  # 4 used + 23 labels = 27 cells: two pages of 24
    first, second = decode(pages[0]), decode(pages[1])
    assert len(first) == 20 and len(second) == 3
    assert set(first) | set(second) == {f"{BASE}/01/08936012340013", f"{BASE}/01/{b.gtin14}"}


def test_two_by_seven_preset(app, tmp_path):
    product = make_product(sku="A")
    items = service.resolve_items(["A:14"])
    pdf = render_sheet_pdf(service.sheet_contents(items, base_url=BASE), PRESETS["2x7"])
    pages = pdf_pages(pdf)
    assert len(pages) == 1 and decode(pages[0]) == [f"{BASE}/01/{product.gtin14}"] * 14


def test_bad_input_gives_clear_messages_and_nonzero_exit(app, runner, tmp_path):
    make_product(sku="A")
    out = str(tmp_path / "x.pdf")
    cases = {
        ("--sku", "NOPE:2"): "Unknown SKU",
        ("--sku", "A:0"): "at least 1",
        ("--sku", "A:-3"): "at least 1",
        ("--sku", "A:x"): "whole number",
        ("--sku", "A:2", "--start", "25"): "off the sheet",
        ("--sku", "A:2", "--start", "0"): "off the sheet",
        ("--sku", "A:2", "--preset", "2x7", "--start", "15"): "1 to 14",
        ("--sku", "A:2:NO-SUCH-LOT"): "never received",
    }
    for args, message in cases.items():
        result = runner.invoke(args=["labels", "sheet", "--out", out, *args])
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    result = runner.invoke(args=["labels", "png", "NOPE", "--out", str(tmp_path / "x.png")])
    assert result.exit_code != 0 and "Unknown SKU" in result.output


def test_labels_refuse_stars_a_product_does_not_have(app, runner, tmp_path):
    make_product(sku="OLD", rated_days_ago=365 * 3 + 10)  # expired
    make_product(sku="NONE", stars=None)
    out = str(tmp_path / "x.png")
    result = runner.invoke(args=["labels", "png", "OLD", "--out", out])
    assert result.exit_code != 0 and "expired" in result.output and "cannot show stars" in result.output
    result = runner.invoke(args=["labels", "png", "NONE", "--out", out])
    assert result.exit_code != 0 and "no OCOP rating" in result.output
    result = runner.invoke(args=["labels", "png", "OLD", "--out", out, "--plain"])
    assert result.exit_code == 0
    content = service.sheet_contents(service.resolve_items(["OLD"]), with_stars=False)[0]
    assert content.stars is None and content.stars_text == ""


def test_label_content_is_vietnamese_with_lot_dates(app):
    product = make_product(sku="A", name_vi="Chè Sen Quảng An", price=350_000)
    add_lot(product, "L1", expiry=date(2027, 6, 30))
    content = service.sheet_contents(service.resolve_items(["A:1:L1"]), base_url=BASE)[0]
    assert content.stars == 4 and content.stars_text == "4 sao OCOP"
    assert content.price == "350.000\u00a0₫/hộp" and content.name == "Chè Sen Quảng An"
    assert content.lot_line == "Lô L1 · HSD 30/06/2027"
    assert content.url.endswith("/10/L1")


def test_manager_pages_preview_pdf_png_and_print(app, manager_client):
    product = make_product(sku="CSQA-100")
    add_lot(product, "L9")
    page = manager_client.get("/labels/?sku=CSQA-100:12&lot=L9&start=3")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and html.count('class="cell"') == 24 and html.count('class="used"') == 2
    pdf = manager_client.get("/labels/sheet.pdf?sku=CSQA-100:12:L9&start=3")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert decode(pdf_pages(pdf.data)[0]) == [f"http://localhost/01/{product.gtin14}/10/L9"] * 12
    png = manager_client.get("/labels/label.png?sku=CSQA-100")
    assert png.mimetype == "image/png" and decode(Image.open(BytesIO(png.data))) == [f"http://localhost/01/{product.gtin14}"]
    printed = manager_client.post("/labels/print", data={"sku": "CSQA-100:2", "preset": "3x8", "start": "1"},
                                  follow_redirects=True)
    assert printed.status_code == 200


def test_manager_sees_why_a_label_is_refused(app, manager_client, cashier_client):
    make_product(sku="OLD", rated_days_ago=365 * 3 + 10)
    html = manager_client.get("/labels/?sku=OLD:3").get_data(as_text=True)
    assert "nhãn không được in sao" in html
    assert '<span class="error-text">không có hạng OCOP còn hiệu lực</span>' in html  # beside the field, in words
    unknown = manager_client.get("/labels/?sku=NOPE:1").get_data(as_text=True)
    assert '<span class="error-text">không tìm thấy SKU hoặc GTIN</span>' in unknown
    assert "cannot show stars" in manager_client.get("/labels/?sku=OLD:3&lang=en").get_data(as_text=True)
    assert manager_client.get("/labels/sheet.pdf?sku=OLD:3").status_code == 422
    assert cashier_client.get("/labels/").status_code == 403


def test_get_interface_pairs_lots_with_skus_by_position(app, manager_client):
    a = make_product(sku="A")
    b = make_product(sku="B")
    add_lot(b, "LB")
    pdf = manager_client.get("/labels/sheet.pdf?sku=A:2&sku=B:1&lot=&lot=LB&preset=2x7&start=2")
    assert pdf.status_code == 200
    assert decode(pdf_pages(pdf.data)[0]) == sorted([f"http://localhost/01/{a.gtin14}"] * 2
                                                    + [f"http://localhost/01/{b.gtin14}/10/LB"])
    html = manager_client.get("/labels/?sku=A:2&lot=L1&lot=L2").get_data(as_text=True)
    assert "Số lô nhiều hơn số sản phẩm" in html
