"""Queue an event for central, inside the transaction that makes it (payloads: docs/sync-payloads.md)."""
import json

from flask import current_app
from sqlalchemy import insert

from pos.extensions import db
from pos.models import OutboxEntry


_INSERT_ENTRY = insert(OutboxEntry.__table__)  # built once: every sale passes here


def enqueue(kind: str, payload: dict) -> None:
    payload = {"version": 1, "kind": kind, "showroom": current_app.config["SHOWROOM_CODE"]} | payload
    db.session.connection().execute(_INSERT_ENTRY, {"kind": kind, "uuid": payload["uuid"],
                                                    "payload": json.dumps(payload, ensure_ascii=False)})


def iso_utc(moment) -> str:
    return moment.replace(microsecond=0).isoformat() + "Z"
