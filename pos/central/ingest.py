"""Central's intake of the events a showroom sends (their shape, limits and checks: pos.protocol.events).

A batch is checked event by event, then written in ONE transaction: the sales, their lines and the
rollups reports read. Each event gets its own answer:
- `accepted`: stored now;
- `duplicate`: the same uuid with the same content was stored before (a resend, or a lost response);
- `rejected`: invalid, dated in the future or before the showroom was registered, a return beyond what its
  sale has left to refund, or the uuid stored with other content (a conflict); logged in sync_rejections,
  and final: the showroom dead-letters it with the reason;
- `retry`: a return whose sale has not arrived yet; the showroom sends it again later.
What a sale line says about its product is kept on the line as sold (name, price, stars, VAT); it never
changes central's catalog, nor another showroom's product (see RemoteProduct).
Writes use Core statements in bulk: a batch of 500 sales is a handful of round trips, not thousands."""

import logging
from collections import defaultdict
from datetime import date, datetime
from uuid import uuid4

from sqlalchemy import func, insert, select, text, update

from pos.catalog.text import fold
from pos.central import serials as central_serials
from pos.central.rollup import Figures
from pos.core.clock import to_local, utcnow
from pos.core.database import atomic, dialect_insert
from pos.core.extensions import db
from pos.core.limits import unstorable
from pos.core.money import round_half_up_div
from pos.models import (
    PRODUCTS_REVISION,
    ROLLUP_FIGURES,
    Producer,
    Product,
    ProductDaily,
    ProductMonthly,
    RemoteProduct,
    RemoteSale,
    RemoteSaleLine,
    RemoteShiftClose,
    SalesRollupDaily,
    SalesRollupMonthly,
    Showroom,
    ShowroomDaily,
    ShowroomKey,
    SyncRejection,
    SyncState,
)
from pos.protocol.events import MAX_BATCH, Event, Invalid, legacy_payload_hash, parse_event  # noqa: F401 (MAX_BATCH: the API's limit)

log = logging.getLogger(__name__)


def local_day(moment: datetime) -> date:
    return to_local(moment).date()


# --- writing a batch -------------------------------------------------------------------------------


def _reject(showroom_code: str, uuid: str, reason: str) -> dict:
    uuid = "" if unstorable(uuid) else uuid
    db.session.add(SyncRejection(showroom_code=showroom_code, uuid=uuid[:36], reason=reason[:500]))
    log.warning("sync: rejected %s from %s: %s", uuid, showroom_code, reason)
    return {"uuid": uuid, "status": "rejected", "reason": reason}


def ingest_batch(showroom: Showroom, events: list) -> list[dict]:
    """Store a showroom's batch; one answer per event, in order."""
    key = db.session.scalar(select(ShowroomKey).where(ShowroomKey.showroom_id == showroom.id))
    now, not_before = utcnow(), key.events_from if key else None
    answers: list[dict | None] = [None] * len(events)
    parsed: list[tuple[int, Event]] = []
    invalid: list[tuple[int, str, str]] = []
    for index, raw in enumerate(events):
        try:
            parsed.append((index, parse_event(raw, showroom.code, now=now, not_before=not_before)))
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
        rollup, daily = defaultdict(Figures), defaultdict(lambda: dict.fromkeys(DAILY_FIGURES, 0))
        # Serials before sales: a batch may carry a receipt's serials and the sale of one of them.
        _store_serials(showroom, [(i, e) for i, e in fresh if e.kind == "serials"], answers)
        _store_sales(showroom, sales, rollup, daily)
        _store_returns(showroom, returns, rollup, daily, answers)
        if shift_closes:
            _insert_rows(
                RemoteShiftClose,
                [
                    {
                        "uuid": e.uuid,
                        "showroom_id": showroom.id,
                        "closed_at": e.created_at,
                        "payload": e.payload,
                        "payload_hash": e.hash,
                        "received_at": now,
                    }
                    for _, e in shift_closes
                ],
            )
        for index, event in sales + shift_closes:
            answers[index] = {"uuid": event.uuid, "status": "accepted"}
        _add_to_rollups(showroom, rollup, daily)
        _note_contact(key, [e.created_at for _, e in sales + returns])
    return answers


