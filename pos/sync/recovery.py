"""A showroom restored from an older backup takes back, from central, the sales and returns the backup lacks.

Everything the showroom sent after the backup was taken is gone from its books, but central holds it (it keeps
each event as received, GET /api/v1/sync/events). `flask restore` notes in the restored database that a recovery
is due (sync state `recovery_pending`), and runs it at once when central is reachable; otherwise `flask sync run`
runs it as soon as central answers, `flask sync recover` on demand, and until then the till warns and new sale
numbers carry an R (TH-20261202-R0001), so none can be a number central already holds under another sale.

A recovered sale is written as the till wrote it, by the one sale writer (pos.checkout.sales.write_sale, from
central's event read back into a RecordedSale): the sale under its own number and uuid, its cash rounding, lines
and payments, and its stock taken through the ledger (pos/inventory/ledger.py). Stock received after the backup
is not at central, so where a recovered sale finds too little on the shelf, an adjustment (reason given) first
brings the shelf up to what was sold, and the report names the product to count. A recovered return, with its
cash rounding, puts its units back to the lots its sale took them from, as at the till."""

import hashlib
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, null, select

from pos.checkout.recorded import RecordedLine, RecordedSale
from pos.checkout.returns import _put_back
from pos.checkout.sales import write_sale
from pos.core.audit import record_audit
from pos.core.clock import to_local, utcnow
from pos.core.database import atomic
from pos.core.errors import DomainError, OutOfStock
from pos.core.extensions import db
from pos.core.state import get_state, set_state
from pos.inventory.ledger import find_or_create_lot, move_stock, sellable_lots, take_stock
from pos.models import Product, Sale, SaleNumber, SaleReturn, SaleReturnLine, Shift, StockMovement, User
from pos.sync.client import CentralClient

log = logging.getLogger(__name__)
PENDING_KEY = "recovery_pending"
# A sale committed while the backup was being copied can be dated a little before the backup's latest row.
SINCE_MARGIN = timedelta(hours=1)


def recovery_pending() -> dict | None:
    """What `flask restore` noted, while the recovery is still due: {"from", "at", "backup_moment"}."""
    note = get_state(PENDING_KEY)
    return json.loads(note) if note else None


def _latest_activity() -> datetime | None:
    moments = [
        db.session.scalar(select(func.max(Sale.created_at))),
        db.session.scalar(select(func.max(SaleReturn.created_at))),
        db.session.scalar(select(func.max(StockMovement.at))),
    ]
    moments = [m for m in moments if m is not None]
    return max(moments) if moments else None


def mark_restored(backup: str) -> str:
    """Note in the just-restored database that a recovery is due; returns, in plain words, what the restore lost."""
    latest = _latest_activity()
    note = {
        "from": str(backup)[:300],
        "at": utcnow().isoformat() + "Z",
        "backup_moment": latest.isoformat() + "Z" if latest else None,
    }
    with atomic():
        set_state(PENDING_KEY, json.dumps(note))
        record_audit("restore", "database", "", note=f"restored from {note['from']}")
    when = to_local(latest).strftime("%d/%m/%Y %H:%M") if latest else "the start"
    return (
        f"The showroom's books now end where the backup does, at {when}: every sale, return, stock receipt, "
        "count, transfer and catalog change made after that is gone from them. Central holds the sales and "
        "returns it received and they are taken back (`flask sync recover`); stock receipts, counts, transfers "
        "and catalog changes made after the backup are not kept at central: enter them again."
    )


@dataclass
class Recovery:
    """What a recovery took back, and what it could not."""

    sales: int = 0
    sales_total: int = 0
    returns: int = 0
    returns_total: int = 0
    already_here: int = 0
    skipped: list[str] = field(default_factory=list)
    stock_added: dict[str, int] = field(default_factory=dict)  # sku → units the shelf lacked
    without_detail: int = 0  # events central holds without their payload (received before it kept them)

    @property
    def complete(self) -> bool:
        return not self.skipped and not self.without_detail

    def report(self) -> list[str]:
        lines = [
            f"Taken back from central: {self.sales} sales ({self.sales_total:,} đ) and {self.returns} returns "
            f"({self.returns_total:,} đ), with their lines, payments and stock movements; "
            f"{self.already_here} events central holds were in the backup already.".replace(",", ".")
        ]
        if self.stock_added:
            lines.append(
                "Stock was short for these products (received after the backup, so not in it): an "
                "adjustment brought each shelf up to what was sold; count them: "
                + ", ".join(f"{sku} (+{units})" for sku, units in sorted(self.stock_added.items()))
                + "."
            )
        if self.without_detail:
            lines.append(
                f"{self.without_detail} events central holds came without their detail (received before "
                "central kept it) and could not be taken back."
            )
        lines += [f"Not taken back: {reason}" for reason in self.skipped]
        lines.append(
            "The books equal central's again; new sale numbers follow central's."
            if self.complete
            else "The recovery is still due: fix the above and run `flask sync recover` again."
        )
        return lines


