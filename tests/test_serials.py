"""Serialized labels (issue 19, part 2): serials issued with a goods receipt's labels, one per unit, printed on A4
sheets and thermal labels; what the till, the shopper's page and central make of them."""

import json
import re
import threading
import uuid
from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from pos.auth.service import create_user
from pos.checkout import sales
from pos.checkout.recorded import find_recorded
from pos.checkout.sales import record_sale
from pos.checkout.shifts import open_shift
from pos.core.clock import local_today
from pos.core.errors import SerialRefused
from pos.core.extensions import db as _db
from pos.inventory.receipts import create_receipt, post_receipt
from pos.labels import serials
from pos.labels.render import render_png
from pos.labels.scan_counts import count_scan
from pos.models import LabelScanDaily, OutboxEntry, Sale, SaleLine, Serial, Showroom, User
from pos.protocol.events import parse_event
from tests.conftest import give_back, make_app_with_tables, make_product
from tests.fake_printer import FakePrinter
from tests.test_labels import decode, pdf_pages

SERIAL_URL = re.compile(r"^http://localhost/01/(\d{14})/10/([^/]+)/21/([^/]+)$")


def received(users, product, quantity=5, lot="L1"):
    """A posted goods receipt of `quantity` units of `product` in `lot`."""
    receipt = create_receipt(
        product.producer_id,
        [{"sku": product.sku, "quantity": str(quantity), "unit_cost": "100000", "lot_code": lot}],
        users["manager"],
    )
    post_receipt(receipt.id, users["manager"])
    return receipt


@pytest.fixture
def peach(app, users):
    """A serialized product (a potted peach tree) with 30 units received in lot D26."""
    product = make_product(
        sku="DAO-1", name_vi="Đào thế Nhật Tân", ocop_group="ornamental", price=2_500_000, serialized=True
    )
    return product, received(users, product, 30, "D26")


def test_serials_are_short_unambiguous_random_and_within_gs1_limits():
    drawn = {serials.new_serial() for _ in range(2000)}
    assert len(drawn) == 2000
    for serial in drawn:
        assert len(serial) == 10 <= 20 and serials.is_serial(serial)
        assert not set(serial) & set("0O1IL") and serial == serial.upper()
    for odd in ["", "abcdefghjk", "ABCDEFGHJ0", "ABCDEFGHJKM", "ABCD\x00FGHJK", "ABCD\ud800FGHJK", None, 12, "A" * 21]:
        assert not serials.is_serial(odd)


def test_a_manager_marks_a_product_serialized_in_the_catalog_and_csv(app, manager_client):
    product = make_product(sku="GOM-1", ocop_group="textiles_handicrafts")
    assert not product.serialized
    form = manager_client.get(f"/catalog/products/{product.id}/edit").get_data(as_text=True)
    assert 'name="serialized"' in form and "Có số sê-ri" in form
    exported = manager_client.get("/catalog/export.csv").get_data(as_text=True)
    header, row = exported.splitlines()[0].split(","), next(r for r in exported.splitlines() if r.startswith("GOM-1"))
    assert header[-1] == "serialized" and row.endswith(",")
    marked = exported.replace(row, row + "yes")
    result = manager_client.post(
        "/catalog/import", data={"file": (BytesIO(marked.encode()), "c.csv")}, content_type="multipart/form-data"
    )
    assert result.status_code in (200, 302)
    from pos.core.extensions import db
    from pos.models import Product

    db.session.expire_all()
    assert db.session.get(Product, product.id).serialized is True
    again = manager_client.get("/catalog/export.csv").get_data(as_text=True)
    assert next(r for r in again.splitlines() if r.startswith("GOM-1")).endswith(",yes")


def test_serials_are_issued_once_per_receipt_with_lot_and_showroom(app, users, peach):
    product, receipt = peach
    issued = serials.issue_for_receipt(receipt.id, users["manager"])
    assert [len(line.serials) for line in issued] == [30]
    again = serials.issue_for_receipt(receipt.id, users["manager"])
    assert again[0].serials == issued[0].serials  # a reprint, not new serials
    from pos.core.extensions import db

    rows = db.session.scalars(select(Serial).where(Serial.receipt_id == receipt.id)).all()
    assert len(rows) == 30 and {(r.product_id, r.lot_code, r.showroom) for r in rows} == {(product.id, "D26", "TH")}
    assert db.session.scalar(select(func.count(Serial.id))) == 30


