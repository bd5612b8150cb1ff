"""What the public page may show about a product (nothing internal: no cost, stock, consignment
terms or staff), and the GS1-Conformant resolver's rules: which links a Digital Link has, which one a
request is sent to, its linkset (RFC 9264) and the resolver description file."""

import time
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from pos.catalog.gs1 import DigitalLink
from pos.catalog.names import STATUS_LABELS
from pos.catalog.ratings import rating_status
from pos.catalog.service import find_by_gtin, latest_rating_id
from pos.core.clock import local_today
from pos.core.errors import NotFound
from pos.core.extensions import db
from pos.labels.serials import SerialState, check_serial, serial_state
from pos.models import Lot, OcopRating, Product, Showroom

GS1_VOC = "https://gs1.org/voc/"
# Link types may be asked for by CURIE (gs1:pip) or by any of the namespaces GS1 has published the vocabulary at.
GS1_NAMESPACES = ("gs1:", "https://gs1.org/voc/", "https://ref.gs1.org/voc/", "https://www.gs1.org/voc/")
LINKSET_TYPE = "application/linkset+json"
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
LANGUAGES = ("vi", "en")
PAGE_PREFIX = "/p"  # the shopper's page for /01/… lives at /p/01/…; the Digital Link itself redirects there
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}


def anchor_url(link: DigitalLink, base: str) -> str:
    """The Digital Link URI itself: what the QR label carries and what a linkset is about."""
    return base + link.path


def page_url(link: DigitalLink, base: str) -> str:
    """The shopper's page for a Digital Link (the default link)."""
    return base + PAGE_PREFIX + link.path


def linkset_url(link: DigitalLink, base: str) -> str:
    return anchor_url(link, base) + "?linkType=linkset"


# --- the page -------------------------------------------------------------------------------------


@dataclass
class PublicView:
    link: DigitalLink
    product: Product
    rating: OcopRating | None
    status: str
    lot: Lot | None
    lot_code: str | None
    lot_expired: bool
    showroom: Showroom | None
    serial: SerialState | None = None  # a serialized unit's label: where that unit stands (never issued: a warning)


def public_view(link: DigitalLink, today: date | None = None, serial: SerialState | None = None) -> PublicView:
    """What the shopper's page shows for a Digital Link. An unknown lot still shows its product (the GS1
    resolver "walks up" from a qualifier it does not know)."""
    today = today or local_today()
    product = find_by_gtin(link.gtin14)
    if product is None or not product.active:
        raise NotFound("This showroom does not sell a product with this code.", code="unknown_product")
    rating = product.rating
    lot = None
    if link.lot:
        lot = db.session.scalar(select(Lot).where(Lot.product_id == product.id, Lot.code == link.lot).order_by(Lot.id))
    showroom = db.session.scalar(select(Showroom).where(Showroom.code == current_app.config["SHOWROOM_CODE"]))
    if link.serial is not None:
        serial = serial or serial_state(check_serial(link.serial))
        if serial.product_id != product.id:  # issued for another product: not this unit's label
            serial = SerialState(link.serial, "never_issued")
    return PublicView(
        link=link,
        product=product,
        rating=rating,
        status=rating_status(rating, today),
        lot=lot,
        lot_code=link.lot,
        lot_expired=bool(lot and lot.expiry_date and lot.expiry_date < today),
        showroom=showroom,
        serial=serial,
    )


def rating_title(rating: OcopRating | None, status: str) -> str:
    """How the page names the rating: its stars while valid, its state otherwise."""
    if rating and status in ("valid", "expiring"):
        return _("%(n)d-star OCOP", n=rating.stars)
    if rating:
        return _("OCOP rating %(status)s", status=STATUS_LABELS[status])
    return _("Not OCOP rated")


def certification_title(rating: OcopRating, status: str) -> str:
    """The certification link's title: a machine reading only the linkset learns that a revoked or expired
    rating is not valid (the product itself stays resolvable: its GTIN is still valid)."""
    if status == "revoked":
        return _("%(n)d-star OCOP rating revoked: not valid", n=rating.stars)
    if status == "expired":
        return _("%(n)d-star OCOP rating expired: not valid", n=rating.stars)
    return _("%(n)d-star OCOP", n=rating.stars)


def describe(link: DigitalLink, name: str) -> str:
    """The linkset's itemDescription for one level of a Digital Link."""
    parts = [name]
    if link.cpv:
        parts.append(_("variant %(code)s", code=link.cpv))
    if link.lot:
        parts.append(_("lot %(code)s", code=link.lot))
    if link.serial:
        parts.append(_("serial %(code)s", code=link.serial))
    return ", ".join(parts)


# --- links and where a request goes ------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    href: str
    title: str = ""
    type: str | None = None
    hreflang: tuple[str, ...] = ()

    def as_json(self) -> dict:
        body = {"href": self.href, "title": self.title}
        if self.type:
            body["type"] = self.type
        if self.hreflang:
            body["hreflang"] = list(self.hreflang)
        return body