def _store_serials(showroom: Showroom, events: list[tuple[int, Event]], answers: list) -> None:
    """Serials issued at the showroom (pos.central.serials). Idempotent by serial: a resend changes nothing; a
    serial another showroom issued refuses the whole event, of which nothing is written."""
    for index, event in events:
        problem = central_serials.issued_conflict(showroom, event)
        if problem:
            answers[index] = _reject(showroom.code, event.uuid, problem)
            continue
        central_serials.store_issued(showroom, event)
        answers[index] = {"uuid": event.uuid, "status": "accepted"}


def _sort_out_repeats(showroom: Showroom, parsed: list[tuple[int, Event]], answers: list) -> list[tuple[int, Event]]:
    """Answer the events already stored (or repeated within the batch); return the new ones."""
    uuids = [e.uuid for _, e in parsed]
    stored = {}
    for chunk in range(0, len(uuids), 500):
        part = uuids[chunk : chunk + 500]
        stored |= dict(
            db.session.execute(select(RemoteSale.uuid, RemoteSale.payload_hash).where(RemoteSale.uuid.in_(part))).all()
        )
        stored |= dict(
            db.session.execute(
                select(RemoteShiftClose.uuid, RemoteShiftClose.payload_hash).where(RemoteShiftClose.uuid.in_(part))
            ).all()
        )
    fresh = []
    for index, event in parsed:
        if event.uuid in stored:
            if stored[event.uuid] in (event.hash, legacy_payload_hash(event.raw)):
                answers[index] = {"uuid": event.uuid, "status": "duplicate"}
            else:
                answers[index] = _reject(
                    showroom.code, event.uuid, "conflict: this uuid was received before with different content"
                )
            continue
        stored[event.uuid] = event.hash
        fresh.append((index, event))
    return fresh


def product_ids_for(showroom: Showroom, lines: list[dict]) -> dict[str, int]:
    """The report product of each SKU the rows (sale lines, scan counts) name: central's catalog product when
    central's master catalog has the SKU (described by that catalog, whatever the line says), else this
    showroom's own product of that SKU (created, or refreshed from its latest row)."""
    latest = {line["sku"]: line for line in lines}
    skus = list(latest)
    catalog, known = {}, {}
    for chunk in range(0, len(skus), 500):
        part = skus[chunk : chunk + 500]
        catalog |= {
            row.sku: {
                "sku": row.sku,
                "gtin": row.gtin14,
                "name_vi": row.name_vi,
                "producer": row.name,
                "producer_tax_code": row.tax_code or "",
                "ocop_group": row.ocop_group,
            }
            for row in db.session.execute(
                select(
                    Product.sku, Product.gtin14, Product.name_vi, Product.ocop_group, Producer.name, Producer.tax_code
                )
                .join(Producer, Producer.id == Product.producer_id)
                .where(Product.sku.in_(part))
            )
        }
        known |= {
            (row.owner, row.sku): row
            for row in db.session.execute(
                select(
                    RemoteProduct.id,
                    RemoteProduct.owner,
                    RemoteProduct.sku,
                    RemoteProduct.name_vi,
                    RemoteProduct.producer,
                    RemoteProduct.producer_tax_code,
                    RemoteProduct.ocop_group,
                    RemoteProduct.gtin,
                ).where(RemoteProduct.sku.in_(part), RemoteProduct.owner.in_(("", showroom.code)))
            )
        }

    wanted = {}  # (owner, sku) → its description
    for sku, line in latest.items():
        if sku in catalog:
            wanted[("", sku)] = catalog[sku]
        else:
            wanted[(showroom.code, sku)] = {k: line[k] for k in DESCRIPTION}
    missing = [
        {"owner": owner, **row, "search_text": _search_text(row)}
        for (owner, sku), row in wanted.items()
        if (owner, sku) not in known
    ]
    if missing:  # another batch may add the same catalog product at the same moment: keep the first
        db.session.execute(
            dialect_insert(RemoteProduct.__table__).on_conflict_do_nothing(index_elements=["owner", "sku"]), missing
        )
    changed = [
        {"id": known[k].id, **row, "search_text": _search_text(row)}
        for k, row in wanted.items()
        if k in known and tuple(getattr(known[k], c) for c in DESCRIPTION) != tuple(row[c] for c in DESCRIPTION)
    ]
    if changed:
        db.session.execute(update(RemoteProduct), changed)
    if missing or changed:  # the reports' descriptions of the products are out of date (product_descriptions)
        statement = dialect_insert(SyncState.__table__)
        db.session.execute(
            statement.on_conflict_do_update(index_elements=["key"], set_={"value": statement.excluded.value}),
            {"key": PRODUCTS_REVISION, "value": uuid4().hex},
        )
    ids = {k: row.id for k, row in known.items()}
    if missing:
        for chunk in range(0, len(skus), 500):
            ids |= {
                (row.owner, row.sku): row.id
                for row in db.session.execute(
                    select(RemoteProduct.id, RemoteProduct.owner, RemoteProduct.sku).where(
                        RemoteProduct.sku.in_(skus[chunk : chunk + 500]), RemoteProduct.owner.in_(("", showroom.code))
                    )
                )
            }
    return {sku: ids[owner_sku] for owner_sku in wanted for sku in (owner_sku[1],)}