def test_a4_sheet_has_one_distinct_issued_serial_per_label(app, users, manager_client, peach):
    product, receipt = peach
    page = manager_client.post(f"/labels/receipts/{receipt.id}/serials", follow_redirects=True)
    assert "30 số sê-ri sẵn sàng để in" in page.get_data(as_text=True)
    pdf = manager_client.get(f"/labels/receipts/{receipt.id}/serials.pdf?preset=3x8")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pages = pdf_pages(pdf.data)
    assert len(pages) == 2  # 30 labels on 3×8 sheets
    codes = [code for image in pages for code in decode(image)]
    assert len(codes) == 30
    parts = [SERIAL_URL.match(code).groups() for code in codes]
    assert {(gtin, lot) for gtin, lot, _ in parts} == {(product.gtin14, "D26")}
    found = [serial for _, _, serial in parts]
    assert len(set(found)) == 30
    from pos.core.extensions import db

    issued = set(db.session.scalars(select(Serial.serial).where(Serial.product_id == product.id)))
    assert set(found) == issued


def test_thermal_labels_print_one_distinct_serial_each(app, users, manager_client, peach):
    product, receipt = peach
    issued = serials.issue_for_receipt(receipt.id, users["manager"])
    contents = serials.serial_contents(issued, base_url="http://localhost")
    # What the label printer gets, label by label (its raster is this image at 203 dpi)
    urls = [decode(Image.open(BytesIO(render_png(c, width_mm=48, height_mm=37, dpi=203.2))))[0] for c in contents[:10]]
    assert len(set(urls)) == 10 and all(SERIAL_URL.match(u).group(3) in issued[0].serials for u in urls)
    assert contents[0].serial_line == f"Sê-ri {issued[0].serials[0]}"
    printer = FakePrinter()
    printer.start()
    try:
        app.config["PRINTER_URL"] = printer.url
        small = received(users, product, 3, "D27")
        done = manager_client.post(f"/labels/receipts/{small.id}/serials/print", data={"preset": "3x8"})
        assert done.status_code == 302
        for _ in range(3):
            printer.next_job()
        assert len(printer.jobs) == 3
    finally:
        printer.close()


def test_serials_only_for_a_posted_receipt_with_serialized_products(app, users, manager_client):
    plain = make_product(sku="GOM-2", ocop_group="textiles_handicrafts")
    receipt = received(users, plain, 2)
    page = manager_client.post(f"/labels/receipts/{receipt.id}/serials", follow_redirects=True)
    assert "không có sản phẩm có số sê-ri" in page.get_data(as_text=True)
    assert manager_client.get(f"/labels/receipts/{receipt.id}/serials.pdf").status_code == 409
    assert manager_client.get("/labels/receipts/999999/serials").status_code == 404


# --- the till -------------------------------------------------------------------------------------------------------


def sale_body(product, serial, lot="D26", **extra) -> dict:
    line = {"product_id": product.id, "quantity": 1, "lot": lot, "serial": serial} | extra
    return {"uuid": str(uuid.uuid4()), "lines": [line], "payments": [{"method": "cash", "amount": 3_000_000}]}


@pytest.fixture
def till(app, users, peach):
    """An open shift and the peach trees' serials issued."""
    open_shift(users["cashier"], 0)
    product, receipt = peach
    return product, serials.issue_for_receipt(receipt.id, users["manager"])[0].serials


def label(product, serial, lot="D26") -> str:
    return f"http://localhost/01/{product.gtin14}/10/{lot}/21/{serial}"


def test_the_till_reads_the_serial_and_records_it_on_the_sale_line(app, users, cashier_client, till):
    product, issued = till
    found = cashier_client.get("/api/v1/products/lookup", query_string={"code": label(product, issued[0])})
    assert found.status_code == 200 and found.json["serial"] == issued[0] and found.json["lot"] == "D26"
    sold = cashier_client.post("/api/v1/sales", json=sale_body(product, issued[0]))
    assert sold.status_code == 201 and sold.json["lines"][0]["serial"] == issued[0]
    recorded = find_recorded(sold.json["uuid"])
    assert recorded.lines[0].serial == issued[0] and recorded.to_payload()["lines"][0]["serial"] == issued[0]
    assert _db.session.scalar(select(SaleLine.serial).where(SaleLine.sale_id == recorded.id)) == issued[0]
    receipt = cashier_client.get(f"/r/{recorded.lookup_code}").get_data(as_text=True)
    assert issued[0] in receipt


