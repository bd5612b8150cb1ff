"""Central's intake of the events a showroom sends (docs/sync-payloads.md).

A batch is checked event by event, then written in ONE transaction: the sales, their lines and the
rollups reports read. Each event gets its own answer:
- `accepted`: stored now;
- `duplicate`: the same uuid with the same content was stored before (a resend, or a lost response);
- `rejected`: invalid, or the uuid was stored with other content (a conflict); logged in sync_rejections;
- `retry`: a return whose sale has not arrived yet; the showroom sends it again later.
Writes use Core statements in bulk: a batch of 500 sales is a handful of round trips, not thousands."""
import hashlib
import json
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import insert, select, text, update

from pos.catalog.text import fold
from pos.database import atomic, dialect_insert
from pos.extensions import db
from pos.i18n import to_local
from pos.models import (
    OCOP_GROUPS, PAYMENT_METHODS, ProductDaily, ProductMonthly, RemoteProduct, RemoteSale, RemoteSaleLine,
    RemoteShiftClose, SalesRollupDaily, Showroom, ShowroomDaily, ShowroomKey, SyncRejection,
)
from pos.models.base import utcnow
from pos.money import round_half_up_div

log = logging.getLogger(__name__)
MAX_BATCH = 500
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_MONEY = 10**12  # no single sale is a thousand billion đồng


class Invalid(Exception):
    """An event that cannot be stored as it is."""


def canonical_json(event: dict) -> str:
    """The event as stored (remote_sales.payload) and hashed: one text, made once."""
    return json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def payload_hash(event: dict, text: str | None = None) -> str:
    return hashlib.sha256((text if text is not None else canonical_json(event)).encode()).hexdigest()


def local_day(moment: datetime) -> date:
    return to_local(moment).date()


# --- checking one event ---------------------------------------------------------------------------

def _int(obj: dict, key: str, *, minimum: int = -MAX_MONEY, maximum: int = MAX_MONEY, nullable=False):
    value = obj.get(key)
    if value is None and nullable:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise Invalid(f"'{key}' must be a whole number between {minimum} and {maximum}")
    return value


def _str(obj: dict, key: str, max_length: int, *, required=True) -> str:
    value = obj.get(key, "" if not required else None)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_length:
        raise Invalid(f"'{key}' must be text of at most {max_length} characters")
    return value


