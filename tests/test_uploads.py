"""Every upload route refuses images a phone or the server could choke on, and keeps no file of a refused form.

The routes are found by walking the URL map: a view that reads `request.files`, and every form with a file input
on any page a manager can open. A new upload route is tested here without being listed."""

import functools
import inspect
import io
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from conftest import html_pages, make_product, product_form
from PIL import Image
from sqlalchemy import func, select

from pos.core.extensions import db as _db

# --- images ------------------------------------------------------------------------------------------------------


def png(width, height, mode="1") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), 1 if mode == "1" else "white").save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@functools.cache
def bad_images() -> dict[str, bytes]:
    return {
        "bomb-20000x20000.png": png(20000, 20000),  # Pillow's own bomb check fires: was a 500
        "huge-10000x10000.png": png(10000, 10000),  # 12 KB that decodes to 100 megapixels: was accepted
        "tall-100x9000.png": png(100, 9000),  # within the pixel count, not within a side
        "truncated.png": png(400, 400, "RGB")[:200],
        "script.jpg": b"<?php echo 1; ?>",
    }


def camera_photo() -> bytes:
    """A 4000×3000 JPEG as a phone takes it: rotated by its EXIF orientation, with GPS, a camera and a comment."""
    image = Image.radial_gradient("L").resize((4000, 3000)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    exif[0x010F] = "PhoneMaker"  # make
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 50.0), 3: "E", 4: (105.0, 51.0, 0.0)}  # GPS: Hà Nội
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=70, exif=exif, comment=b"secret note")
    return buffer.getvalue()


def stored_files(app) -> list[str]:
    folder = app.config["UPLOAD_DIR"]
    import os

    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def row_counts() -> dict[str, int]:
    return {
        table.name: _db.session.scalar(select(func.count()).select_from(table)) for table in _db.metadata.sorted_tables
    }


# --- finding the upload routes -----------------------------------------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page with their fields' default values; only forms holding a file input are kept."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "action": a.get("action") or "",
                "method": (a.get("method") or "get").lower(),
                "fields": {},
                "files": {},
            }
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind == "file":
                self._form["files"][a["name"]] = a.get("accept") or ""
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"][a["name"]] = a.get("value") or "on"
            elif kind not in ("submit", "button"):
                self._form["fields"][a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            value = a.get("value")
            if self._select not in self._form["fields"] or "selected" in a:
                self._form["fields"][self._select] = value if value is not None else ""
                self._option_without_value = value is None
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._form["fields"][self._textarea] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data
        elif self._form is not None and self._select and getattr(self, "_option_without_value", False):
            self._form["fields"][self._select] = data.strip()

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            if self._form["files"]:
                self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option_without_value = False
        elif tag == "textarea":
            self._textarea = None


def routes_reading_files(app) -> set[str]:
    """Endpoints whose view reads request.files or prepares an uploaded image (decorators unwrapped)."""
    found = set()
    for endpoint, view in app.view_functions.items():
        try:
            source = inspect.getsource(inspect.unwrap(view))
        except (OSError, TypeError):
            continue
        if "request.files" in source or "prepare_image(" in source:
            found.add(endpoint)
    return found


def file_forms(app, client) -> list[tuple[str, str, dict]]:
    """(endpoint, page URL, form) for every form with a file input on every page a manager can open; the ids in
    URLs are those of the one product, producer and rating the test made."""
    adapter = app.url_map.bind("localhost")
    pages = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "catalog.media"):
            continue
        if any(
            not isinstance(rule._converters[name], type(app.url_map.converters["int"](app.url_map)))
            for name in rule.arguments
        ):
            continue
        pages.add(adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1)))
    found = []
    for page, html in html_pages(client, sorted(pages)):
        parser = Forms()
        parser.feed(html)
        for form in parser.forms:
            action = urlsplit(form["action"]).path or page
            endpoint, _args = adapter.match(action, method="POST")
            found.append((endpoint, page, form | {"action": action}))
    return found


@pytest.fixture
def catalog(app, users):
    product = make_product()
    assert product.id == 1 and product.producer_id == 1 and product.rating.id == 1
    return product


def test_every_upload_route_has_a_form_this_test_submits(app, manager_client, catalog):
    reading = routes_reading_files(app)
    forms = {endpoint for endpoint, _page, _form in file_forms(app, manager_client)}
    assert {"catalog.product_new", "catalog.product_edit", "catalog.rating_add", "catalog.import_page"} <= reading
    assert reading <= forms, f"upload routes without a form found on any page: {sorted(reading - forms)}"


def test_every_upload_route_refuses_oversized_and_broken_images_and_keeps_nothing(app, manager_client, catalog):
    tried = []
    for endpoint, page, form in file_forms(app, manager_client):
        for field, accept in form["files"].items():
            for filename, data in bad_images().items():
                before = row_counts()
                upload = {field: (io.BytesIO(data), filename)}
                others = {name: (io.BytesIO(b""), "") for name in form["files"] if name != field}
                response = manager_client.post(
                    form["action"], data=form["fields"] | upload | others, content_type="multipart/form-data"
                )
                where = f"{endpoint} ({page}) {field} ← {filename}"
                assert response.status_code < 500, where
                assert stored_files(app) == [], where
                assert row_counts() == before, where
                if "image/" in accept:  # an image field: refused on the form, next to the field
                    assert response.status_code == 422, where
                    parser = Forms()
                    parser.feed(response.get_data(as_text=True))
                    html = response.get_data(as_text=True)
                    marked = html.split(f'name="{field}"', 1)[1].split("</label>", 1)[0]
                    assert "aria-invalid=true" in marked and 'class="error-text"' in marked, where
                tried.append(where)
    assert len(tried) >= 4 * len(bad_images())