def test_a_sold_label_scanned_again_is_refused_in_the_cashiers_language(app, users, cashier_client, till):
    product, issued = till
    assert cashier_client.post("/api/v1/sales", json=sale_body(product, issued[0])).status_code == 201
    today = local_today().strftime("%d/%m/%Y")
    again = cashier_client.get("/api/v1/products/lookup", query_string={"code": label(product, issued[0])})
    assert again.status_code == 409 and again.json["error"] == "serial_sold"
    assert again.json["message"].startswith(f"Nhãn này đã bán ngày {today} tại ")
    assert "có thể là nhãn sao chép" in again.json["message"]
    copy = cashier_client.post("/api/v1/sales", json=sale_body(product, issued[0]))
    assert copy.status_code == 409 and "có thể là nhãn sao chép" in copy.json["message"]
    english = cashier_client.get(
        "/api/v1/products/lookup", query_string={"code": label(product, issued[0]), "lang": "en"}
    )
    assert "may be a copied label" in english.json["message"]
    assert _db.session.scalar(select(func.count(SaleLine.id)).where(SaleLine.serial == issued[0])) == 1


def test_never_issued_and_other_products_serials_are_refused(app, users, cashier_client, till):
    product, issued = till
    other = make_product(sku="GOM-9", ocop_group="textiles_handicrafts", serialized=True)
    never = "23456789AB" if "23456789AB" not in issued else "ZZZZZZZZZZ"
    refused = cashier_client.get("/api/v1/products/lookup", query_string={"code": label(product, never)})
    assert refused.status_code == 409 and refused.json["error"] == "serial_never_issued"
    assert "chưa từng được cấp" in refused.json["message"]
    wrong = cashier_client.get(
        "/api/v1/products/lookup", query_string={"code": f"http://localhost/01/{other.gtin14}/21/{issued[1]}"}
    )
    assert wrong.status_code == 409 and wrong.json["error"] == "serial_other_product"
    assert "Đào thế Nhật Tân" in wrong.json["message"]
    sale = cashier_client.post("/api/v1/sales", json=sale_body(other, issued[1], lot=""))
    assert sale.status_code == 409 and sale.json["error"] == "serial_other_product"
    assert cashier_client.post("/api/v1/sales", json=sale_body(product, never)).json["error"] == "serial_never_issued"


@pytest.mark.parametrize(
    "odd", ["abcdefghjk", "ABCDEFGHJ0", "ABCDEFGHJKM", "A" * 21, "ABCD%00FGHJK", "ABCD%ED%A0%80FGHJK", "ABC-DEFGHJ"]
)
def test_odd_serial_text_is_a_clear_400_never_a_500(app, cashier_client, till, odd):
    product, _issued = till
    found = cashier_client.get("/api/v1/products/lookup?code=" + label(product, odd).replace("http://", "http%3A//"))
    if "%00" in odd:  # every request's text is refused a NUL before it reaches the till (pos.core.json_body)
        assert found.status_code == 422 and found.json["error"] == "unstorable_text"
        return
    assert found.status_code == 400 and found.json["error"] == "invalid_serial", found.json
    assert "không phải do hệ thống in" in found.json["message"]


@pytest.mark.parametrize("odd", ["abcdefghjk", "A" * 21, "ABCD\x00FGHJK", "ABCD\ud800FGHJK", 12, ["X"], ""])
def test_odd_serial_in_a_sale_is_refused_and_nothing_written(app, cashier_client, till, odd):
    product, _issued = till
    body = json.dumps(sale_body(product, odd), ensure_ascii=True)
    refused = cashier_client.post("/api/v1/sales", data=body, content_type="application/json")
    assert 400 <= refused.status_code < 500 and "lines[0].serial" in refused.json["fields"]
    assert _db.session.scalar(select(func.count(Sale.id))) == 0


def test_a_serial_line_is_one_unit_and_a_serial_once_per_sale(app, cashier_client, till):
    product, issued = till
    two = cashier_client.post("/api/v1/sales", json=sale_body(product, issued[0], quantity=2))
    assert two.status_code == 422 and "lines[0].quantity" in two.json["fields"]
    body = sale_body(product, issued[0])
    body["lines"].append(dict(body["lines"][0]))
    twice = cashier_client.post("/api/v1/sales", json=body)
    assert twice.status_code == 422 and "lines[1].serial" in twice.json["fields"]


def test_the_unique_index_stops_a_second_till_that_checked_at_the_same_moment(app, users, till, monkeypatch):
    """Two tills check the same serial before either commits: the sale lines' unique index refuses the second,
    which is told where and when the first sold it."""
    product, issued = till
    record_sale(sale_body(product, issued[0]), users["cashier"])
    real = sales._check_serials
    calls = []

    def raced(lines, products):  # the second till's check ran before the first sale committed
        calls.append(1)
        if len(calls) > 1:
            real(lines, products)

    monkeypatch.setattr(sales, "_check_serials", raced)
    with pytest.raises(SerialRefused, match="was sold on"):
        record_sale(sale_body(product, issued[0]), users["cashier"])
    assert len(calls) == 2
    assert _db.session.scalar(select(func.count(SaleLine.id)).where(SaleLine.serial == issued[0])) == 1