def _uuid(obj: dict, key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not UUID_RE.match(value):
        raise Invalid(f"'{key}' must be a UUID")
    return value.lower()


def _moment(obj: dict, key: str) -> datetime:
    value = obj.get(key)
    if not isinstance(value, str) or not value.endswith("Z"):
        raise Invalid(f"'{key}' must be a UTC time like 2026-11-23T03:12:09Z")
    try:
        moment = datetime.fromisoformat(value[:-1])
    except ValueError:
        raise Invalid(f"'{key}' must be a UTC time like 2026-11-23T03:12:09Z") from None
    if not 2000 <= moment.year <= 2100:
        raise Invalid(f"'{key}' is out of range")
    return moment.replace(tzinfo=None)


def _list(obj: dict, key: str, *, minimum=1, maximum=1000) -> list:
    value = obj.get(key)
    if not isinstance(value, list) or not minimum <= len(value) <= maximum or not all(isinstance(v, dict)
                                                                                   for v in value):
        raise Invalid(f"'{key}' must be a list of {minimum} to {maximum} objects")
    return value


@dataclass
class Event:
    kind: str
    uuid: str
    hash: str
    created_at: datetime
    raw: dict
    lines: list[dict] = field(default_factory=list)
    payload: str = ""  # canonical_json(raw): kept at central, so a restored showroom can take its sales back


def parse_event(raw, showroom_code: str) -> Event:
    """Check an event against docs/sync-payloads.md; raises Invalid with the first problem found."""
    if not isinstance(raw, dict):
        raise Invalid("an event must be a JSON object")
    if raw.get("version") != 1:
        raise Invalid("unsupported 'version' (expected 1)")
    if raw.get("showroom") != showroom_code:
        raise Invalid(f"'showroom' must be the signing showroom {showroom_code}")
    kind = raw.get("kind")
    uuid = _uuid(raw, "uuid")
    if kind == "sale":
        return _parse_sale(raw, uuid)
    if kind == "return":
        return _parse_return(raw, uuid)
    if kind == "shift_close":
        return Event("shift_close", uuid, payload_hash(raw), _moment(raw, "closed_at"), raw)
    raise Invalid("'kind' must be sale, return or shift_close")


def _parse_sale(raw: dict, uuid: str) -> Event:
    _str(raw, "number", 32)
    _str(raw, "cashier", 64, required=False)
    total, vat_total = _int(raw, "total", minimum=0), _int(raw, "vat_total", minimum=0)
    lines = []
    seen = set()
    for line in _list(raw, "lines"):
        line_no = _int(line, "line_no", minimum=1, maximum=1000)
        if line_no in seen:
            raise Invalid(f"line_no {line_no} appears twice")
        seen.add(line_no)
        stars = line.get("stars")
        if stars not in (None, 3, 4, 5):
            raise Invalid("'stars' must be 3, 4, 5 or null")
        if line.get("ocop_group") not in OCOP_GROUPS:
            raise Invalid(f"'ocop_group' must be one of {', '.join(OCOP_GROUPS)}")
        quantity = _int(line, "quantity", minimum=1, maximum=100_000)
        amount = _int(line, "amount", minimum=0)
        unit_cost = _int(line, "unit_cost", minimum=0, nullable=True)
        commission = _int(line, "commission", minimum=0, nullable=True) or 0
        if commission > amount:
            raise Invalid("'commission' is more than the line amount")
        lines.append({
            "line_no": line_no, "sku": _str(line, "sku", 40), "gtin": _str(line, "gtin", 14, required=False),
            "name_vi": _str(line, "name_vi", 200), "producer": _str(line, "producer", 200),
            "producer_tax_code": _str(line, "producer_tax_code", 20, required=False),
            "ocop_group": line["ocop_group"], "stars": stars or 0,
            "potential_5_star": line.get("potential_5_star") is True, "quantity": quantity, "amount": amount,
            "vat_amount": _int(line, "vat_amount", minimum=0, maximum=amount),
            "cost": None if unit_cost is None else unit_cost * quantity,
            "consignment": line.get("consignment") is True, "commission": commission,
        })
    if sum(line["amount"] for line in lines) != total:
        raise Invalid("the line amounts do not add up to 'total'")
    if sum(line["vat_amount"] for line in lines) != vat_total:
        raise Invalid("the line VAT amounts do not add up to 'vat_total'")
    paid = 0
    for payment in _list(raw, "payments", minimum=0, maximum=20):
        if payment.get("method") not in PAYMENT_METHODS:
            raise Invalid(f"payment 'method' must be one of {', '.join(PAYMENT_METHODS)}")
        paid += _int(payment, "amount", minimum=1)
    if paid < total:
        raise Invalid("the payments are less than 'total'")
    text = canonical_json(raw)
    return Event("sale", uuid, payload_hash(raw, text), _moment(raw, "created_at"), raw, lines, text)


def _parse_return(raw: dict, uuid: str) -> Event:
    _uuid(raw, "sale_uuid")
    _str(raw, "number", 32)
    total, vat_total = _int(raw, "total", minimum=0), _int(raw, "vat_total", minimum=0)
    lines = [{"line_no": _int(line, "line_no", minimum=1, maximum=1000),
              "quantity": _int(line, "quantity", minimum=1, maximum=100_000),
              "amount": _int(line, "amount", minimum=0), "vat_amount": _int(line, "vat_amount", minimum=0)}
             for line in _list(raw, "lines")]
    if sum(line["amount"] for line in lines) != total or sum(line["vat_amount"] for line in lines) != vat_total:
        raise Invalid("the return lines do not add up to 'total' and 'vat_total'")
    text = canonical_json(raw)
    return Event("return", uuid, payload_hash(raw, text), _moment(raw, "created_at"), raw, lines, text)


# --- writing a batch -------------------------------------------------------------------------------

def _reject(showroom_code: str, uuid: str, reason: str) -> dict:
    db.session.add(SyncRejection(showroom_code=showroom_code, uuid=uuid[:36], reason=reason[:500]))
    log.warning("sync: rejected %s from %s: %s", uuid, showroom_code, reason)
    return {"uuid": uuid, "status": "rejected", "reason": reason}


def ingest_batch(showroom: Showroom, events: list) -> list[dict]:
    """Store a showroom's batch; one answer per event, in order."""
    answers: list[dict | None] = [None] * len(events)
    parsed: list[tuple[int, Event]] = []
    invalid: list[tuple[int, str, str]] = []
    for index, raw in enumerate(events):
        try:
            parsed.append((index, parse_event(raw, showroom.code)))
        except Invalid as problem:
            uuid = raw.get("uuid") if isinstance(raw, dict) and isinstance(raw.get("uuid"), str) else ""
            invalid.append((index, uuid, f"invalid: {problem}"))

    with atomic():
        for index, uuid, reason in invalid:
            answers[index] = _reject(showroom.code, uuid, reason)
        fresh = _sort_out_repeats(showroom, parsed, answers)
        sales = [(i, e) for i, e in fresh if e.kind == "sale"]
        returns = [(i, e) for i, e in fresh if e.kind == "return"]
        shift_closes = [(i, e) for i, e in fresh if e.kind == "shift_close"]
        rollup, daily = defaultdict(lambda: [0] * 7), defaultdict(lambda: [0] * 5)
        _store_sales(showroom, sales, rollup, daily)
        _store_returns(showroom, returns, rollup, daily, answers)
        if shift_closes:
            _insert_rows(RemoteShiftClose, [
                {"uuid": e.uuid, "showroom_id": showroom.id, "closed_at": e.created_at,
                 "payload": json.dumps(e.raw, ensure_ascii=False), "payload_hash": e.hash, "received_at": utcnow()}
                for _, e in shift_closes])
        for index, event in sales + shift_closes:
            answers[index] = {"uuid": event.uuid, "status": "accepted"}
        _add_to_rollups(showroom, rollup, daily)
        _note_contact(showroom, [e.created_at for _, e in sales + returns])
    return answers


def _sort_out_repeats(showroom: Showroom, parsed: list[tuple[int, Event]], answers: list) -> list[tuple[int, Event]]:
    """Answer the events already stored (or repeated within the batch); return the new ones."""
    uuids = [e.uuid for _, e in parsed]
    stored = {}
    for chunk in range(0, len(uuids), 500):
        part = uuids[chunk:chunk + 500]
        stored |= dict(db.session.execute(select(RemoteSale.uuid, RemoteSale.payload_hash)
                                          .where(RemoteSale.uuid.in_(part))).all())
        stored |= dict(db.session.execute(select(RemoteShiftClose.uuid, RemoteShiftClose.payload_hash)
                                          .where(RemoteShiftClose.uuid.in_(part))).all())
    fresh = []
    for index, event in parsed:
        if event.uuid in stored:
            if stored[event.uuid] == event.hash:
                answers[index] = {"uuid": event.uuid, "status": "duplicate"}
            else:
                answers[index] = _reject(showroom.code, event.uuid,
                                         "conflict: this uuid was received before with different content")
            continue
        stored[event.uuid] = event.hash
        fresh.append((index, event))
    return fresh


def product_ids_for(lines: list[dict]) -> dict[str, int]:
    """The remote product of each sku, created or refreshed from how the rows (sale lines, scan counts) describe it."""
    latest = {line["sku"]: line for line in lines}
    known = {}
    skus = list(latest)
    for chunk in range(0, len(skus), 500):
        known |= {row.sku: row for row in db.session.execute(
            select(RemoteProduct.id, RemoteProduct.sku, RemoteProduct.name_vi, RemoteProduct.producer,
                   RemoteProduct.ocop_group, RemoteProduct.gtin).where(RemoteProduct.sku.in_(skus[chunk:chunk + 500])))}

    def described(line):
        return {"sku": line["sku"], "gtin": line["gtin"], "name_vi": line["name_vi"], "producer": line["producer"],
                "producer_tax_code": line["producer_tax_code"], "ocop_group": line["ocop_group"],
                "search_text": fold(f"{line['name_vi']} {line['producer']} {line['sku']}")[:500]}

    missing = [described(line) for sku, line in latest.items() if sku not in known]
    if missing:
        db.session.execute(insert(RemoteProduct.__table__), missing)
    changed = [described(line) | {"id": known[sku].id} for sku, line in latest.items() if sku in known and
               (known[sku].name_vi, known[sku].producer, known[sku].ocop_group, known[sku].gtin)
               != (line["name_vi"], line["producer"], line["ocop_group"], line["gtin"])]
    if changed:
        db.session.execute(update(RemoteProduct), changed)
    if not missing:
        return {sku: row.id for sku, row in known.items()}
    return dict(db.session.execute(select(RemoteProduct.sku, RemoteProduct.id)
                                   .where(RemoteProduct.sku.in_(skus))).all())


def _insert_sales(rows: list[dict]) -> list[int]:
    """Insert the sales; their new ids, in order (the lines need them)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":  # take the ids from the sequence, then COPY
        ids = list(connection.execute(text("SELECT nextval(pg_get_serial_sequence('remote_sales', 'id')) "
                                           "FROM generate_series(1, :n)"), {"n": len(rows)}).scalars())
        _insert_rows(RemoteSale, [row | {"id": sale_id} for sale_id, row in zip(ids, rows)])
        return ids
    table = RemoteSale.__table__
    result = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [row[0] for row in result]


def _insert_rows(model, rows: list[dict]) -> None:
    """Many rows at once: COPY on PostgreSQL (the fastest way in), executemany on SQLite."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(model.__table__), rows)
        return
    columns = list(rows[0])
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {model.__tablename__} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[column] for column in columns])


