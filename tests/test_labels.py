"""Labels: PNG and PDF decode to the product's Digital Link; bad input is refused with reasons."""

import re
from datetime import date, timedelta
from io import BytesIO

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

from pos.core.clock import local_today
from pos.core.database import atomic
from pos.core.extensions import db
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
        lot = Lot(
            product_id=product.id,
            code=code,
            production_date=date(2026, 6, 1),
            expiry_date=expiry or local_today() + timedelta(days=200),
        )
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
    result = runner.invoke(args=["labels", "sheet", "--out", str(out), "--sku", "A:20", "--sku", "B:3", "--start", "5"])
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
    # the label printer's button posts the sheet as previewed: the lines, the stock, the start position
    form = html[html.index('action="/labels/print"') : html.index("</form>", html.index('action="/labels/print"'))]
    posted = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form)
    assert [field for field in posted if field[0] != "csrf_token"] == [
        ("sku", "CSQA-100:12:L9"),
        ("preset", "3x8"),
        ("start", "3"),
    ]
    pdf = manager_client.get("/labels/sheet.pdf?sku=CSQA-100:12:L9&start=3")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert decode(pdf_pages(pdf.data)[0]) == [f"http://localhost/01/{product.gtin14}/10/L9"] * 12
    png = manager_client.get("/labels/label.png?sku=CSQA-100")
    assert png.mimetype == "image/png" and decode(Image.open(BytesIO(png.data))) == [
        f"http://localhost/01/{product.gtin14}"
    ]
    printed = manager_client.post(
        "/labels/print", data={"sku": "CSQA-100:2", "preset": "3x8", "start": "1"}, follow_redirects=True
    )
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
    assert decode(pdf_pages(pdf.data)[0]) == sorted(
        [f"http://localhost/01/{a.gtin14}"] * 2 + [f"http://localhost/01/{b.gtin14}/10/LB"]
    )
    html = manager_client.get("/labels/?sku=A:2&lot=L1&lot=L2").get_data(as_text=True)
    assert "Số lô nhiều hơn số sản phẩm" in html


# --- margins -------------------------------------------------------------------------------------------------------


def _ink_box_mm(page: Image.Image, dpi: int) -> tuple[float, float, float, float]:
    """(left, right, top, bottom) distance in mm from the page's edges to the nearest ink."""
    from PIL import ImageOps

    box = ImageOps.invert(page.convert("L")).point(lambda v: 255 if v > 64 else 0).getbbox()
    mm = 25.4 / dpi
    return box[0] * mm, (page.width - box[2]) * mm, box[1] * mm, (page.height - box[3]) * mm


def test_every_preset_keeps_ink_4mm_from_the_sheets_edges_and_inside_each_label():
    from pos.labels.render import LabelContent

    longest = LabelContent(
        url="https://cua-hang-ocop.example.vn/01/08936012340013/10/L2406-ABCDEFGHIJ",
        name="Chè Shan tuyết cổ thụ Hà Giang hộp quà tặng cao cấp 500g đặc biệt",
        price="12.250.000 ₫/hộp quà",
        gtin="893 6012 34001 3",
        stars=5,
        stars_text="5 sao OCOP · tiềm năng 5 sao",
        lot_line="Lô L2406-ABCDEFGHIJ · HSD 30/06/2027",
    )
    dpi = 200
    for preset in PRESETS.values():
        page = pdf_pages(render_sheet_pdf([longest] * preset.per_page, preset))[0]
        page = page.resize((round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)))
        left, right, top, bottom = _ink_box_mm(page, dpi)
        assert min(left, right, top, bottom) >= 4.0, (preset.key, left, right, top, bottom)
        # no label's text runs over into its neighbour: the cut lines between labels stay blank
        px = dpi / 25.4
        for column in range(1, preset.columns):
            x = preset.left_mm + column * (preset.width_mm + preset.gap_x_mm) - preset.gap_x_mm / 2
            strip = page.crop((round(x * px) - 1, 0, round(x * px) + 1, page.height))
            assert _blank(strip), (preset.key, "column", column)
        assert decode(page)[:1] == [longest.url]


def _blank(image: Image.Image) -> bool:
    from PIL import ImageOps

    return ImageOps.invert(image.convert("L")).point(lambda v: 255 if v > 64 else 0).getbbox() is None


# --- the order form: scan or pick, quantities and lots default to what was received ----------------------------------


def _receive(users, product, lot, quantity, days=200):
    from pos.inventory.receipts import create_receipt, post_receipt

    receipt = create_receipt(
        product.producer_id,
        [
            {
                "sku": product.sku,
                "lot_code": lot,
                "quantity": str(quantity),
                "unit_cost": "1000",
                "production_date": local_today().isoformat(),
                "expiry_date": (local_today() + timedelta(days=days)).isoformat(),
            }
        ],
        users["manager"],
    )
    post_receipt(receipt.id, users["manager"])


