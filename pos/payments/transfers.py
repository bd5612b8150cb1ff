"""Incoming bank transfers: stored once per provider transaction, matched to the sale whose number they carry,
and what a till waiting on a VietQR sees of them.

Central stores each verified notice (a webhook answers as soon as its row is written) for the showroom named in
its content; the showroom takes its own over its sync connection (pull_from_central, while a till waits) or, when
it is public itself, straight from the webhook, and matches each to a sale. What matches no sale waits in the
unmatched list, where a cashier attaches it to the open sale or a manager marks it handled, both audited."""

import logging
import threading
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import or_, select, update

from pos.core.audit import record_audit
from pos.core.clock import utcnow
from pos.core.database import atomic, dialect_insert
from pos.core.errors import Conflict, NotFound, Text, ValidationError
from pos.core.extensions import db
from pos.core.limits import NOTE_MAX, checked_text
from pos.models import BankTransfer, SaleNumber, Showroom, ShowroomKey, VietQRRequest
from pos.payments.matching import number_candidates, showroom_in
from pos.payments.providers import TransferNotice

log = logging.getLogger(__name__)
COUNTED = ("matched", "attached")  # a transfer that pays its sale
PULL_PAGE = 100


def _local_showroom() -> Showroom | None:
    return db.session.scalar(select(Showroom).where(Showroom.code == current_app.config["SHOWROOM_CODE"]))


def _central_codes() -> list[str]:
    return list(db.session.scalars(select(Showroom.code).join(ShowroomKey, ShowroomKey.showroom_id == Showroom.id)))


def _match(notice: TransferNotice) -> dict:
    """At a showroom: the sale the transfer pays (by the payOS order code, else the number in its content) and
    whether it reached our account; the status and sale columns of its row."""
    showroom = _local_showroom()
    account = showroom.bank_account if showroom else ""
    if notice.direction != "in":
        return {"status": "ignored", "problem": "money going out"}
    if account and notice.account_number and notice.account_number.lstrip("0") != account.lstrip("0"):
        return {"status": "unmatched", "problem": f"to another account ({notice.account_number})"}
    found = None
    if notice.order_code is not None:
        found = db.session.execute(
            select(VietQRRequest.sale_uuid, VietQRRequest.sale_number).where(
                VietQRRequest.order_code == notice.order_code
            )
        ).first()
    if found is None:
        candidates = number_candidates(notice.content, current_app.config["SHOWROOM_CODE"])
        if candidates:
            held = dict(
                db.session.execute(
                    select(SaleNumber.number, SaleNumber.uuid).where(SaleNumber.number.in_(candidates))
                ).all()
            )
            number = next((n for n in candidates if n in held), None)
            found = (held[number], number) if number else None
    if found is None:
        return {"status": "unmatched", "problem": "no sale number of ours in the content"}
    return {"status": "matched", "sale_uuid": found[0], "sale_number": found[1]}


def store_notice(notice: TransferNotice) -> bool:
    """Store the transfer once (its provider and transaction id are UNIQUE): True when new, False for a repeat,
    which changes nothing. Central notes whose it is; a showroom matches it to its sale."""
    values = notice.to_json() | {"received_at": utcnow()}
    with atomic():
        if current_app.config["POS_ROLE"] == "central":
            values |= {"status": "received" if notice.direction == "in" else "ignored"}
            values["showroom_code"] = showroom_in(notice.content, _central_codes()) if notice.direction == "in" else ""
        else:
            values |= {"showroom_code": current_app.config["SHOWROOM_CODE"]} | _match(notice)
        result = db.session.execute(
            dialect_insert(BankTransfer.__table__)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["provider", "provider_ref"])
        )
    created = result.rowcount == 1
    if created:
        log.info(
            "transfer %s %s of %s stored: %s", notice.provider, notice.provider_ref, notice.amount, values["status"]
        )
    return created


def count_refused(provider: str) -> None:
    """One more refused webhook in this minute's counter (the table central counts refused sync requests in)."""
    from pos.central.registry import add_refusal  # on call: pos.central's api imports this module

    with atomic():
        add_refusal(utcnow().replace(second=0, microsecond=0), "", f"{provider} webhook refused")
    log.warning("%s webhook refused", provider)


# --- central: a showroom takes its transfers ------------------------------------------------------------------


def transfers_for_showroom(code: str, account: str, after: int) -> dict:
    """The transfers central received for showroom `code` after id `after`: those whose content names one of its
    sale numbers, and those naming none that reached its account. {"transfers": [...], "next": id}."""
    mine = BankTransfer.showroom_code == code
    if account:
        mine = or_(mine, (BankTransfer.showroom_code == "") & (BankTransfer.account_number == account))
    rows = db.session.scalars(
        select(BankTransfer)
        .where(BankTransfer.id > after, BankTransfer.status == "received", mine)
        .order_by(BankTransfer.id)
        .limit(PULL_PAGE)
    ).all()
    return {
        "transfers": [TransferNotice.from_json(_notice_json(row)).to_json() for row in rows],
        "next": rows[-1].id if rows else after,
    }


def _notice_json(row: BankTransfer) -> dict:
    return {field: getattr(row, field) for field in TransferNotice.__dataclass_fields__}


# --- a showroom: taking them from central -------------------------------------------------------------------