def _store_sales(showroom: Showroom, sales: list[tuple[int, Event]], rollup, daily) -> None:
    if not sales:
        return
    products = product_ids_for([line for _, e in sales for line in e.lines])
    ids = _insert_sales([{
        "uuid": e.uuid, "kind": "sale", "showroom_id": showroom.id, "number": e.raw["number"], "sale_uuid": None,
        "created_at": e.created_at, "day": local_day(e.created_at), "cashier": e.raw.get("cashier") or "",
        "total": e.raw["total"], "vat_total": e.raw["vat_total"], "payload_hash": e.hash, "received_at": utcnow(),
        "payload": e.payload} for _, e in sales])
    line_rows = []
    for sale_id, (_, event) in zip(ids, sales):
        day = local_day(event.created_at)
        for line in event.lines:
            product_id = products[line["sku"]]
            line_rows.append({
                "sale_id": sale_id, "line_no": line["line_no"], "product_id": product_id, "stars": line["stars"],
                "potential_5_star": line["potential_5_star"], "quantity": line["quantity"],
                "amount": line["amount"], "vat_amount": line["vat_amount"], "cost": line["cost"],
                "commission": line["commission"], "consignment": line["consignment"]})
            _roll(rollup[(day, product_id, line["stars"], line["potential_5_star"])], line["quantity"],
                  line["amount"], line["vat_amount"], line["cost"], line["consignment"], line["commission"])
        totals = daily[day]
        totals[0] += 1
        totals[1] += event.raw["total"]
        totals[4] += event.raw["vat_total"]
    _insert_rows(RemoteSaleLine, line_rows)


