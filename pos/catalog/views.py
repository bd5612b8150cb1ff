from datetime import timedelta

from flask import current_app, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from pos.auth.access import role_required
from pos.catalog import bp
from pos.catalog.ratings import STATUSES, rating_status
from pos.catalog.service import search_products
from pos.core.clock import local_today
from pos.core.database import paginate, row_id
from pos.core.extensions import db
from pos.models import OCOP_GROUPS, OcopRating, Producer, Product


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
        .where(OcopRating.valid_until <= horizon, OcopRating.revoked_on.is_(None))
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
    producers = db.session.execute(select(Producer.id, Producer.name).order_by(Producer.name)).all()
    return render_template(
        "catalog/products.html",
        pagination=pagination,
        term=term,
        group=group,
        stars=stars,
        producer_id=producer_id,
        producers=producers,
        groups=OCOP_GROUPS,
        status=status,
        statuses=STATUSES,
        rating_status=rating_status,
    )


@bp.app_context_processor
def catalog_labels():
    from pos.catalog import names as labels
    from pos.catalog.gs1 import display_gtin

    return {
        "GROUP_LABELS": labels.GROUP_LABELS,
        "PRODUCER_TYPE_LABELS": labels.PRODUCER_TYPE_LABELS,
        "LEVEL_LABELS": labels.LEVEL_LABELS,
        "STATUS_LABELS": labels.STATUS_LABELS,
        "display_gtin": display_gtin,
    }
