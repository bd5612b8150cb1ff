"""Showroom → central: how often shoppers opened each product's page from its QR label, per local day.

The showroom sends its running totals for the days that may have changed (pos.sync.scans); central keeps
the latest total per day, showroom and product, so a day sent again, or a request retried, never counts twice.
Scans are statistics beside units sold in the product report, not money: they need no outbox."""
from datetime import date, timedelta

from flask import jsonify, request

from pos.auth.access import public
from pos.central import bp
from pos.central.ingest import product_ids_for
from pos.central.registry import authenticate_showroom
from pos.database import atomic, dialect_insert
from pos.errors import ValidationError
from pos.extensions import csrf, db
from pos.i18n import to_local
from pos.models import OCOP_GROUPS, RemoteScanDaily
from pos.models.base import utcnow

MAX_ROWS = 20_000
MAX_SCANS = 10_000_000
TEXT_LIMITS = {"sku": 40, "gtin": 14, "name_vi": 200, "producer": 200, "producer_tax_code": 20}


def parse_scans(body) -> list[dict]:
    """{"days": [{"day": "2026-11-25", "products": [{sku, gtin, name_vi, producer, producer_tax_code,
    ocop_group, scans}]}]} → one row per day and product; anything malformed refuses the whole request."""
    days = body.get("days") if isinstance(body, dict) else None
    if not isinstance(days, list) or not days:
        raise ValidationError("The body must be a JSON object with 'days': a list of days.", fields={"days": "invalid"})
    latest = to_local(utcnow()).date() + timedelta(days=1)
    rows, errors = [], {}
    for i, entry in enumerate(days):
        try:
            day = date.fromisoformat(entry["day"])
            if not date(2000, 1, 1) <= day <= latest:
                raise ValueError
            products = entry["products"]
            if not isinstance(products, list):
                raise TypeError
        except (KeyError, TypeError, ValueError):
            errors[f"days[{i}]"] = "needs 'day' (a date not in the future) and 'products' (a list)"
            continue
        for j, product in enumerate(products):
            problem = _problem(product)
            if problem:
                errors[f"days[{i}].products[{j}]"] = problem
            else:
                rows.append({"day": day} | {k: product[k] for k in (*TEXT_LIMITS, "ocop_group", "scans")})
    if errors:
        raise ValidationError("Some scan counts are invalid; nothing was stored.", fields=dict(list(errors.items())[:20]))
    if len(rows) > MAX_ROWS:
        raise ValidationError("Send at most %(limit)d rows of scan counts at once.", limit=MAX_ROWS,
                              fields={"days": "too many rows"})
    return rows


def _problem(product) -> str:
    if not isinstance(product, dict):
        return "not an object"
    for key, limit in TEXT_LIMITS.items():
        if not isinstance(product.get(key), str) or len(product[key]) > limit or (key == "sku" and not product[key]):
            return f"'{key}' must be text of at most {limit} characters"
    if product.get("ocop_group") not in OCOP_GROUPS:
        return "'ocop_group' is not an OCOP group"
    scans = product.get("scans")
    if isinstance(scans, bool) or not isinstance(scans, int) or not 0 <= scans <= MAX_SCANS:
        return f"'scans' must be a whole number from 0 to {MAX_SCANS}"
    return ""


def store_scans(showroom_id: int, rows: list[dict]) -> int:
    """The showroom's totals replace what central had for those days and products; returns the rows stored."""
    with atomic():
        product_ids = product_ids_for(rows)
        totals = {(row["day"], product_ids[row["sku"]]): row["scans"] for row in rows}
        statement = dialect_insert(RemoteScanDaily.__table__)
        db.session.execute(
            statement.on_conflict_do_update(index_elements=["day", "showroom_id", "product_id"],
                                            set_={"scans": statement.excluded.scans}),
            [{"day": day, "showroom_id": showroom_id, "product_id": product_id, "scans": scans}
             for (day, product_id), scans in totals.items()])
    return len(totals)


@bp.post("/api/v1/sync/scans")
@public
@csrf.exempt
def receive_scans():
    showroom = authenticate_showroom()
    return jsonify({"stored": store_scans(showroom.id, parse_scans(request.get_json(silent=True)))})
