"""The signed endpoints showrooms call. No login: each request carries an HMAC signature instead."""
from datetime import date

from flask import jsonify, request
from sqlalchemy import select

from pos.auth.access import public
from pos.central import bp
from pos.central.catalog_feed import catalog_changes, parse_cursor
from pos.central.ingest import MAX_BATCH, ingest_batch
from pos.central.registry import authenticate_showroom
from pos.errors import ValidationError
from pos.extensions import csrf, db
from pos.models import ShowroomDaily


@bp.post("/api/v1/sync/sales")
@public
@csrf.exempt
def receive_sales():
    """A batch of outbox events: {"events": [...]}; answers {"results": [{"uuid", "status", "reason"?}]}."""
    showroom = authenticate_showroom()
    body = request.get_json(silent=True)
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_BATCH:
        raise ValidationError("The body must be a JSON object with 'events': a list of 1 to %(limit)d events.",
                              limit=MAX_BATCH, fields={"events": "invalid"})
    return jsonify({"results": ingest_batch(showroom, events)})


@bp.get("/api/v1/sync/reconcile")
@public
def reconcile():
    """Central's count and total of the signing showroom's sales and returns on one local day."""
    showroom = authenticate_showroom()
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        raise ValidationError("'day' must be a date like 2026-11-25.", fields={"day": "invalid"}) from None
    row = db.session.scalar(select(ShowroomDaily).where(ShowroomDaily.day == day,
                                                        ShowroomDaily.showroom_id == showroom.id))
    return jsonify({"day": day.isoformat(), "showroom": showroom.code,
                    "sales_count": row.sales_count if row else 0, "sales_total": row.sales_total if row else 0,
                    "returns_count": row.returns_count if row else 0,
                    "returns_total": row.returns_total if row else 0})


@bp.get("/api/v1/sync/catalog")
@public
def catalog():
    authenticate_showroom()
    return jsonify(catalog_changes(parse_cursor(request.args.get("since"))))
