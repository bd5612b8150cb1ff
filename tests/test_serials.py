"""Serialized labels (issue 19, part 2): serials issued with a goods receipt's labels, one per unit, printed on A4
sheets and thermal labels; what the till, the shopper's page and central make of them."""

import re
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from pos.inventory.receipts import create_receipt, post_receipt
from pos.labels import serials
from pos.labels.render import render_png
from pos.models import Serial
from tests.conftest import make_product
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