def _lines(html: str) -> list[tuple[str, str, str]]:
    """(sku, quantity, selected lot) of each line of the order form."""
    import re

    found = []
    for item in re.findall(r'<li class="label-line">(.*?)</li>', html, re.DOTALL):
        sku = re.search(r'name="sku" value="([^"]*)"', item)[1]
        quantity = re.search(r'name="qty"[^>]*value="([^"]*)"', item)[1]
        lot = re.search(r'<option value="([^"]*)" selected', item)
        found.append((sku, quantity, lot[1] if lot else ""))
    return found


def test_scanning_adds_a_line_with_the_lot_and_quantity_last_received(app, users, manager_client):
    tea = make_product(sku="CSQA-100", gtin="8936012340013")
    _receive(users, tea, "QA2610", 6, days=100)
    _receive(users, tea, "QA2611", 12)
    page = manager_client.get("/labels/", query_string={"add": "8936012340013"}).get_data(as_text=True)
    assert _lines(page) == [("CSQA-100", "12", "QA2611")]
    assert page.count('<option value="QA26') == 2  # both received lots to choose from
    # a QR label names its lot: that lot, with what was received of it
    page = manager_client.get(
        "/labels/",
        query_string={"sku": "CSQA-100", "qty": "12", "lot": "QA2611", "add": f"{BASE}/01/08936012340013/10/QA2610"},
    )
    html = page.get_data(as_text=True)
    assert _lines(html) == [("CSQA-100", "12", "QA2611"), ("CSQA-100", "6", "QA2610")]
    assert html.count('class="cell"') == 24 and html.count("<img") == 18  # the preview: 12 + 6 labels
    again = manager_client.get(
        "/labels/", query_string={"sku": "CSQA-100", "qty": "12", "lot": "QA2611", "add": "csqa-100"}
    ).get_data(as_text=True)
    assert _lines(again) == [("CSQA-100", "12", "QA2611")] and "đã có trong danh sách" in again


def test_typing_a_name_offers_the_products_to_pick_and_lines_can_be_removed(app, users, manager_client):
    make_product(sku="XV-1", name_vi="Xôi vò Phú Thượng")
    make_product(sku="XG-2", name_vi="Xôi gấc Hà Nội")
    page = manager_client.get("/labels/", query_string={"add": "xoi"}).get_data(as_text=True)
    assert 'name="pick" value="XV-1"' in page and 'name="pick" value="XG-2"' in page and _lines(page) == []
    page = manager_client.get("/labels/", query_string={"add": "xoi", "pick": "XG-2"}).get_data(as_text=True)
    assert _lines(page) == [("XG-2", "1", "")]  # never received: one label, no lot
    page = manager_client.get(
        "/labels/",
        query_string=[
            ("sku", "XG-2"),
            ("qty", "3"),
            ("lot", ""),
            ("sku", "XV-1"),
            ("qty", "2"),
            ("lot", ""),
            ("remove", "0"),
        ],
    ).get_data(as_text=True)
    assert _lines(page) == [("XV-1", "2", "")]
    nothing = manager_client.get("/labels/", query_string={"add": "bánh chưng"})
    assert "Không có sản phẩm nào khớp" in nothing.get_data(as_text=True)


def test_every_bad_line_is_marked_beside_it(app, users, manager_client):
    make_product(sku="A")
    make_product(sku="B")
    page = manager_client.get(
        "/labels/", query_string=[("sku", "A"), ("qty", "0"), ("lot", ""), ("sku", "B"), ("qty", "2"), ("lot", "NOPE")]
    )
    html = page.get_data(as_text=True)
    assert _lines(html) == [("A", "0", ""), ("B", "2", "NOPE")]  # what was typed stays
    assert html.count("aria-invalid=true") == 2 and "<img" not in html


def test_the_page_and_the_cli_warn_when_phones_cannot_open_the_codes(app, users, manager_client, runner, tmp_path):
    make_product(sku="P1", gtin="8936012340013")
    warning = 'id="address-warning"'
    page = manager_client.get("/labels/").get_data(as_text=True)
    assert warning in page and "http://localhost" in page  # the test client's address is a loopback one
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    assert warning in manager_client.get("/labels/").get_data(as_text=True)
    app.config["PUBLIC_BASE_URL"] = "https://ocop.example.vn"
    assert warning not in manager_client.get("/labels/").get_data(as_text=True)
    out = tmp_path / "label.png"
    result = runner.invoke(args=["labels", "png", "P1", "--out", str(out)])
    assert result.exit_code == 0 and "Warning" not in result.output
    assert decode(Image.open(out)) == ["https://ocop.example.vn/01/08936012340013"]
    app.config.update(PUBLIC_BASE_URL=None, PORT=5123)  # unset: the port the showroom runs on, and a warning
    result = runner.invoke(args=["labels", "sheet", "--out", str(tmp_path / "s.pdf"), "--sku", "P1:1"])
    assert result.exit_code == 0
    assert "Warning: Phones will not open these codes: they lead to http://127.0.0.1:5123" in result.output
    assert decode(pdf_pages((tmp_path / "s.pdf").read_bytes())[0]) == ["http://127.0.0.1:5123/01/08936012340013"]