DESCRIPTION = ("sku", "gtin", "name_vi", "producer", "producer_tax_code", "ocop_group")


def _search_text(row: dict) -> str:
    return fold(f"{row['name_vi']} {row['producer']} {row['sku']}")[:500]


def _insert_sales(showroom: Showroom, events: list[Event]) -> list[int]:
    """Insert the sales, or the returns (with negative figures); their new ids, in order (the lines need them)."""
    now = utcnow()
    rows = []
    for e in events:
        is_return = e.kind == "return"
        rows.append(
            {
                "uuid": e.uuid,
                "kind": e.kind,
                "showroom_id": showroom.id,
                "number": e.data["number"],
                "sale_uuid": e.data["sale_uuid"] if is_return else None,
                "created_at": e.created_at,
                "day": local_day(e.created_at),
                "cashier": e.data["approved_by" if is_return else "cashier"],
                "total": -e.data["total"] if is_return else e.data["total"],
                "vat_total": -e.data["vat_total"] if is_return else e.data["vat_total"],
                "payload_hash": e.hash,
                "received_at": now,
                "payload": e.payload,
            }
        )
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":  # take the ids from the sequence, then COPY
        ids = list(
            connection.execute(
                text("SELECT nextval(pg_get_serial_sequence('remote_sales', 'id')) FROM generate_series(1, :n)"),
                {"n": len(rows)},
            ).scalars()
        )
        _insert_rows(RemoteSale, [row | {"id": sale_id} for sale_id, row in zip(ids, rows, strict=False)])
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
    _copy(connection, model.__tablename__, rows)


