"""The signed endpoints showrooms call (no login: each request carries an HMAC signature instead), and the
payment providers' webhooks (verified by their signatures, pos.payments.webhooks)."""

from datetime import date, datetime

from flask import jsonify, request
from sqlalchemy import select

from pos.auth.access import public
from pos.central import bp
from pos.central.catalog_feed import catalog_changes, parse_cursor
from pos.central.history import events_page
from pos.central.ingest import MAX_BATCH, ingest_batch
from pos.central.registry import authenticate_showroom
from pos.central.scan_ingest import parse_scans, store_scans
from pos.central.showroom_state import store_status
from pos.core.errors import ValidationError
from pos.core.extensions import csrf, db
from pos.core.security_headers import checks_its_own_text
from pos.models import ShowroomDaily
from pos.payments.transfers import transfers_for_showroom
from pos.payments.webhooks import add_webhook_routes

add_webhook_routes(bp)  # central has the public address a showroom usually lacks


@bp.post("/api/v1/sync/sales")
@public
@csrf.exempt
@checks_its_own_text  # pos.central.ingest refuses the one event, the rest of the batch is stored
def receive_sales():
    """A batch of outbox events: {"events": [...]}; answers {"results": [{"uuid", "status", "reason"?}]}."""
    showroom = authenticate_showroom()
    body = request.get_json(silent=True)
    events = body.get("events") if isinstance(body, dict) else None
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_BATCH:
        raise ValidationError(
            "The body must be a JSON object with 'events': a list of 1 to %(limit)d events.",
            limit=MAX_BATCH,
            fields={"events": "invalid"},
        )
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
    row = db.session.scalar(
        select(ShowroomDaily).where(ShowroomDaily.day == day, ShowroomDaily.showroom_id == showroom.id)
    )
    return jsonify(
        {
            "day": day.isoformat(),
            "showroom": showroom.code,
            "sales_count": row.sales_count if row else 0,
            "sales_total": row.sales_total if row else 0,
            "returns_count": row.returns_count if row else 0,
            "returns_total": row.returns_total if row else 0,
        }
    )


@bp.get("/api/v1/sync/events")
@public
def showroom_events():
    """The signing showroom's own sales and returns as central received them, oldest first, a page at a time:
    a showroom restored from an older backup takes back what the backup lacks. `since` (UTC, like
    2026-11-23T03:12:09Z) skips events made before it; `after` is the previous page's `next`.
    Answers {"events": [payload, ...], "next": cursor or null, "missing": n}: `missing` counts the events of
    the page central holds without their payload (received before it kept them)."""
    showroom = authenticate_showroom()
    after, since_text, since = request.args.get("after", "0"), request.args.get("since", ""), None
    if not after.isdigit() or len(after) > 18:
        raise ValidationError("'after' must be the 'next' of the previous page.", fields={"after": "invalid"})
    if since_text:
        try:
            since = datetime.fromisoformat(since_text.removesuffix("Z"))
        except ValueError:
            since = None
        if since is None or since.tzinfo is not None or not since_text.endswith("Z"):
            raise ValidationError("'since' must be a UTC time like 2026-11-23T03:12:09Z.", fields={"since": "invalid"})
    return jsonify(events_page(showroom, since, int(after)))


@bp.get("/api/v1/sync/catalog")
@public
def catalog():
    authenticate_showroom()
    return jsonify(catalog_changes(parse_cursor(request.args.get("since"))))


@bp.post("/api/v1/sync/scans")
@public
@csrf.exempt
def receive_scans():
    """The signing showroom's QR scan totals per day and product (pos.central.scan_ingest)."""
    showroom = authenticate_showroom()
    return jsonify({"stored": store_scans(showroom, parse_scans(request.get_json(silent=True)))})


@bp.post("/api/v1/sync/status")
@public
@csrf.exempt
def receive_status():
    """The signing showroom's own state (its e-invoices pending and refused), shown on the showrooms page;
    answers {"stored": true}, or false when central already holds a newer report."""
    showroom = authenticate_showroom()
    return jsonify({"stored": store_status(showroom, request.get_json(silent=True))})


@bp.get("/api/v1/sync/transfers")
@public
def showroom_transfers():
    """The signing showroom's transfers after `after` (the previous answer's `next`): those carrying its sale
    numbers, and those carrying none that reached `account` (its bank account)."""
    showroom = authenticate_showroom()
    after, account = request.args.get("after", "0"), request.args.get("account", "")[:32]
    if not after.isdigit() or len(after) > 18:
        raise ValidationError("'after' must be the 'next' of the previous page.", fields={"after": "invalid"})
    return jsonify(transfers_for_showroom(showroom.code, account, int(after)))