def test_a_return_puts_the_serial_back_in_stock(app, users, cashier_client, till):
    product, issued = till
    sold, _ = record_sale(sale_body(product, issued[0]), users["cashier"])
    assert serials.serial_state(issued[0]).status == "sold"
    give_back(sold.number, users["manager"])
    assert serials.serial_state(issued[0]).status == "in_stock"
    again, _ = record_sale(sale_body(product, issued[0]), users["cashier"])
    assert again.lines[0].serial == issued[0] and serials.serial_state(issued[0]).status == "sold"


def _race(app, serial_and_product, tills=6):
    results, errors = [], []
    barrier = threading.Barrier(tills)

    def one():
        with app.app_context():
            user = _db.session.scalar(select(User).where(User.username == "till"))
            barrier.wait()
            try:
                record_sale(sale_body(serial_and_product[1], serial_and_product[0]) | {}, user)
                results.append("sold")
            except SerialRefused as error:
                results.append(error.code)
            except Exception as error:
                errors.append(repr(error))
            _db.session.remove()

    threads = [threading.Thread(target=one) for _ in range(tills)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def _two_tills_one_label(app):
    with app.app_context():
        user = create_user("till", "a-long-password", "cashier")
        manager = create_user("boss", "a-long-password", "manager")
        open_shift(user, 0)
        product = make_product(sku="DAO-2", ocop_group="ornamental", price=2_000_000, serialized=True)
        receipt = received({"manager": manager}, product, 2, "D26")
        serial = serials.issue_for_receipt(receipt.id, manager)[0].serials[0]
        _db.session.remove()
    results, errors = _race(app, (serial, product))
    assert errors == []
    assert sorted(results) == ["serial_sold"] * 5 + ["sold"]
    with app.app_context():
        assert _db.session.scalar(select(func.count(SaleLine.id)).where(SaleLine.serial == serial)) == 1
        _db.session.remove()
        _db.engine.dispose()


def test_six_tills_selling_one_label_at_once_sell_it_once(database):
    _two_tills_one_label(make_app_with_tables(database))


# --- the shopper's page ----------------------------------------------------------------------------------------------


def page(client, product, serial, lot="D26", lang="vi"):
    return client.get(f"/p/01/{product.gtin14}/10/{lot}/21/{serial}?lang={lang}")


def test_the_shoppers_page_says_where_the_unit_stands(app, users, client, till):
    product, issued = till
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 30  # as in production: a page sold since is never served from it
    with app.app_context():
        _db.session.add(Showroom(code="TH", name="Điểm OCOP Tây Hồ"))
        _db.session.commit()
    in_stock = page(client, product, issued[0])
    html = in_stock.get_data(as_text=True)
    assert in_stock.status_code == 200 and "Còn hàng tại Điểm OCOP Tây Hồ" in html and issued[0] in html
    sold, _ = record_sale(sale_body(product, issued[0]), users["cashier"])
    html = page(client, product, issued[0]).get_data(as_text=True)
    assert f"Đã bán ngày {local_today().strftime('%d/%m/%Y')} tại Điểm OCOP Tây Hồ" in html
    assert sold.number not in html and sold.lookup_code not in html and "cashier" not in html  # no buyer, no staff
    english = page(client, product, issued[0], lang="en").get_data(as_text=True)
    assert f"Sold on {local_today().strftime('%d/%m/%Y')} at Điểm OCOP Tây Hồ" in english
    never = "23456789AB" if "23456789AB" not in issued else "ZZZZZZZZZZ"
    fake = page(client, product, never)
    assert fake.status_code == 200 and "CẢNH BÁO: số sê-ri này chưa từng được cấp" in fake.get_data(as_text=True)
    assert "the label may be fake" in page(client, product, never, lang="en").get_data(as_text=True)
    other = make_product(sku="GOM-3", ocop_group="textiles_handicrafts", serialized=True)
    borrowed = client.get(f"/p/01/{other.gtin14}/21/{issued[1]}").get_data(as_text=True)
    assert "chưa từng được cấp" in borrowed  # a real serial on another product's label: not this unit's


@pytest.mark.parametrize(
    "odd", ["abcdefghjk", "ABCDEFGHJ0", "A" * 21, "ABCD%00FGHJK", "ABCD%ED%A0%80FGHJK", "ABCD%F0FGHJK", "AB%2FCDEFGH"]
)
def test_odd_serials_on_the_shoppers_page_are_400_with_a_reason(app, client, till, odd):
    product, _issued = till
    for path in (f"/p/01/{product.gtin14}/10/D26/21/{odd}", f"/01/{product.gtin14}/10/D26/21/{odd}"):
        answer = client.get(path)
        if answer.status_code == 307:  # the resolver passes a GS1-valid serial on; the page judges it ours or not
            answer = client.get(answer.headers["Location"])
        # A NUL is refused in any request before it reaches a page (pos.core.json_body: 422, "cannot be stored").
        assert answer.status_code == (422 if "%00" in odd else 400), (path, answer.status_code)
        assert "Access-Control-Allow-Origin" in answer.headers and answer.get_data(as_text=True).strip()


def test_scans_of_a_serial_are_counted_per_day_without_addresses(app, users, client, till):
    product, issued = till
    app.config["SCAN_FLUSH_SECONDS"] = 0
    for _ in range(3):
        page(client, product, issued[0])
    page(client, product, issued[1])
    rows = _db.session.execute(
        select(LabelScanDaily.serial, LabelScanDaily.scans).where(LabelScanDaily.serial != "")
    ).all()
    assert sorted(rows) == sorted([(issued[0], 3), (issued[1], 1)])
    assert {c.name for c in LabelScanDaily.__table__.columns} == {
        "id",
        "product_id",
        "lot_code",
        "serial",
        "day",
        "scans",
    }


def test_the_managers_product_page_lists_suspect_labels(app, users, manager_client, till):
    product, issued = till
    app.config["SCAN_FLUSH_SECONDS"] = 0
    record_sale(sale_body(product, issued[0]), users["cashier"])
    today = local_today()
    for days in (1, 2, 3):  # a sold unit's label still scanned day after day: a copy on some shelf
        count_scan(product.id, "D26", today + timedelta(days=days), serial=issued[0])
    count_scan(product.id, "D26", today, serial=issued[1])  # a unit in stock, scanned once: fine
    count_scan(product.id, "D26", today, serial="23456789AB" if "23456789AB" not in issued else "ZZZZZZZZZZ")
    html = manager_client.get(f"/catalog/products/{product.id}").get_data(as_text=True)
    section = html[html.index('id="suspect-labels"') :]
    assert issued[0] in section and "vẫn được quét nhiều ngày sau khi đã bán" in section
    assert "nhãn giả" in section and issued[1] not in section


def test_a_large_receipt_tells_central_its_serials_in_events_central_accepts(app, users, monkeypatch):
    product = make_product(sku="GOM-7", ocop_group="textiles_handicrafts", serialized=True)
    receipt = received(users, product, 7, "G1")
    monkeypatch.setattr(serials, "MAX_SERIALS_ISSUED", 3)
    serials.issue_for_receipt(receipt.id, users["manager"])
    events = [
        json.loads(p) for p in _db.session.scalars(select(OutboxEntry.payload).where(OutboxEntry.kind == "serials"))
    ]
    assert [len(e["units"]) for e in events] == [3, 3, 1]
    assert all(parse_event(e, "TH").kind == "serials" for e in events)


def test_serial_qr_codes_carry_the_bytes_qrcode_itself_would():
    """render.codewords (the fast path of a serial's code) equals qrcode's own create_data, whatever the URL's
    segments (byte, alphanumeric, numeric), and the matrices drawn from them are qrcode's."""
    import random

    import qrcode
    from qrcode import util
    from qrcode.constants import ERROR_CORRECT_M

    from pos.labels import render

    rng = random.Random(19)
    lots = ["D26", "LOT%C3%A2", "12345678901234567890", "ABCDEFGHJKMNPQRSTUVW"]
    urls = [
        f"https://ocop{'x' * rng.randint(0, 40)}.example.vn/01/{rng.randint(10**13, 10**14 - 1)}"
        f"/10/{rng.choice(lots)}/21/{serials.new_serial()}"
        for _ in range(300)
    ] + [f"HTTP://X/01/00000000000000/21/{serials.new_serial()}", "https://a.vn/01/1/21/" + "7" * 60]
    for url in urls:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
        code.add_data(url)
        code.make(fit=True)
        assert render.codewords(code.data_list, code.version) == util.create_data(
            code.version, ERROR_CORRECT_M, code.data_list
        ), url
        fixed = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, box_size=1, mask_pattern=render.SERIAL_MASK)
        fixed.add_data(url)
        fixed.make(fit=True)
        render.qr_matrix.cache_clear()
        render.qr_matrix(url)  # the first of its length finds the version
        assert render.qr_matrix.__wrapped__(url) == tuple(tuple(row) for row in fixed.get_matrix()), url