def _roll(figures: list, units, revenue, vat, cost, consignment, commission) -> None:
    figures[0] += units
    figures[1] += revenue
    figures[2] += vat
    if cost is not None:
        figures[3] += cost
        figures[4] += revenue
    if consignment:
        figures[5] += revenue
        figures[6] += commission


def _store_returns(showroom: Showroom, returns: list[tuple[int, Event]], rollup, daily, answers) -> None:
    """A return reduces the figures of the day it was made, at the product and rating it was sold with."""
    if not returns:
        return
    sale_uuids = list({e.raw["sale_uuid"].lower() for _, e in returns})
    sold = {}
    for row in db.session.execute(
            select(RemoteSale.uuid, RemoteSale.showroom_id, RemoteSaleLine)
            .join(RemoteSaleLine, RemoteSaleLine.sale_id == RemoteSale.id).where(RemoteSale.uuid.in_(sale_uuids))):
        sold[(row.uuid, row.RemoteSaleLine.line_no)] = (row.showroom_id, row.RemoteSaleLine)
    stored = []
    for index, event in returns:
        sale_uuid = event.raw["sale_uuid"].lower()
        originals = [sold.get((sale_uuid, line["line_no"])) for line in event.lines]
        if any(original is None for original in originals):
            answers[index] = {"uuid": event.uuid, "status": "retry",
                              "reason": "the sale this return refunds has not been received yet"}
            continue
        if any(showroom_id != showroom.id for showroom_id, _ in originals):
            answers[index] = _reject(showroom.code, event.uuid, "invalid: the refunded sale is another showroom's")
            continue
        stored.append((index, event, [line for _, line in originals]))
    if not stored:
        return
    ids = _insert_sales([{
        "uuid": e.uuid, "kind": "return", "showroom_id": showroom.id, "number": e.raw["number"],
        "sale_uuid": e.raw["sale_uuid"].lower(), "created_at": e.created_at, "day": local_day(e.created_at),
        "cashier": e.raw.get("approved_by") or "", "total": -e.raw["total"], "vat_total": -e.raw["vat_total"],
        "payload_hash": e.hash, "received_at": utcnow(), "payload": e.payload} for _, e, _ in stored])
    line_rows = []
    for return_id, (index, event, originals) in zip(ids, stored):
        day = local_day(event.created_at)
        for line, original in zip(event.lines, originals):
            # The returned share of the sale line's cost (by units) and commission (by amount), half up in đồng.
            cost = (None if original.cost is None
                    else -round_half_up_div(original.cost * line["quantity"], original.quantity))
            commission = (-round_half_up_div(original.commission * line["amount"], original.amount)
                          if original.amount else 0)
            line_rows.append({
                "sale_id": return_id, "line_no": line["line_no"], "product_id": original.product_id,
                "stars": original.stars, "potential_5_star": original.potential_5_star,
                "quantity": -line["quantity"], "amount": -line["amount"], "vat_amount": -line["vat_amount"],
                "cost": cost, "commission": commission, "consignment": original.consignment})
            _roll(rollup[(day, original.product_id, original.stars, original.potential_5_star)], -line["quantity"],
                  -line["amount"], -line["vat_amount"], cost, original.consignment, commission)
        totals = daily[day]
        totals[2] += 1
        totals[3] += event.raw["total"]
        totals[4] -= event.raw["vat_total"]
        answers[index] = {"uuid": event.uuid, "status": "accepted"}
    _insert_rows(RemoteSaleLine, line_rows)