def _copy(connection, table: str, rows: list[dict]) -> None:
    """PostgreSQL's COPY of the rows (dicts with the same keys, the columns) into `table`."""
    columns = list(rows[0])
    with (
        connection.connection.driver_connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([row[column] for column in columns])


# A sale line's columns taken from the event's line as they are; and what a returned line keeps of the line sold.
LINE_AS_SENT = (
    "line_no",
    "sku",
    "name_vi",
    "unit_price",
    "vat_rate",
    "potential_5_star",
    "quantity",
    "amount",
    "vat_amount",
    "commission",
    "consignment",
    "serial",
)
LINE_AS_SOLD = ("product_id", "sku", "name_vi", "vat_rate", "stars", "potential_5_star", "consignment", "serial")


def _store_sales(showroom: Showroom, sales: list[tuple[int, Event]], rollup, daily) -> None:
    if not sales:
        return
    products = product_ids_for(showroom, [line for _, e in sales for line in e.data["lines"]])
    ids = _insert_sales(showroom, [e for _, e in sales])
    line_rows = []
    for sale_id, (_, event) in zip(ids, sales, strict=False):
        day = local_day(event.created_at)
        for line in event.data["lines"]:
            product_id, stars, quantity, amount = (
                products[line["sku"]],
                line["stars"] or 0,
                line["quantity"],
                line["amount"],
            )
            cost = None if line["unit_cost"] is None else line["unit_cost"] * quantity
            line_rows.append(
                {name: line[name] for name in LINE_AS_SENT}
                | {"sale_id": sale_id, "product_id": product_id, "stars": stars, "cost": cost}
            )
            rollup[(day, product_id, stars, line["potential_5_star"])].add_line(
                quantity, amount, line["vat_amount"], cost, line["consignment"], line["commission"]
            )
        central_serials.note_sold(showroom, event.uuid, event.created_at, event.data["lines"])
        totals = daily[day]
        totals["sales_count"] += 1
        totals["sales_total"] += event.data["total"]
        totals["vat_total"] += event.data["vat_total"]
    _insert_rows(RemoteSaleLine, line_rows)


def _store_returns(showroom: Showroom, returns: list[tuple[int, Event]], rollup, daily, answers) -> None:
    """A return is checked against its sale as central holds it (units, money and VAT not yet refunded), then
    reduces the figures of the day it was made, at the product and rating the sale had."""
    if not returns:
        return
    sale_uuids = list({e.data["sale_uuid"] for _, e in returns})
    sales, sold, refunded, money = _refundable(sale_uuids)
    stored = []
    for index, event in returns:
        sale = sales.get(event.data["sale_uuid"])
        if sale is None:
            answers[index] = {
                "uuid": event.uuid,
                "status": "retry",
                "reason": "the sale this return refunds has not been received yet",
            }
            continue
        problem = _beyond_sale(showroom, sale, event, sold, refunded, money.get(sale.uuid, 0))
        if problem:
            answers[index] = _reject(showroom.code, event.uuid, f"invalid: {problem}")
            continue
        originals = []
        for line in event.data["lines"]:
            key = (sale.uuid, line["line_no"])
            for name in REFUNDABLE:
                refunded[key][name] += line[name]
            originals.append(sold[key])
        central_serials.note_returned(sale.uuid, [o.serial for o in originals if o.serial])
        money[sale.uuid] = money.get(sale.uuid, 0) + event.data["total"]
        stored.append((index, event, originals))
    if not stored:
        return
    ids = _insert_sales(showroom, [e for _, e, _ in stored])
    line_rows = []
    for return_id, (index, event, originals) in zip(ids, stored, strict=False):
        day = local_day(event.created_at)
        for line, original in zip(event.data["lines"], originals, strict=False):
            # The returned share of the sale line's cost (by units) and commission (by amount), half up in đồng.
            cost = (
                None
                if original.cost is None
                else -round_half_up_div(original.cost * line["quantity"], original.quantity)
            )
            commission = (
                -round_half_up_div(original.commission * line["amount"], original.amount) if original.amount else 0
            )
            line_rows.append(
                {name: getattr(original, name) for name in LINE_AS_SOLD}
                | {
                    "sale_id": return_id,
                    "line_no": line["line_no"],
                    "unit_price": 0,
                    "quantity": -line["quantity"],
                    "amount": -line["amount"],
                    "vat_amount": -line["vat_amount"],
                    "cost": cost,
                    "commission": commission,
                }
            )
            rollup[(day, original.product_id, original.stars, original.potential_5_star)].add_line(
                -line["quantity"], -line["amount"], -line["vat_amount"], cost, original.consignment, commission
            )
        totals = daily[day]
        totals["returns_count"] += 1
        totals["returns_total"] += event.data["total"]
        totals["vat_total"] -= event.data["vat_total"]
        answers[index] = {"uuid": event.uuid, "status": "accepted"}
    _insert_rows(RemoteSaleLine, line_rows)


# What a return takes back of a sale line, by the line's field names.
REFUNDABLE = ("quantity", "amount", "vat_amount")


def _refundable(sale_uuids: list[str]):
    """The sales these returns refund (locked, so two batches cannot both refund the same units), their lines,
    what earlier returns already took back per (sale uuid, line_no) (a dict of REFUNDABLE), and the money
    refunded per sale uuid."""
    sales = {}
    for chunk in range(0, len(sale_uuids), 500):
        sales |= {
            row.uuid: row
            for row in db.session.execute(
                select(RemoteSale.id, RemoteSale.uuid, RemoteSale.showroom_id, RemoteSale.total)
                .where(RemoteSale.uuid.in_(sale_uuids[chunk : chunk + 500]), RemoteSale.kind == "sale")
                .order_by(RemoteSale.id)
                .with_for_update()
            )
        }
    sold, refunded, money = {}, defaultdict(lambda: dict.fromkeys(REFUNDABLE, 0)), {}
    uuid_of = {sale.id: sale.uuid for sale in sales.values()}
    ids = list(uuid_of)
    for chunk in range(0, len(ids), 500):
        for line in db.session.scalars(
            select(RemoteSaleLine).where(RemoteSaleLine.sale_id.in_(ids[chunk : chunk + 500]))
        ):
            sold[(uuid_of[line.sale_id], line.line_no)] = line
    known = list(sales)
    for chunk in range(0, len(known), 500):
        for row in db.session.execute(
            select(
                RemoteSale.sale_uuid,
                RemoteSaleLine.line_no,
                *[func.sum(getattr(RemoteSaleLine, name)).label(name) for name in REFUNDABLE],
            )
            .join(RemoteSaleLine, RemoteSaleLine.sale_id == RemoteSale.id)
            .where(RemoteSale.sale_uuid.in_(known[chunk : chunk + 500]), RemoteSale.kind == "return")
            .group_by(RemoteSale.sale_uuid, RemoteSaleLine.line_no)
        ):
            refunded[(row.sale_uuid, row.line_no)] = {name: -int(getattr(row, name)) for name in REFUNDABLE}
            money[row.sale_uuid] = money.get(row.sale_uuid, 0) - int(row.amount)
    return sales, sold, refunded, money


def _beyond_sale(showroom: Showroom, sale, event: Event, sold: dict, refunded, money_refunded: int) -> str:
    """Why this return cannot be taken against its sale as central holds it, or ""."""
    if sale.showroom_id != showroom.id:
        return "the refunded sale is another showroom's"
    for line in event.data["lines"]:
        original = sold.get((sale.uuid, line["line_no"]))
        if original is None:
            return f"the refunded sale has no line {line['line_no']}"
        taken = refunded[(sale.uuid, line["line_no"])]
        units, amount, vat = taken["quantity"], taken["amount"], taken["vat_amount"]
        if line["quantity"] > original.quantity - units:
            return (
                f"line {line['line_no']}: {line['quantity']} units returned, but only "
                f"{original.quantity - units} of the {original.quantity} sold are not returned yet"
            )
        if line["amount"] > original.amount - amount:
            return (
                f"line {line['line_no']}: {line['amount']} đồng refunded, but only "
                f"{original.amount - amount} of the {original.amount} paid are not refunded yet"
            )
        if line["vat_amount"] > original.vat_amount - vat:
            return (
                f"line {line['line_no']}: {line['vat_amount']} đồng of VAT refunded, but only "
                f"{original.vat_amount - vat} of its {original.vat_amount} are not refunded yet"
            )
    if event.data["total"] > sale.total - money_refunded:
        return (
            f"{event.data['total']} đồng refunded, but only {sale.total - money_refunded} of the "
            f"{sale.total} paid are not refunded yet"
        )
    return ""


DAILY_FIGURES = ("sales_count", "sales_total", "returns_count", "returns_total", "vat_total")  # ShowroomDaily's


def _add_to_rollups(showroom: Showroom, rollup: dict, daily: dict) -> None:
    rows = [
        {
            "day": day,
            "showroom_id": showroom.id,
            "product_id": product_id,
            "stars": stars,
            "potential_5_star": potential,
            **figures.columns(),
        }
        for (day, product_id, stars, potential), figures in rollup.items()
    ]
    if rows and len(rows) > 50 and db.session.connection().dialect.name == "postgresql":
        _add_to_product_rollups_at_once(rows)
    else:
        _add_to(SalesRollupDaily, ROLLUP_KEY, ROLLUP_FIGURES, rows)
        # A batch comes from one showroom, so the same keys without the showroom feed the all-showroom rollups.
        _add_to(
            ProductDaily,
            ROLLUP_KEY[:1] + ROLLUP_KEY[2:],
            ROLLUP_FIGURES,
            [{k: v for k, v in row.items() if k != "showroom_id"} for row in rows],
        )
        monthly = defaultdict(Figures)
        for (day, product_id, stars, potential), figures in rollup.items():
            monthly[(day.replace(day=1), product_id, stars, potential)] += figures
        _add_to(
            SalesRollupMonthly,
            MONTHLY_KEY,
            ROLLUP_FIGURES,
            [
                {
                    "month": month,
                    "showroom_id": showroom.id,
                    "product_id": product_id,
                    "stars": stars,
                    "potential_5_star": potential,
                    **figures.columns(),
                }
                for (month, product_id, stars, potential), figures in monthly.items()
            ],
        )
        _add_to(
            ProductMonthly,
            ("month", "product_id", "stars", "potential_5_star"),
            ROLLUP_FIGURES,
            [
                {
                    "month": month,
                    "product_id": product_id,
                    "stars": stars,
                    "potential_5_star": potential,
                    **figures.columns(),
                }
                for (month, product_id, stars, potential), figures in monthly.items()
            ],
        )
    _add_to(
        ShowroomDaily,
        ("day", "showroom_id"),
        DAILY_FIGURES,
        [{"day": day, "showroom_id": showroom.id, **figures} for day, figures in daily.items()],
    )


ROLLUP_KEY = ("day", "showroom_id", "product_id", "stars", "potential_5_star")
MONTHLY_KEY = ("month", "showroom_id", "product_id", "stars", "potential_5_star")


def _add_to_product_rollups_at_once(rows: list[dict]) -> None:
    """PostgreSQL: the batch's per-day figures go in once (COPY into a scratch table), and ONE statement adds
    them to the showroom's daily rollup and, summed per month, its monthly one, to the all-showroom daily rollup
    and, summed per month, to the monthly one; a third of the round trips and copies of doing each table on its own."""
    connection = db.session.connection()
    connection.execute(
        text("CREATE TEMP TABLE IF NOT EXISTS sales_rollup_daily_delta (LIKE sales_rollup_daily) ON COMMIT DELETE ROWS")
    )
    _copy(connection, "sales_rollup_daily_delta", rows)

    def upsert(table: str, key: tuple, select_sql: str) -> str:
        return (
            f"INSERT INTO {table} ({', '.join(key + ROLLUP_FIGURES)}) {select_sql} "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
            + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in ROLLUP_FIGURES)
        )

    figures, sums = ", ".join(ROLLUP_FIGURES), ", ".join(f"sum({c})" for c in ROLLUP_FIGURES)
    product_key = ("day", "product_id", "stars", "potential_5_star")
    month_key = ("month", "product_id", "stars", "potential_5_star")
    connection.execute(
        text(
            "WITH by_showroom AS ("
            + upsert(
                "sales_rollup_daily",
                ROLLUP_KEY,
                f"SELECT {', '.join(ROLLUP_KEY)}, {figures} FROM sales_rollup_daily_delta",
            )
            + "), by_showroom_month AS ("
            + upsert(
                "sales_rollup_monthly",
                MONTHLY_KEY,
                f"SELECT date_trunc('month', day)::date, showroom_id, product_id, stars, potential_5_star, {sums} "
                "FROM sales_rollup_daily_delta GROUP BY 1, 2, 3, 4, 5",
            )
            + "), by_product AS ("
            + upsert(
                "product_daily",
                product_key,
                f"SELECT {', '.join(product_key)}, {figures} FROM sales_rollup_daily_delta",
            )
            + ") "
            + upsert(
                "product_monthly",
                month_key,
                f"SELECT date_trunc('month', day)::date, product_id, stars, potential_5_star, {sums} "
                "FROM sales_rollup_daily_delta GROUP BY 1, 2, 3, 4",
            )
        )
    )
    connection.execute(text("DELETE FROM sales_rollup_daily_delta"))  # a later batch in this transaction starts empty


def _add_to(model, key: tuple, figures: tuple, rows: list[dict]) -> None:
    """Add each row's figures to the row with its key, creating it if new (an upsert)."""
    if not rows:
        return
    table = model.__table__
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and len(rows) > 50:  # COPY into a scratch table, one upsert
        scratch = f"{table.name}_delta"
        connection.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS {scratch} (LIKE {table.name}) ON COMMIT DELETE ROWS"))
        _copy(connection, scratch, rows)
        columns = list(rows[0])
        connection.execute(
            text(
                f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {scratch} "
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
                + ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in figures)
            )
        )
        connection.execute(text(f"DELETE FROM {scratch}"))  # a later batch in this transaction starts empty
        return
    statement = dialect_insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={c: table.c[c] + getattr(statement.excluded, c) for c in figures}
    )
    connection.execute(statement, rows)


def _note_contact(key: ShowroomKey | None, moments: list[datetime]) -> None:
    values = {"last_contact_at": utcnow()}
    if key is None:
        return
    if moments and (key.last_sale_at is None or max(moments) > key.last_sale_at):
        values["last_sale_at"] = max(moments)
    db.session.execute(update(ShowroomKey).where(ShowroomKey.id == key.id).values(**values))
