"""Central → showroom: apply the master catalog's changes (pos.central.catalog_feed) in one transaction.

Producers are matched by name, products by SKU, ratings by product and decision number. A rating
revoked centrally is revoked here on the next pull, so the till stops selling the product as OCOP.
Prices: when central allows local prices, a product already known here keeps its local price.
In-store codes (prefix 20–29) are local: a pulled product whose in-store code is already another
product's here gets the next free one. A real GTIN held here by another SKU is a data error: that
product is skipped and named in the sync page's last error; the rest of the catalog still applies."""

import logging
from datetime import date

from sqlalchemy import select

from pos.catalog import gs1
from pos.catalog.service import next_in_store_code, search_text_for
from pos.core.audit import record_audit
from pos.core.database import atomic
from pos.core.errors import DomainError
from pos.core.extensions import db
from pos.core.state import get_state, set_state
from pos.models import OcopRating, Producer, Product
from pos.sync.client import CentralClient, CentralUnavailable

log = logging.getLogger(__name__)
PRODUCER_FIELDS = ("type", "tax_code", "address", "ward", "district", "province", "phone", "collective_trademark")
PRODUCT_FIELDS = (
    "gtin",
    "name_vi",
    "name_en",
    "ocop_group",
    "unit",
    "vat_rate",
    "description_vi",
    "description_en",
    "applied_standard",
    "portal_url",
    "active",
    "has_expiry",
)
RATING_FIELDS = ("stars", "potential_5_star", "level", "score", "certificate_no", "revoked_reason")


def _date(value):
    return date.fromisoformat(value) if value else None


def pull_catalog(client: CentralClient | None = None) -> int:
    """Fetch and apply the changes since the stored cursor; returns how many rows changed here."""
    client = client or CentralClient.from_config()
    changes = client.catalog(get_state("catalog_cursor") or None)
    try:
        return apply_catalog(changes)
    except (KeyError, TypeError, ValueError, DomainError) as problem:
        raise CentralUnavailable(f"central's catalog could not be applied: {problem}") from None


def apply_catalog(changes: dict) -> int:
    changed = 0
    with atomic():
        producers = {p.name: p for p in db.session.scalars(select(Producer))}
        for data in changes["producers"]:
            producer = producers.get(data["name"])
            if producer is None:
                producer = producers[data["name"]] = Producer(name=data["name"])
                db.session.add(producer)
            changed += _assign(producer, data, PRODUCER_FIELDS)
        db.session.flush()

        products = {
            p.sku: p
            for p in db.session.scalars(select(Product).where(Product.sku.in_([d["sku"] for d in changes["products"]])))
        }
        skipped = []
        for data in changes["products"]:
            product, is_new = products.get(data["sku"]), data["sku"] not in products
            holder = db.session.scalar(
                select(Product.sku).where(Product.gtin14 == gs1.to_gtin14(data["gtin"]), Product.sku != data["sku"])
            )
            if holder and gs1.is_in_store(data["gtin"]):
                data = data | {"gtin": product.gtin if product else next_in_store_code()}
            elif holder:
                skipped.append(f"{data['sku']} (GTIN {data['gtin']} is {holder}'s here)")
                continue
            if is_new:
                product = products[data["sku"]] = Product(sku=data["sku"])
                db.session.add(product)
            fields = PRODUCT_FIELDS if (changes["local_prices_allowed"] and not is_new) else (*PRODUCT_FIELDS, "price")
            changed += _assign(product, data, fields)
            producer = producers[data["producer"]]
            if product.producer_id != producer.id:
                product.producer_id, changed = producer.id, changed + 1
            product.gtin14 = gs1.to_gtin14(product.gtin)
            product.search_text = search_text_for(product, producer)
        db.session.flush()

        skus = {d["sku"] for d in changes["ratings"]}
        by_sku = {p.sku: p for p in db.session.scalars(select(Product).where(Product.sku.in_(skus)))}
        for data in changes["ratings"]:
            product = by_sku.get(data["sku"])
            if product is None:  # its product was skipped above
                continue
            rating = db.session.scalar(
                select(OcopRating).where(
                    OcopRating.product_id == product.id, OcopRating.decision_no == data["decision_no"]
                )
            )
            if rating is None:
                rating = OcopRating(product_id=product.id, decision_no=data["decision_no"])
                db.session.add(rating)
            was_revoked = rating.revoked_on
            changed += _assign(rating, data, RATING_FIELDS)
            changed += _assign(
                rating,
                {k: _date(data[k]) for k in ("decision_date", "valid_until", "revoked_on")},
                ("decision_date", "valid_until", "revoked_on"),
            )
            if rating.revoked_on and not was_revoked:
                record_audit(
                    "revoke", "rating", rating.id, note=f"revoked centrally: {product.sku} ({rating.revoked_reason})"
                )
        set_state("catalog_cursor", changes["cursor"] or "")
        if skipped:
            set_state("last_error", "catalog: not applied: " + "; ".join(skipped))
            log.warning("sync: catalog products not applied: %s", "; ".join(skipped))
    return changed


def _assign(row, data: dict, fields) -> int:
    """Copy the fields that differ; how many did."""
    count = 0
    for field in fields:
        if field in data and getattr(row, field, None) != data[field]:
            setattr(row, field, data[field])
            count += 1
    return count
