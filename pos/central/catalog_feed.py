"""The master catalog, as showrooms pull it: producers, products and ratings changed since a cursor.

The cursor is the newest `updated_at` sent. Rows changed at exactly the cursor are sent again next
time (a showroom applies them idempotently), so a change committed in the same instant is never missed."""

from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from pos.core.errors import ValidationError
from pos.core.extensions import db
from pos.models import OcopRating, Producer, Product


def parse_cursor(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.rstrip("Z"))
    except ValueError:
        raise ValidationError(
            "'since' must be a cursor returned by this endpoint (an ISO time).", fields={"since": "invalid"}
        ) from None


def _iso(value):
    return value.isoformat() if value else None


def catalog_changes(since: datetime | None) -> dict:
    def changed(model):
        query = select(model).order_by(model.updated_at, model.id)
        return db.session.scalars(query if since is None else query.where(model.updated_at >= since)).all()

    producers, products, ratings = changed(Producer), changed(Product), changed(OcopRating)
    newest = [row.updated_at for rows in (producers, products, ratings) for row in rows[-1:]]
    cursor = max(newest) if newest else since
    if cursor is None:
        cursor = db.session.scalar(select(func.max(Product.updated_at)))
    return {
        "cursor": _iso(cursor),
        "local_prices_allowed": current_app.config["CENTRAL_LOCAL_PRICES"],
        "producers": [
            {
                "name": p.name,
                "type": p.type,
                "tax_code": p.tax_code,
                "address": p.address,
                "ward": p.ward,
                "district": p.district,
                "province": p.province,
                "phone": p.phone,
                "collective_trademark": p.collective_trademark,
            }
            for p in producers
        ],
        "products": [
            {
                "sku": p.sku,
                "gtin": p.gtin,
                "name_vi": p.name_vi,
                "name_en": p.name_en,
                "ocop_group": p.ocop_group,
                "unit": p.unit,
                "price": p.price,
                "vat_rate": p.vat_rate,
                "producer": p.producer.name,
                "description_vi": p.description_vi,
                "description_en": p.description_en,
                "applied_standard": p.applied_standard,
                "portal_url": p.portal_url,
                "active": p.active,
                "has_expiry": p.has_expiry,
            }
            for p in products
        ],
        "ratings": [
            {
                "sku": r.product.sku,
                "stars": r.stars,
                "potential_5_star": r.potential_5_star,
                "level": r.level,
                "score": r.score,
                "decision_no": r.decision_no,
                "decision_date": _iso(r.decision_date),
                "certificate_no": r.certificate_no,
                "valid_until": _iso(r.valid_until),
                "revoked_on": _iso(r.revoked_on),
                "revoked_reason": r.revoked_reason,
            }
            for r in ratings
        ],
    }
