"""Queue an event for central, inside the transaction that makes it (payloads: docs/sync-payloads.md)."""
import json

from flask import current_app

from pos.extensions import db
from pos.models import OutboxEntry


def enqueue(kind: str, payload: dict) -> OutboxEntry:
    payload = {"version": 1, "kind": kind, "showroom": current_app.config["SHOWROOM_CODE"]} | payload
    entry = OutboxEntry(kind=kind, uuid=payload["uuid"], payload=json.dumps(payload, ensure_ascii=False))
    db.session.add(entry)
    return entry


def iso_utc(moment) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"