class _Skip(Exception):
    """This event cannot be taken back as it is; the reason is for the manager."""


def recover(client: CentralClient | None = None) -> Recovery:
    """Take back every sale and return central holds for this showroom that the books lack. Raises
    CentralUnavailable if central cannot be asked (nothing is then changed)."""
    client = client or CentralClient.from_config()
    pending = recovery_pending() or {}
    moment = pending.get("backup_moment")
    since = (datetime.fromisoformat(moment.removesuffix("Z")) - SINCE_MARGIN).replace(microsecond=0) if moment else None
    db.session.rollback()
    result, after = Recovery(), None
    while True:
        page = client.showroom_events(since.isoformat() + "Z" if since else None, after)
        result.without_detail += int(page.get("missing") or 0)
        for event in page.get("events") or []:
            _take_back(event, result)
        after = page.get("next")
        if not after:
            break
    if result.complete and pending:
        with atomic():
            set_state(PENDING_KEY, "")
            record_audit(
                "recover",
                "database",
                "",
                note=f"{result.sales} sales and {result.returns} returns taken back from central after a restore",
            )
    log.info("sync: recovery: %s", " ".join(result.report()))
    return result


def _take_back(event: dict, result: Recovery) -> None:
    kind, uuid = event.get("kind"), str(event.get("uuid") or "")
    try:
        with atomic():
            if kind == "sale":
                if db.session.scalar(select(Sale.id).where(Sale.uuid == uuid)) is not None:
                    result.already_here += 1
                    return
                _recover_sale(event, result)
                result.sales += 1
                result.sales_total += event["total"]
            elif kind == "return":
                if db.session.scalar(select(SaleReturn.id).where(SaleReturn.uuid == uuid)) is not None:
                    result.already_here += 1
                    return
                _recover_return(event)
                result.returns += 1
                result.returns_total += event["total"]
    except (_Skip, DomainError) as reason:  # DomainError: a rule of the ledger or the books, in its own words
        result.skipped.append(f"{kind} {event.get('number') or uuid}: {reason}")
    except (KeyError, TypeError, ValueError) as problem:
        result.skipped.append(f"{kind} {event.get('number') or uuid}: central's copy is incomplete ({problem!r})")


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.removesuffix("Z"))


def _user(username: str | None) -> User:
    """Who made it, if the backup knows them; else the first admin or manager (a user made after the backup)."""
    user = db.session.scalar(select(User).where(User.username == username)) if username else None
    user = user or db.session.scalar(select(User).where(User.role.in_(("admin", "manager"))).order_by(User.id))
    if user is None:
        raise _Skip("no user in the backup to record it under")
    return user


def _shift_for(moment: datetime, hinted_id, user: User) -> int:
    """The shift it was made in, if the backup has it (opened before it); else one closed shift that holds
    whatever a recovery finds without its shift (a shift opened after the backup)."""
    # The event's time is to the second: a sale in the second its shift opened is still that shift's.
    second_ends = moment + timedelta(seconds=1)
    shift = db.session.get(Shift, hinted_id) if isinstance(hinted_id, int) else None
    if shift is not None and shift.opened_at < second_ends and (shift.closed_at is None or shift.closed_at >= moment):
        return shift.id
    shift = db.session.scalar(select(Shift).where(Shift.opened_at < second_ends, Shift.status == "open"))
    if shift is not None:
        return shift.id
    holder_id = int(get_state("recovery_shift") or 0)
    holder = db.session.get(Shift, holder_id) if holder_id else None
    if holder is None:
        holder = Shift(
            status="closed",
            open_marker=null(),  # NULL: the ORM leaves a None out and the column's default (1, "open") would fill it
            opened_at=moment,
            opened_by_id=user.id,
            opening_float=0,
            closed_at=moment,
            closed_by_id=user.id,
            z_report={"recovered": True},
        )
        db.session.add(holder)
        db.session.flush()
        set_state("recovery_shift", str(holder.id))
    holder.opened_at, holder.closed_at = min(holder.opened_at, moment), max(holder.closed_at, moment)
    return holder.id