_pull_lock = threading.Lock()
_last_pull = {"at": 0.0, "result": "off"}


def pull_from_central(min_interval_s: float = 0.25) -> str:
    """Take this showroom's new transfers from central over the signed sync client: "ok", "unreachable" (the
    till falls back to the cashier's confirmation) or "off" (no central configured). Tills waiting at once share
    one request: a call within `min_interval_s` of the last answers that one's result."""
    from pos.core.state import get_state, set_state
    from pos.sync.client import CentralClient, CentralUnavailable

    config = current_app.config
    if not config.get("CENTRAL_URL") or not config.get("SYNC_SECRET"):
        return "off"
    with _pull_lock:
        if time.monotonic() - _last_pull["at"] < min_interval_s:
            return _last_pull["result"]
        result = "ok"
        try:
            client = CentralClient(
                config["CENTRAL_URL"], config["SHOWROOM_CODE"], config["SYNC_SECRET"], min(config["SYNC_TIMEOUT_S"], 2)
            )
            showroom = _local_showroom()
            after = int(get_state("transfers_after", "0") or 0)
            for _page in range(10):
                answer = client.transfers(after, showroom.bank_account if showroom else "")
                for item in answer.get("transfers") or []:
                    store_notice(TransferNotice.from_json(item))
                following = int(answer.get("next") or after)
                if following <= after:
                    break
                after = following
                with atomic():
                    set_state("transfers_after", str(after))
                if len(answer.get("transfers") or []) < PULL_PAGE:
                    break
        except (CentralUnavailable, ValidationError, ValueError, TypeError) as problem:
            log.warning("transfers: could not take them from central: %s", problem)
            result = "unreachable"
        _last_pull.update(at=time.monotonic(), result=result)
        return result


# --- a showroom: what the till sees ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingSale:
    """What a till waiting on a VietQR shows: what the bank confirmed for the sale against what was asked."""

    number: str
    asked: int  # the amount of the latest QR shown
    received: int
    transfers: list[BankTransfer]

    @property
    def still_due(self) -> int:
        return max(self.asked - self.received, 0)

    @property
    def excess(self) -> int:
        return max(self.received - self.asked, 0)


def waiting_sale(sale_uuid: str) -> WaitingSale:
    request = db.session.scalar(
        select(VietQRRequest).where(VietQRRequest.sale_uuid == sale_uuid).order_by(VietQRRequest.id.desc()).limit(1)
    )
    transfers = sale_transfers(sale_uuid)
    return WaitingSale(
        request.sale_number if request else "",
        request.amount if request else 0,
        sum(t.amount for t in transfers),
        transfers,
    )


def sale_transfers(sale_uuid: str) -> list[BankTransfer]:
    """The transfers that pay the sale (matched by its number, or attached by a cashier)."""
    return list(
        db.session.scalars(
            select(BankTransfer)
            .where(BankTransfer.sale_uuid == sale_uuid, BankTransfer.status.in_(COUNTED))
            .order_by(BankTransfer.id)
        )
    )


def unmatched_transfers(limit: int = 50) -> list[BankTransfer]:
    return list(
        db.session.scalars(
            select(BankTransfer).where(BankTransfer.status == "unmatched").order_by(BankTransfer.id.desc()).limit(limit)
        )
    )


def attach(transfer_id: int, sale_uuid: str, user) -> BankTransfer:
    """A cashier attaches an unmatched transfer to the open sale (its number was handed out): audited."""
    with atomic():
        number = db.session.scalar(select(SaleNumber.number).where(SaleNumber.uuid == sale_uuid))
        if number is None:
            raise NotFound("No open sale with this UUID.", fields={"sale_uuid": "unknown"})
        moved = db.session.execute(
            update(BankTransfer)
            .where(BankTransfer.id == transfer_id, BankTransfer.status == "unmatched")
            .values(
                status="attached",
                sale_uuid=sale_uuid,
                sale_number=number,
                handled_by=user.username,
                handled_at=utcnow(),
            )
        ).rowcount
        if not moved:
            raise Conflict("This transfer is no longer unmatched.", fields={"transfer": "not unmatched"})
        transfer = db.session.get(BankTransfer, transfer_id)
        record_audit(
            "attach",
            "bank_transfer",
            transfer_id,
            user=user,
            after={"sale": number, "amount": transfer.amount, "reference": transfer.provider_ref},
            note=f"transfer {transfer.provider_ref} attached by hand to sale {number}",
        )
    return transfer


def mark_handled(transfer_id: int, note: str, user) -> BankTransfer:
    """A manager marks an unmatched transfer handled outside a sale (refunded, another shop's…): audited."""
    note = checked_text(note, NOTE_MAX, "note", Text("Say how the transfer was handled"), required=True)
    with atomic():
        moved = db.session.execute(
            update(BankTransfer)
            .where(BankTransfer.id == transfer_id, BankTransfer.status == "unmatched")
            .values(status="handled", note=note, handled_by=user.username, handled_at=utcnow())
        ).rowcount
        if not moved:
            raise Conflict("This transfer is no longer unmatched.", fields={"transfer": "not unmatched"})
        transfer = db.session.get(BankTransfer, transfer_id)
        record_audit("handle", "bank_transfer", transfer_id, user=user, note=f"{transfer.provider_ref}: {note}")
    return transfer
