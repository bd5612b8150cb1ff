"""Queue an event for central, inside the transaction that makes it (payloads: docs/sync-payloads.md)."""

import json
from datetime import datetime

from flask import current_app
from sqlalchemy import insert

from pos.core.clock import utcnow
from pos.core.extensions import db
from pos.models import OutboxEntry


def outbox_entry(kind: str, payload: dict, at: datetime | None = None) -> dict:
    """The outbox row of `payload`, due at `at` (the event's moment; now by default): what enqueue inserts, and
    what the sale writer inserts with its own statement (pos/checkout/sales.py)."""
    payload = {"version": 1, "kind": kind, "showroom": current_app.config["SHOWROOM_CODE"]} | payload
    at = at or utcnow()
    return {
        "kind": kind,
        "uuid": payload["uuid"],
        "payload": json.dumps(payload, ensure_ascii=False),
        "created_at": at,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": at,
        "last_error": "",
        "faults": 0,
    }


def enqueue(kind: str, payload: dict, at: datetime | None = None) -> None:
    """Queue `payload` for central; `at` is the event's moment (now by default), when the entry is due."""
    db.session.execute(insert(OutboxEntry).values(outbox_entry(kind, payload, at)))


def iso_utc(moment) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"