ROLLUP_FIGURES = ("units", "revenue", "vat", "cost", "costed_revenue", "consignment_revenue", "commission")
DAILY_FIGURES = ("sales_count", "sales_total", "returns_count", "returns_total", "vat_total")


def _add_to_rollups(showroom: Showroom, rollup: dict, daily: dict) -> None:
    _add_to(SalesRollupDaily, ("day", "showroom_id", "product_id", "stars", "potential_5_star"), ROLLUP_FIGURES, [
        {"day": day, "showroom_id": showroom.id, "product_id": product_id, "stars": stars,
         "potential_5_star": potential, **dict(zip(ROLLUP_FIGURES, figures))}
        for (day, product_id, stars, potential), figures in rollup.items()])
    # A batch comes from one showroom, so the same keys without the showroom feed the all-showroom rollups.
    _add_to(ProductDaily, ("day", "product_id", "stars", "potential_5_star"), ROLLUP_FIGURES, [
        {"day": day, "product_id": product_id, "stars": stars, "potential_5_star": potential,
         **dict(zip(ROLLUP_FIGURES, figures))} for (day, product_id, stars, potential), figures in rollup.items()])
    monthly = defaultdict(lambda: [0] * len(ROLLUP_FIGURES))
    for (day, product_id, stars, potential), figures in rollup.items():
        totals = monthly[(day.replace(day=1), product_id, stars, potential)]
        for i, value in enumerate(figures):
            totals[i] += value
    _add_to(ProductMonthly, ("month", "product_id", "stars", "potential_5_star"), ROLLUP_FIGURES, [
        {"month": month, "product_id": product_id, "stars": stars, "potential_5_star": potential,
         **dict(zip(ROLLUP_FIGURES, figures))} for (month, product_id, stars, potential), figures in monthly.items()])
    _add_to(ShowroomDaily, ("day", "showroom_id"), DAILY_FIGURES,
            [{"day": day, "showroom_id": showroom.id, **dict(zip(DAILY_FIGURES, figures))}
             for day, figures in daily.items()])


def _add_to(model, key: tuple, figures: tuple, rows: list[dict]) -> None:
    """Add each row's figures to the row with its key, creating it if new (an upsert)."""
    if not rows:
        return
    table = model.__table__
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and len(rows) > 50:  # COPY into a scratch table, one upsert
        scratch = f"{table.name}_delta"
        connection.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {scratch} (LIKE {table.name}) ON COMMIT DELETE ROWS"))
        columns = list(rows[0])
        with connection.connection.driver_connection.cursor() as cursor:
            with cursor.copy(f"COPY {scratch} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[column] for column in columns])
        connection.execute(text(
            f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {scratch} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
            + ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in figures)))
        connection.execute(text(f"DELETE FROM {scratch}"))  # a later batch in this transaction starts empty
        return
    statement = dialect_insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={c: table.c[c] + getattr(statement.excluded, c) for c in figures})
    connection.execute(statement, rows)


def _note_contact(showroom: Showroom, moments: list[datetime]) -> None:
    values = {"last_contact_at": utcnow()}
    key = db.session.scalar(select(ShowroomKey).where(ShowroomKey.showroom_id == showroom.id))
    if key is None:
        return
    if moments and (key.last_sale_at is None or max(moments) > key.last_sale_at):
        values["last_sale_at"] = max(moments)
    db.session.execute(update(ShowroomKey).where(ShowroomKey.id == key.id).values(**values))
