"""Showroom → central: how often shoppers opened each product's page from its QR label, per local day.

The showroom sends its running totals for the days that may have changed (pos.sync.scan_sender); central keeps
the latest total per day, showroom and product, so a day sent again, or a request retried, never counts twice.
Scans are statistics beside units sold in the product report, not money: they need no outbox."""

from datetime import timedelta

from pos.central.ingest import product_ids_for
from pos.central.serials import note_scanned
from pos.core.clock import to_local, utcnow
from pos.core.database import atomic, dialect_insert
from pos.core.errors import ValidationError
from pos.core.extensions import db
from pos.models import RemoteScanDaily, Showroom
from pos.protocol.events import Invalid
from pos.protocol.events import parse_scans as parse_scan_rows


def parse_scans(body) -> list[dict]:
    """The request's rows (pos.protocol.events.SCANS), one per day and product; anything malformed refuses the
    whole request with the reason."""
    try:
        return parse_scan_rows(body, latest_day=to_local(utcnow()).date() + timedelta(days=1))
    except Invalid as problem:
        raise ValidationError(
            "Some scan counts are invalid; nothing was stored.", fields={"days": str(problem)}
        ) from None


def store_scans(showroom: Showroom, rows: list[dict]) -> int:
    """The showroom's totals replace what central had for those days and products; returns the rows stored."""
    with atomic():
        product_ids = product_ids_for(showroom, rows)
        totals = {(row["day"], product_ids[row["sku"]]): row["scans"] for row in rows}
        statement = dialect_insert(RemoteScanDaily.__table__)
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["day", "showroom_id", "product_id"], set_={"scans": statement.excluded.scans}
            ),
            [
                {"day": day, "showroom_id": showroom.id, "product_id": product_id, "scans": scans}
                for (day, product_id), scans in totals.items()
            ],
        )
        note_scanned(showroom, rows)  # the serialized units' scans, flagged when another showroom issued them
    return len(totals)
