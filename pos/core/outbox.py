"""Queue an event for central, inside the transaction that makes it (payloads: docs/sync-payloads.md)."""

import json
from datetime import datetime

from flask import current_app

from pos.core.clock import utcnow
from pos.core.database import Sql

_INSERT_ENTRY = Sql(
    "INSERT INTO outbox (kind, uuid, payload, created_at, status, attempts, next_attempt_at,"
    " last_error, faults) VALUES (:kind, :uuid, :payload, :now, 'pending', 0, :now, '', 0)"
)


def enqueue(kind: str, payload: dict, at: datetime | None = None) -> None:
    """Queue `payload` for central; `at` is the event's moment (now by default), when the entry is due."""
    payload = {"version": 1, "kind": kind, "showroom": current_app.config["SHOWROOM_CODE"]} | payload
    _INSERT_ENTRY.run(
        {
            "kind": kind,
            "uuid": payload["uuid"],
            "payload": json.dumps(payload, ensure_ascii=False),
            "now": at or utcnow(),
        }
    )


def iso_utc(moment) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"