@dataclass
class Level:
    """One anchor of the linkset: a Digital Link and its links by GS1 link type ("pip", …). Its default link is
    its "pip" page, given without attributes as the standard requires."""

    link: DigitalLink
    links: dict[str, list[Link]]
    description: str = ""

    @property
    def default(self) -> Link:
        page = self.links["pip"][0]
        return Link(page.href, page.title)


@dataclass(frozen=True)
class Certification:
    title: str
    certificate_url: str | None = None  # the scanned certificate image, if the rating has one


def levels(link: DigitalLink, base: str, name: str = "", certification: Certification | None = None) -> list[Level]:
    """The links of a Digital Link, most specific level first: the page for exactly what was scanned (a lot's
    dates, later a serial's state), then the product's own links (its page and its OCOP certification)."""
    product_link = link.levels()[-1]
    result = []
    if link.qualifiers:
        page = Link(page_url(link, base), describe(link, name), "text/html", LANGUAGES)
        result.append(Level(link, {"pip": [page]}, describe(link, name)))
    product_page = Link(page_url(product_link, base), name, "text/html", LANGUAGES)
    links = {"pip": [product_page]}
    if certification:
        links["certificationInfo"] = [Link(product_page.href + "#rating", certification.title, "text/html", LANGUAGES)]
        if certification.certificate_url:
            extension = certification.certificate_url.rsplit(".", 1)[-1].lower()
            links["certificationInfo"].append(
                Link(certification.certificate_url, certification.title, IMAGE_TYPES.get(extension))
            )
    result.append(Level(product_link, links, name))
    return result


def linkset(levels_: list[Level], base: str) -> dict:
    """The linkset as GS1's linkset schema wants it: per anchor an itemDescription, the link types as full
    URIs, and exactly one default link carrying only href and title."""
    return {
        "linkset": [
            {
                "anchor": anchor_url(level.link, base),
                "itemDescription": level.description,
                **{GS1_VOC + kind: [link.as_json() for link in links] for kind, links in level.links.items()},
                GS1_VOC + "defaultLink": [level.default.as_json()],
            }
            for level in levels_
        ]
    }


def link_type_name(value: str) -> str | None:
    """ "pip" for gs1:pip or any GS1 vocabulary URI of it; None for a link type from another vocabulary."""
    for prefix in GS1_NAMESPACES:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return None if ":" in value else value


def choose(levels_: list[Level], kind: str | None, accept, accept_language) -> Link | None:
    """Where a request goes: the default link when no link type is asked for, else the most specific level's
    links of that type, the one whose media type the client asks for (then its language) first. None when
    there is no link of that type (a 404)."""
    if kind in (None, "", "defaultLink"):
        return levels_[0].default
    for level in levels_:
        candidates = level.links.get(kind)
        if candidates:
            return max(
                candidates, key=lambda link: (_type_quality(link, accept), _language_quality(link, accept_language))
            )
    return None


def _type_quality(link: Link, accept) -> float:
    """How much the client asked for this link's media type by name (a */* asks for nothing in particular)."""
    if not link.type:
        return 0
    major = link.type.split("/")[0]
    return max((q for value, q in accept if value in (link.type, f"{major}/*")), default=0)


def _language_quality(link: Link, accept_language) -> float:
    return max((q for value, q in accept_language if value.split("-")[0].lower() in link.hreflang), default=0)


def product_id_for(gtin14: str) -> int | None:
    """The one indexed lookup a redirect to the shopper's page costs: is this GTIN one of ours? A product found
    is remembered for PUBLIC_PAGE_CACHE_SECONDS, as its page is (a rush of scans of one shelf costs one lookup)."""
    ttl = current_app.config.get("PUBLIC_PAGE_CACHE_SECONDS")
    known = current_app.extensions.setdefault("resolver_known_products", {})
    hit = known.get(gtin14)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    product_id = db.session.scalar(select(Product.id).where(Product.gtin14 == gtin14, Product.active.is_(True)))
    if product_id is not None and ttl:
        if len(known) > 5000:
            known.clear()
        known[gtin14] = (time.monotonic() + ttl, product_id)
    return product_id


def current_rating(gtin14: str) -> tuple[int, OcopRating | None] | None:
    """(product id, current rating or None) for an active product, in one statement; None if unknown."""
    row = db.session.execute(
        select(Product.id, OcopRating)
        .outerjoin(OcopRating, OcopRating.id == latest_rating_id())
        .where(Product.gtin14 == gtin14, Product.active.is_(True))
    ).first()
    return (row[0], row[1]) if row else None


# --- the resolver description file ----------------------------------------------------------------


def resolver_description(base: str, name: str) -> dict:
    """/.well-known/gs1resolver, as GS1's description-file schema defines it."""
    return {
        "name": name,
        "resolverRoot": base,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
        "jsonLdContextLocation": LINKSET_CONTEXT,
    }