def test_the_refusal_names_the_size_and_the_bounds(app, manager_client, catalog):
    for filename, expected in (("huge-10000x10000.png", "10000×10000"), ("bomb-20000x20000.png", "400 megapixel")):
        response = manager_client.post(
            "/catalog/products/1/ratings",
            data={
                "stars": "4",
                "level": "province",
                "decision_no": "QĐ-1",
                "decision_date": "2026-01-05",
                "certificate_image": (io.BytesIO(bad_images()[filename]), filename),
            },
            content_type="multipart/form-data",
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and expected in html and "8000" in html, filename
        assert 'value="QĐ-1"' in html  # what was typed is kept


def test_rejected_forms_with_a_good_photo_leave_no_file_behind(app, manager_client, catalog):
    for _attempt in range(5):
        response = manager_client.post(
            "/catalog/products/new",
            data=product_form(1, sku=catalog.sku, photo=(io.BytesIO(camera_photo()), "photo.jpg")),
            content_type="multipart/form-data",
        )
        assert response.status_code == 422 and "sku" in response.get_data(as_text=True)
    assert stored_files(app) == []


def test_a_photo_is_stored_rotated_without_metadata_at_the_sizes_pages_show(app, manager_client, client, catalog, db):
    from pos.models import Product

    response = manager_client.post(
        "/catalog/products/new",
        data=product_form(1, photo=(io.BytesIO(camera_photo()), "IMG_0001.jpg")),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    product = db.session.scalar(select(Product).where(Product.sku == "NEW-1"))
    phone, thumb = product.photo, product.photo.replace(".jpg", "-thumb.jpg")
    assert sorted(stored_files(app)) == sorted([phone, thumb])
    for name, size in ((phone, (1080, 1440)), (thumb, (320, 427))):  # portrait: EXIF said to rotate
        data = manager_client.get(f"/catalog/media/{name}").data
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG" and image.size == size, name
            assert not image.getexif() and "comment" not in image.info and "icc_profile" not in image.info
        assert b"PhoneMaker" not in data and b"secret note" not in data
        assert len(data) < 300_000, (name, len(data))
    page = client.get(f"/01/{product.gtin14}", follow_redirects=True).get_data(as_text=True)
    assert f'srcset="/catalog/media/{thumb} 320w, /catalog/media/{phone} 1080w"' in page
    assert 'width="1080" height="1440"' in page
    detail = manager_client.get(f"/catalog/products/{product.id}").get_data(as_text=True)
    assert f'src="/catalog/media/{thumb}" width="320" height="427"' in detail


def test_a_replaced_photo_leaves_no_old_files(app, manager_client, catalog, db):
    from pos.models import Product

    edit = {
        f: getattr(catalog, f)
        for f in ("sku", "gtin", "name_vi", "ocop_group", "unit", "price", "vat_rate", "producer_id")
    } | {"active": "y"}
    for colour in ("red", "blue"):
        image = io.BytesIO()
        Image.new("RGB", (1600, 1200), colour).save(image, format="PNG")
        response = manager_client.post(
            f"/catalog/products/{catalog.id}/edit",
            content_type="multipart/form-data",
            data=edit | {"photo": (io.BytesIO(image.getvalue()), f"{colour}.png")},
        )
        assert response.status_code == 302
    photo = db.session.get(Product, catalog.id).photo
    assert photo.endswith("-1080x810.jpg")
    assert sorted(stored_files(app)) == sorted([photo, photo.replace(".jpg", "-thumb.jpg")])


def test_images_stored_before_re_encoding_are_re_encoded_or_removed_by_the_cli(app, runner, catalog, db):
    import os

    from pos.models import OcopRating, Product

    folder = app.config["UPLOAD_DIR"]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "old-photo.jpg"), "wb") as f:
        f.write(camera_photo())
    with open(os.path.join(folder, "old-cert.png"), "wb") as f:
        f.write(bad_images()["huge-10000x10000.png"])
    from pos.core.database import atomic

    with atomic():
        db.session.get(Product, catalog.id).photo = "old-photo.jpg"
        db.session.get(OcopRating, 1).certificate_image = "old-cert.png"
    dry = runner.invoke(args=["catalog", "reencode-images", "--dry-run"])
    assert dry.exit_code == 0 and "1 image(s) would be re-encoded, 1 would be refused" in dry.output
    assert sorted(stored_files(app)) == ["old-cert.png", "old-photo.jpg"]
    result = runner.invoke(args=["catalog", "reencode-images"])
    assert result.exit_code == 0, result.output
    assert "old-cert.png: certificate_image: the image is 10000×10000 pixels" in result.output
    db.session.expire_all()
    photo = db.session.get(Product, catalog.id).photo
    assert photo.endswith("-1080x1440.jpg") and db.session.get(OcopRating, 1).certificate_image is None
    assert sorted(stored_files(app)) == sorted([photo, photo.replace(".jpg", "-thumb.jpg")])
    again = runner.invoke(args=["catalog", "reencode-images"])
    assert "0 image(s) were re-encoded, 0 were refused and removed, 0 missing." in again.output
