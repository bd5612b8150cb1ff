"""Manager pages of the catalog: the overview, products, producers and ratings, CSV export and import."""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from pos.auth.access import public, role_required
from pos.catalog import bp
from pos.catalog.csv_io import EXPORT_COLUMNS, IMPORT_COLUMNS, export_rows, import_csv
from pos.catalog.media import StoredImage, prepare_image, remove_image, stored_images, upload_dir
from pos.catalog.ratings import STATUSES, rating_status
from pos.catalog.service import (
    PRODUCER_FIELDS,
    PRODUCT_FIELDS,
    add_rating,
    get_product,
    producer_choices,
    save_producer,
    save_product,
    search_products,
    update_rating,
)
from pos.core.clock import local_today
from pos.core.database import atomic, paginate, row_id
from pos.core.errors import DomainError, ValidationError
from pos.core.exports import csv_response
from pos.core.extensions import db
from pos.models import OCOP_GROUPS, PRODUCER_TYPES, RATING_LEVELS, VAT_RATES, OcopRating, Producer, Product


@bp.route("/")
@role_required("manager")
def dashboard():
    horizon = local_today() + timedelta(days=current_app.config["EXPIRING_RATING_DAYS"])
    latest = (
        select(OcopRating.product_id, func.max(OcopRating.decision_date).label("decision_date"))
        .group_by(OcopRating.product_id)
        .subquery()
    )
    due = db.session.scalars(
        select(OcopRating)
        .join(
            latest,
            (OcopRating.product_id == latest.c.product_id) & (OcopRating.decision_date == latest.c.decision_date),
        )
        .where(or_(OcopRating.valid_until <= horizon, OcopRating.revoked_on.is_not(None)))  # revoked ones too
        .options(selectinload(OcopRating.product))
        .order_by(OcopRating.valid_until)
    ).all()
    return render_template(
        "catalog/dashboard.html",
        due=due,
        rating_status=rating_status,
        product_count=db.session.scalar(select(func.count(Product.id))),
    )


@bp.route("/products")
@role_required("manager")
def products():
    term = request.args.get("q", "")[:100]
    group = request.args.get("group") if request.args.get("group") in OCOP_GROUPS else None
    stars = request.args.get("stars", type=int)
    producer_id = row_id(request.args, "producer")
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    pagination = paginate(
        search_products(
            term, group=group, stars=stars if stars in (3, 4, 5) else None, producer_id=producer_id, status=status
        ).options(selectinload(Product.ratings), selectinload(Product.producer)),
        per_page=current_app.config["PAGE_SIZE"],
    )
    return render_template(
        "catalog/products.html",
        pagination=pagination,
        term=term,
        group=group,
        stars=stars,
        producer_id=producer_id,
        **_product_choices(),
        status=status,
        statuses=STATUSES,
        rating_status=rating_status,
    )


def _product_choices() -> dict:
    """What a product can be filed under: the list's filters and the form offer the same producers and groups."""
    return {"producers": producer_choices(), "groups": OCOP_GROUPS}


@bp.app_context_processor
def catalog_labels():
    from pos.catalog.gs1 import display_gtin

    return {
        "display_gtin": display_gtin,
    }


# The product form posts every field of a product; its checkboxes are absent from the form when unticked.
PRODUCT_CHECKBOXES = ("active", "has_expiry", "serialized")
PRODUCT_TEXT_FIELDS = tuple(f for f in PRODUCT_FIELDS if f not in PRODUCT_CHECKBOXES)


@bp.get("/media/<path:filename>", endpoint="media")
@public
def media(filename):
    """Photos and certificate images (public: the shopper's page shows them)."""
    return send_from_directory(upload_dir(), filename, max_age=86400)


def _with_image_error(save, image_error: ValidationError | None):
    """Run the form's save, then refuse for the image too, so every bad field is marked at once."""
    try:
        saved = save()
    except DomainError as error:
        if image_error:
            error.field_texts |= image_error.field_texts
            error.fields |= image_error.fields
        raise
    if image_error:
        raise image_error
    return saved


def _product_form(product, values, errors, status=200):
    return render_template(
        "catalog/product_form.html",
        product=product,
        values=values,
        errors=errors,
        **_product_choices(),
        vat_rates=VAT_RATES,
    ), status


@bp.route("/products/new", methods=["GET", "POST"], endpoint="product_new")
@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"], endpoint="product_edit")
@role_required("manager")
def product_form(product_id=None):
    product = get_product(product_id) if product_id else None
    if request.method == "POST":
        data = {f: request.form.get(f, "") for f in PRODUCT_TEXT_FIELDS} | {
            f: f in request.form for f in PRODUCT_CHECKBOXES
        }
        try:
            photo, photo_error = prepare_image(request.files.get("photo"), "photo"), None
        except ValidationError as error:
            photo, photo_error = None, error
        replaced = product.photo if product else None
        try:
            with stored_images(photo), atomic():  # the product and its photo together, or neither
                saved = _with_image_error(lambda: save_product(data, product), photo_error)
                saved.photo = photo.name if photo else saved.photo
        except DomainError as error:
            return _product_form(product, data, error.field_messages or {"form": error.message}, 422)
        if photo and replaced:
            remove_image(replaced)
        flash(_("Product saved."), "success")
        return redirect(url_for("catalog.product_detail", product_id=saved.id))
    values = {f: getattr(product, f) for f in PRODUCT_FIELDS} if product else {"vat_rate": 8, "active": True}
    return _product_form(product, values, {})


