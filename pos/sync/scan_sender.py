"""Showroom → central: the label-scan counts (pos.labels.scan_counts) of the days that may have changed since the
last send, sent beside the catalog pull. Running totals, not increments: central keeps the latest total, so
a resend after a lost answer is harmless."""

from sqlalchemy import func, select

from pos.core.database import atomic
from pos.core.extensions import db
from pos.core.state import get_state, set_state
from pos.models import LabelScanDaily, Producer, Product
from pos.sync.client import CentralClient

ROWS_PER_REQUEST = 5_000


def scan_totals(since=None) -> list[dict]:
    """Per local day and product, from `since` on: the total scans and the product as a sale line describes it."""
    query = (
        select(
            LabelScanDaily.day,
            Product.sku,
            Product.gtin14,
            Product.name_vi,
            Product.ocop_group,
            Producer.name,
            Producer.tax_code,
            func.sum(LabelScanDaily.scans),
        )
        .join(Product, Product.id == LabelScanDaily.product_id)
        .join(Producer, Producer.id == Product.producer_id)
        .group_by(LabelScanDaily.day, Product.id, Producer.id)
        .order_by(LabelScanDaily.day, Product.sku)
    )
    if since:
        query = query.where(LabelScanDaily.day >= since)
    serials = _serial_totals(since)
    return [
        {
            "day": day,
            "sku": sku,
            "gtin": gtin,
            "name_vi": name,
            "ocop_group": group,
            "producer": producer,
            "producer_tax_code": tax_code or "",
            "scans": int(scans),
            "serials": serials.get((day, sku), []),
        }
        for day, sku, gtin, name, group, producer, tax_code, scans in db.session.execute(query)
    ]


def _serial_totals(since=None) -> dict:
    """(day, sku) → the serialized units' scans of that product that day: [{"serial", "scans"}]."""
    query = (
        select(LabelScanDaily.day, Product.sku, LabelScanDaily.serial, func.sum(LabelScanDaily.scans))
        .join(Product, Product.id == LabelScanDaily.product_id)
        .where(LabelScanDaily.serial != "")
        .group_by(LabelScanDaily.day, Product.sku, LabelScanDaily.serial)
        .order_by(LabelScanDaily.day, Product.sku, LabelScanDaily.serial)
    )
    if since:
        query = query.where(LabelScanDaily.day >= since)
    totals: dict = {}
    for day, sku, serial, scans in db.session.execute(query):
        totals.setdefault((day, sku), []).append({"serial": serial, "scans": int(scans)})
    return totals


def push_scans(client: CentralClient | None = None) -> int:
    """Send the totals of every day from the last one sent (it may have grown since), whole days at a time;
    returns the rows sent. Raises CentralUnavailable; the bookmark moves only past what central took."""
    client = client or CentralClient.from_config()
    by_day: dict[str, list[dict]] = {}
    for row in scan_totals(get_state("scans_sent_from") or None):
        by_day.setdefault(row.pop("day").isoformat(), []).append(row)
    batch, batch_rows, sent = [], 0, 0

    def send():
        client.send_scans(batch)
        with atomic():
            set_state("scans_sent_from", batch[-1]["day"])

    for day, products in by_day.items():
        if batch and batch_rows + len(products) > ROWS_PER_REQUEST:
            send()
            batch, batch_rows = [], 0
        batch.append({"day": day, "products": products})
        batch_rows += len(products)
        sent += len(products)
    if batch:
        send()
    return sent