def _claim_number(number: str, uuid: str, moment: datetime) -> None:
    held = db.session.get(SaleNumber, number)
    if held is not None and held.uuid != uuid:
        raise _Skip(f"its number {number} is held here by another sale")
    if db.session.scalar(select(SaleNumber.number).where(SaleNumber.uuid == uuid)) not in (None, number):
        raise _Skip("its uuid holds another number here")
    if held is None:
        db.session.add(SaleNumber(number=number, uuid=uuid, created_at=moment))


def _recover_sale(event: dict, result: Recovery) -> None:
    moment = _moment(event["created_at"])
    skus = {line["sku"] for line in event["lines"]}
    product_ids = dict(db.session.execute(select(Product.sku, Product.id).where(Product.sku.in_(skus))).all())
    unknown = sorted(skus - set(product_ids))
    if unknown:
        raise _Skip(
            f"products {', '.join(unknown)} are not in this showroom's catalog (added after the backup?): "
            "add them, then run `flask sync recover` again"
        )
    cashier = _user(event.get("cashier"))
    _claim_number(event["number"], event["uuid"], moment)
    sale = RecordedSale.from_payload(
        event,
        product_ids=product_ids,
        lookup_code=secrets.token_hex(5).upper(),
        shift_id=_shift_for(moment, event.get("shift_id"), cashier),
        cashier=cashier,
    )
    db.session.flush()  # the number's row and any shift, before the writer's own statements
    document = ("sale", sale.uuid)
    for line in sale.lines:
        try:
            _take_recovered(line, document, cashier, moment)
        except OutOfStock:
            missing = line.quantity - sum(lot.on_hand for lot in sellable_lots(line.product_id))
            move_stock(
                line.product_id,
                find_or_create_lot(line.product_id, "").id,
                missing,
                "adjustment",
                document=document,
                user_id=cashier.id,
                reason=f"recovered sale {sale.number}: stock received after the backup is not in it",
            )
            result.stock_added[line.sku] = result.stock_added.get(line.sku, 0) + missing
            _take_recovered(line, document, cashier, moment)
    # The one sale writer writes it, as the till did (cash rounding, payments and all).
    write_sale(
        sale,
        cashier.id,
        approved_by="",
        payload_hash=hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest(),
    )


def _take_recovered(line: RecordedLine, document: tuple[str, str], cashier: User, moment: datetime) -> None:
    take_stock(
        line.product_id,
        line.quantity,
        document=document,
        user_id=cashier.id,
        amount=line.amount,
        at=moment,
        reason="recovered from central after a restore",
    )


def _recover_return(event: dict) -> None:
    sale = db.session.scalar(select(Sale).where(Sale.uuid == event["sale_uuid"]))
    if sale is None:
        raise _Skip("the sale it refunds is not in the books")
    if db.session.scalar(select(SaleReturn.id).where(SaleReturn.number == event["number"])) is not None:
        raise _Skip(f"its number {event['number']} is held here by another return")
    moment = _moment(event["created_at"])
    user = _user(event.get("approved_by"))
    lines = {line.line_no: line for line in sale.lines}
    sale_return = SaleReturn(
        uuid=event["uuid"],
        number=event["number"],
        sale_id=sale.id,
        shift_id=_shift_for(moment, None, user),
        created_at=moment,
        reason=str(event.get("reason") or "")[:300] or "—",
        approved_by=user.username,
        refund_method=event["refund_method"],
        total=event["total"],
        vat_total=event["vat_total"],
        cash_rounding=event.get("cash_rounding") or 0,
    )
    db.session.add(sale_return)
    db.session.flush()
    for item in event["lines"]:
        line = lines.get(item["line_no"])
        if line is None or item["quantity"] > line.returnable_quantity:
            raise _Skip(f"line {item['line_no']} of sale {sale.number} does not have {item['quantity']} to return")
        _put_back(line, item["quantity"], item["amount"], sale.uuid, sale_return, user)
        line.returned_quantity += item["quantity"]
        db.session.add(
            SaleReturnLine(
                return_id=sale_return.id,
                sale_line_id=line.id,
                quantity=item["quantity"],
                amount=item["amount"],
                vat_amount=item["vat_amount"],
            )
        )
    db.session.flush()
