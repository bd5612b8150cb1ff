"""What the public page may show about a product (nothing internal: no cost, stock, consignment
terms or staff), and its GS1 link set (RFC 9264)."""

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from pos.catalog import gs1
from pos.catalog.ratings import rating_status
from pos.catalog.service import find_by_gtin
from pos.core.clock import local_today
from pos.core.errors import InvalidBarcode, NotFound
from pos.core.extensions import db
from pos.models import Lot, OcopRating, Product, Showroom

GS1_VOC = "https://gs1.org/voc/"


@dataclass(frozen=True)
class Resolved:
    gtin14: str
    lot_code: str | None
    redirect: bool  # the path had a GTIN-8/12/13: answer with its GTIN-14 form


def parse_path(code: str, lot: str | None) -> Resolved:
    """Checks the codes of a Digital Link path. Raises InvalidBarcode (a 400) whose code is the reason."""
    if not (code.isascii() and code.isdigit()):
        raise InvalidBarcode("A product code has digits only.", code="not_numeric")
    if len(code) not in gs1.GTIN_LENGTHS:
        raise InvalidBarcode("A product code (GTIN) has 8, 12, 13 or 14 digits.", code="wrong_length")
    if not gs1.is_valid_gtin(code):
        raise InvalidBarcode(
            "This product code is not valid: its last digit does not match. The label may be damaged or mistyped.",
            code="check_digit",
        )
    if lot is not None and not (0 < len(lot) <= gs1.MAX_LOT_LENGTH):
        raise InvalidBarcode(
            "The lot code is too long (at most %(max)d characters).", max=gs1.MAX_LOT_LENGTH, code="lot_length"
        )
    return Resolved(code.zfill(14), lot, len(code) != 14)


@dataclass
class PublicView:
    product: Product
    rating: OcopRating | None
    status: str
    lot: Lot | None
    lot_code: str | None
    lot_expired: bool
    showroom: Showroom | None


def public_view(gtin14: str, lot_code: str | None, today: date | None = None) -> PublicView:
    today = today or local_today()
    product = find_by_gtin(gtin14)
    if product is None or not product.active:
        raise NotFound("This showroom does not sell a product with this code.", code="unknown_product")
    rating = product.rating
    lot = None
    if lot_code:
        lot = db.session.scalar(select(Lot).where(Lot.product_id == product.id, Lot.code == lot_code).order_by(Lot.id))
    showroom = db.session.scalar(select(Showroom).where(Showroom.code == current_app.config["SHOWROOM_CODE"]))
    return PublicView(
        product=product,
        rating=rating,
        status=rating_status(rating, today),
        lot=lot,
        lot_code=lot_code,
        lot_expired=bool(lot and lot.expiry_date and lot.expiry_date < today),
        showroom=showroom,
    )


def linkset(
    anchor: str, page_url: str, title: str, rating_title: str, certificate_url: str | None, languages=("vi", "en")
) -> dict:
    """The product's links as an RFC 9264 linkset; exactly one default link (the product page)."""
    page = {"href": page_url, "title": title, "type": "text/html", "hreflang": list(languages)}
    certification = [
        {"href": page_url + "#rating", "title": rating_title, "type": "text/html", "hreflang": list(languages)}
    ]
    if certificate_url:
        certification.append({"href": certificate_url, "title": rating_title, "type": "image/*"})
    return {
        "linkset": [
            {
                "anchor": anchor,
                GS1_VOC + "pip": [page],
                GS1_VOC + "certificationInfo": certification,
                GS1_VOC + "defaultLink": [dict(page)],
            }
        ]
    }
