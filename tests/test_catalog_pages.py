"""Manager catalog pages: creating and editing with clear refusals, filters, audit."""

import io

import pytest
from sqlalchemy import func, select

from pos.core.clock import local_today
from pos.models import AuditEntry, OcopRating, Product
from tests.conftest import make_producer, make_product, product_form


def count(db, model):
    return db.session.scalar(select(func.count(model.id)))


def test_create_a_product_gets_an_in_store_code_and_an_audit_entry(manager_client, db):
    producer = make_producer()
    response = manager_client.post("/catalog/products/new", data=product_form(producer.id))
    assert response.status_code == 302
    product = db.session.scalar(select(Product).where(Product.sku == "NEW-1"))
    assert product.gtin.startswith("20") and product.price == 150_000
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "product").order_by(AuditEntry.id.desc()))
    assert entry.action == "create" and entry.username == "manager" and entry.after["sku"] == "NEW-1"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"sku": ""}, "sku"),
        ({"gtin": "8936012340014"}, "gtin"),
        ({"price": "-5"}, "price"),
        ({"price": "12.5x"}, "price"),
        ({"vat_rate": "7"}, "vat_rate"),
        ({"producer_id": "99999"}, "producer_id"),
        ({"ocop_group": "sweets"}, "ocop_group"),
    ],
)
def test_bad_product_input_names_the_field_and_saves_nothing(manager_client, db, overrides, field):
    producer = make_producer()
    response = manager_client.post("/catalog/products/new", data=product_form(producer.id, **overrides))
    assert response.status_code == 422
    assert f'name="{field}"' in response.get_data(as_text=True)
    assert 'class="error-text"' in response.get_data(as_text=True)
    assert count(db, Product) == 0


def test_a_photo_must_be_a_real_image(manager_client, db):
    producer = make_producer()
    data = product_form(producer.id) | {"photo": (io.BytesIO(b"<?php echo 1; ?>"), "photo.jpg")}
    response = manager_client.post("/catalog/products/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "không phải là ảnh" in response.get_data(as_text=True)
    assert count(db, Product) == 0


def test_edit_keeps_history_in_the_audit_log(manager_client, db):
    product = make_product(price=100_000)
    values = {
        f: getattr(product, f) for f in ("sku", "gtin", "name_vi", "ocop_group", "unit", "vat_rate", "producer_id")
    } | {"price": "120000", "active": "y"}
    assert manager_client.post(f"/catalog/products/{product.id}/edit", data=values).status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update", AuditEntry.entity == "product"))
    assert entry.before["price"] == 100_000 and entry.after["price"] == 120_000


def test_revoking_a_rating_changes_its_status_and_the_filter_finds_it(manager_client, db):
    product = make_product(sku="REV-1")
    make_product(sku="OK-1")
    rating = db.session.scalar(select(OcopRating).where(OcopRating.product_id == product.id))
    refused = manager_client.post(
        f"/catalog/ratings/{rating.id}/revoke", data={"revoked_on": "2026-01-01"}, follow_redirects=True
    )
    assert "revoked_reason" in refused.get_data(as_text=True)
    manager_client.post(
        f"/catalog/ratings/{rating.id}/revoke",
        data={"revoked_on": local_today().isoformat(), "revoked_reason": "Không đạt chỉ tiêu"},
    )
    page = manager_client.get("/catalog/products?status=revoked").get_data(as_text=True)
    assert "REV-1" in page and "OK-1" not in page
    assert "OK-1" in manager_client.get("/catalog/products?status=valid").get_data(as_text=True)


def test_bad_producer_input(manager_client, db):
    response = manager_client.post("/catalog/producers/new", data={"name": "HTX Mới", "type": "cooperative"})
    assert response.status_code == 422 and "tax_code" in response.get_data(as_text=True)
    ok = manager_client.post("/catalog/producers/new", data={"name": "Hộ Bà Tư", "type": "household"})
    assert ok.status_code == 302


def test_a_real_photo_is_stored_with_the_product(manager_client, db, app):
    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(image, format="PNG")
    image.seek(0)
    producer = make_producer()
    response = manager_client.post(
        "/catalog/products/new",
        data=product_form(producer.id) | {"photo": (image, "che.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    product = db.session.scalar(select(Product).where(Product.sku == "NEW-1"))
    assert product.photo and product.photo.endswith("-8x8.jpg")  # re-encoded: see tests/test_uploads.py
    assert manager_client.get(f"/catalog/media/{product.photo}").data.startswith(b"\xff\xd8")
