"""What central holds of one showroom's events, handed back to that showroom (GET /api/v1/sync/events): after
a restore from an older backup, the showroom takes back the sales and returns the backup lacks."""

import json
from datetime import datetime

from sqlalchemy import select

from pos.core.extensions import db
from pos.models import RemoteSale, Showroom

PAGE_SIZE = 200


def events_page(showroom: Showroom, since: datetime | None, after: int, limit: int = PAGE_SIZE) -> dict:
    """One page of the showroom's events with id > `after` (made at or after `since`), in the order central
    received them, so a return always comes after the sale it refunds."""
    query = (
        select(RemoteSale.id, RemoteSale.payload)
        .where(RemoteSale.showroom_id == showroom.id, RemoteSale.id > after)
        .order_by(RemoteSale.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(RemoteSale.created_at >= since)
    rows = db.session.execute(query).all()
    return {
        "events": [json.loads(row.payload) for row in rows if row.payload],
        "missing": sum(1 for row in rows if not row.payload),
        "next": str(rows[-1].id) if len(rows) == limit else None,
    }