SUSPECT_REASON_LABELS = {
    "never_issued": _l("scanned here, but this showroom never issued it for this product: a fake label"),
    "scanned_after_sale": _l("still scanned on many days after it was sold: a copy of the label may be in use"),
    "many_scans": _l("scanned more often than a unit on a shelf is: a copy of the label may be in use"),
}


@bp.get("/products/<int:product_id>", endpoint="product_detail")
@role_required("manager")
def product_detail(product_id):
    return _product_page(get_product(product_id))


def _product_page(product, rating_values=None, rating_errors=None, status=200):
    # On call: the labels area builds on the catalog (its service reads products), not the other way round.
    from pos.labels.serials import product_suspects

    return render_template(
        "catalog/product_detail.html",
        product=product,
        rating_status=rating_status,
        levels=RATING_LEVELS,
        photo=StoredImage.from_name(product.photo) if product.photo else None,
        values=rating_values or {"stars": "4"},
        errors=rating_errors or {},
        suspects=product_suspects(product.id),
        suspect_reasons=SUSPECT_REASON_LABELS,
    ), status


@bp.post("/products/<int:product_id>/ratings", endpoint="rating_add")
@role_required("manager")
def rating_add(product_id):
    product = get_product(product_id)
    data = dict(request.form) | {"potential_5_star": "potential_5_star" in request.form}
    try:
        image, image_error = prepare_image(request.files.get("certificate_image"), "certificate_image"), None
    except ValidationError as error:
        image, image_error = None, error
    try:
        with stored_images(image), atomic():  # the rating and its certificate image together, or neither
            rating = _with_image_error(lambda: add_rating(product, data), image_error)
            rating.certificate_image = image.name if image else None
    except DomainError as error:
        return _product_page(product, data, error.field_messages or {"form": error.message}, 422)
    flash(_("Rating added."), "success")
    return redirect(url_for("catalog.product_detail", product_id=product_id))


@bp.post("/ratings/<int:rating_id>/revoke", endpoint="rating_revoke")
@role_required("manager")
def rating_revoke(rating_id):
    rating = db.session.get(OcopRating, rating_id) or abort(404)
    data = {
        f: getattr(rating, f)
        for f in ("stars", "potential_5_star", "level", "score", "decision_no", "decision_date", "certificate_no")
    }
    data |= {"revoked_on": request.form.get("revoked_on", ""), "revoked_reason": request.form.get("revoked_reason", "")}
    try:
        update_rating(rating, data)
        flash(_("Rating revoked."), "success")
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for("catalog.product_detail", product_id=rating.product_id))


@bp.get("/producers", endpoint="producers")
@role_required("manager")
def producers():
    rows = db.session.scalars(select(Producer).order_by(Producer.name)).all()
    return render_template("catalog/producers.html", producers=rows)


@bp.route("/producers/new", methods=["GET", "POST"], endpoint="producer_new")
@bp.route("/producers/<int:producer_id>/edit", methods=["GET", "POST"], endpoint="producer_edit")
@role_required("manager")
def producer_form(producer_id=None):
    producer = db.session.get(Producer, producer_id) if producer_id else None
    if producer_id and producer is None:
        abort(404)
    errors, values = {}, ({f: getattr(producer, f) for f in PRODUCER_FIELDS} if producer else {"type": "cooperative"})
    if request.method == "POST":
        values = {f: request.form.get(f, "") for f in PRODUCER_FIELDS}
        try:
            save_producer(values, producer)
            flash(_("Producer saved."), "success")
            return redirect(url_for("catalog.producers"))
        except DomainError as error:
            errors = error.field_messages or {"form": error.message}
    return render_template(
        "catalog/producer_form.html", producer=producer, values=values, errors=errors, types=PRODUCER_TYPES
    ), (422 if errors else 200)


MAX_CSV_BYTES = 2 * 1024 * 1024


@bp.get("/export.csv")
@role_required("manager")
def export():
    return csv_response("ocop-catalog", list(EXPORT_COLUMNS), export_rows())


@bp.route("/import", methods=["GET", "POST"])
@role_required("manager")
def import_page():
    result, problem = None, None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problem = _("file: choose a .csv file")
        elif not upload.filename.lower().endswith(".csv"):
            problem = _("file: '%(name)s' is not a .csv file", name=upload.filename)
        else:
            data = upload.read(MAX_CSV_BYTES + 1)
            problem = _("file: larger than 2 MB") if len(data) > MAX_CSV_BYTES else None
            result = None if problem else import_csv(data)
    status = 422 if problem or (result and result.errors) else 200
    return render_template("catalog/import.html", result=result, problem=problem, columns=IMPORT_COLUMNS), status
