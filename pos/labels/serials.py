"""Serials: one per unit of a serialized product, printed on its label (GS1 Digital Link `/21/{serial}`).

A serial is 10 characters of an alphabet without the look-alikes 0/O, 1/I/L, drawn with `secrets`: 31¹⁰ ≈ 8×10¹⁴
values, so guessing one that was issued is hopeless, and it stays well within GS1's 20 characters. Serials are
issued when a posted goods receipt's labels are printed, all units of its serialized lines at once, with their lot
and showroom; printing the receipt's labels again prints the same serials (a jammed sheet is reprinted, not
re-issued).

Where a serial stands is read, not stored twice: issued here (serials), sold (the sale line carrying it, not
returned: a unique index lets one line at a time hold it), or never issued."""

import re
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from urllib.parse import unquote

from flask import current_app
from sqlalchemy import bindparam, func, insert, select

from pos.core.clock import to_local, utcnow
from pos.core.database import atomic
from pos.core.errors import Conflict, InvalidSerial, NotFound, SerialRefused, Text
from pos.core.extensions import db
from pos.core.formatting import format_date
from pos.core.outbox import enqueue, iso_utc
from pos.labels.render import LabelContent
from pos.labels.service import LabelItem, check_ratings, label_content, product_url, public_base_url
from pos.models import GoodsReceipt, GoodsReceiptLine, LabelScanDaily, Lot, Product, Sale, SaleLine, Serial, Showroom
from pos.models.serials import MAX_SERIALS_ISSUED, SERIAL_ALPHABET, SERIAL_LENGTH

_ALPHABET_SET = frozenset(SERIAL_ALPHABET)


def new_serial() -> str:
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))


def is_serial(text) -> bool:
    """Whether `text` has the form of our serials (any text, any type)."""
    return isinstance(text, str) and len(text) == SERIAL_LENGTH and set(text) <= _ALPHABET_SET


def check_serial(text) -> str:
    """`text` if it has the form of our serials; raises InvalidSerial (a 400) saying why not."""
    if not is_serial(text):
        raise InvalidSerial(
            "This serial is not one this network prints (%(n)d capital letters and digits, without 0, O, 1, I or L): "
            "the label may be fake or damaged.",
            n=SERIAL_LENGTH,
            fields={"serial": Text("not a serial")},
        )
    return text


# --- issuing -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedLine:
    """The serials of one goods-receipt line (one per unit), in the order they print."""

    line: GoodsReceiptLine
    product: Product
    lot_code: str
    serials: tuple[str, ...]


def get_receipt(receipt_id: int) -> GoodsReceipt:
    receipt = db.session.get(GoodsReceipt, receipt_id)
    if receipt is None:
        raise NotFound("No such goods receipt.")
    return receipt


def issued_for_receipt(receipt: GoodsReceipt) -> list[IssuedLine]:
    """The serials issued for the receipt so far (nothing is issued here)."""
    issued = _issued_by_line(receipt.id)
    return [
        IssuedLine(line, line.product, line.lot_code, tuple(issued[line.id]))
        for line in receipt.lines
        if issued.get(line.id)
    ]


def serialized_lines(receipt: GoodsReceipt) -> list[GoodsReceiptLine]:
    return [line for line in receipt.lines if line.product.serialized]


def issue_for_receipt(receipt_id: int, user) -> list[IssuedLine]:
    """The serials of the receipt's serialized lines: issued now for lines that have none yet, the same ones
    again for lines issued before. Only a posted receipt (not a reversal, not reversed) gets serials."""
    with atomic():
        receipt = get_receipt(receipt_id)
        if receipt.status != "posted" or receipt.reverses_id:
            raise Conflict(
                "Serials are issued for a posted goods receipt only (receipt %(number)s is not one).",
                number=receipt.number,
                fields={"status": receipt.status},
            )
        lines = serialized_lines(receipt)
        if not lines:
            raise Conflict(
                "Receipt %(number)s has no serialized products: mark a product serialized in the catalog first.",
                number=receipt.number,
                fields={"serialized": "none"},
            )
        issued = _issued_by_line(receipt.id)
        missing = [line for line in lines if line.id not in issued]
        if missing:
            issued |= _issue(receipt, missing, user.id, utcnow())
    return [
        IssuedLine(line, line.product, line.lot_code, tuple(issued[line.id])) for line in lines if issued.get(line.id)
    ]


def _issued_by_line(receipt_id: int) -> dict[int, list[str]]:
    by_line: dict[int, list[str]] = {}
    for line_id, serial in db.session.execute(
        select(Serial.receipt_line_id, Serial.serial).where(Serial.receipt_id == receipt_id).order_by(Serial.id)
    ):
        by_line.setdefault(line_id, []).append(serial)
    return by_line


def _issue(receipt: GoodsReceipt, lines: list[GoodsReceiptLine], user_id: int, now: datetime) -> dict[int, list[str]]:
    """New serials for each line's units, in one insert. A collision with an earlier serial (31¹⁰ values: it will
    not happen, but the unique index would say so) draws again."""
    showroom = current_app.config["SHOWROOM_CODE"]
    rows, by_line = [], {}
    wanted = sum(line.quantity for line in lines)
    fresh = _fresh_serials(wanted)
    for line in lines:
        lot_id = db.session.scalar(
            select(Lot.id).where(
                Lot.product_id == line.product_id, Lot.code == line.lot_code, Lot.ownership == line.ownership
            )
        )
        serials = [fresh.pop() for _ in range(line.quantity)]
        by_line[line.id] = serials
        rows.extend(
            {
                "serial": serial,
                "product_id": line.product_id,
                "lot_id": lot_id,
                "lot_code": line.lot_code,
                "receipt_id": receipt.id,
                "receipt_line_id": line.id,
                "showroom": showroom,
                "issued_at": now,
                "issued_by_id": user_id,
            }
            for serial in serials
        )
    db.session.execute(insert(Serial), rows)
    products = {line.product_id: line.product for line in lines}
    # Central learns each serial where it was issued (docs/sync-payloads.md, `serials`), in this transaction.
    # One event per MAX_SERIALS_ISSUED units, the most central takes in one.
    for start in range(0, len(rows), MAX_SERIALS_ISSUED):
        enqueue(
            "serials",
            {
                "uuid": str(uuid.uuid4()),
                "receipt": receipt.number,
                "created_at": iso_utc(now),
                "units": [
                    {
                        "serial": row["serial"],
                        "sku": products[row["product_id"]].sku,
                        "gtin": products[row["product_id"]].gtin14,
                        "lot": row["lot_code"],
                    }
                    for row in rows[start : start + MAX_SERIALS_ISSUED]
                ],
            },
            at=now,
        )
    return by_line


def _fresh_serials(count: int) -> list[str]:
    """`count` distinct serials that no earlier serial has."""
    fresh: set[str] = set()
    while len(fresh) < count:
        batch = {new_serial() for _ in range(count - len(fresh))} - fresh
        taken = set(db.session.scalars(select(Serial.serial).where(Serial.serial.in_(batch)))) if batch else set()
        fresh |= batch - taken
    return list(fresh)


def serial_contents(
    issued: list[IssuedLine], *, with_stars: bool = True, base_url: str | None = None
) -> list[LabelContent]:
    """One label per serial, in order: the product's label for its lot, with the unit's serial in its URL and text."""
    items = [LabelItem(line.product, len(line.serials), _lot(line), line.lot_code) for line in issued]
    check_ratings(items, with_stars)
    base_url = base_url or public_base_url()
    contents = []
    for item, line in zip(items, issued, strict=True):
        template = label_content(item, with_stars=with_stars, base_url=base_url)
        contents.extend(
            replace(
                template,
                url=product_url(line.product, line.lot_code or None, base_url, serial),
                serial_line=f"Sê-ri {serial}",
            )
            for serial in line.serials
        )
    return contents


def _lot(line: IssuedLine) -> Lot | None:
    receipt_line = line.line
    return db.session.scalar(
        select(Lot).where(
            Lot.product_id == receipt_line.product_id,
            Lot.code == receipt_line.lot_code,
            Lot.ownership == receipt_line.ownership,
        )
    )


# --- where a serial stands -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SerialState:
    """Where one serial stands at this showroom: `status` is in_stock, sold or never_issued."""

    serial: str
    status: str
    product_id: int | None = None
    lot_code: str = ""
    showroom: str = ""  # where it was issued
    showroom_name: str = ""
    sold_at: datetime | None = None
    sold_showroom_name: str = ""  # where it was sold: this showroom (a sale line here holds it)


# Built once with its parameter: every scan of a serial's page and the scan lookups run it (bench/labels.py, 7).
_STATE = (
    select(Serial.product_id, Serial.lot_code, Serial.showroom, Showroom.name, Sale.created_at)
    .outerjoin(Showroom, Showroom.code == Serial.showroom)
    .outerjoin(SaleLine, (SaleLine.serial == Serial.serial) & (SaleLine.returned_quantity == 0))
    .outerjoin(Sale, Sale.id == SaleLine.sale_id)
    .where(Serial.serial == bindparam("serial"))
)


def serial_state(serial: str) -> SerialState:
    """One read by the serials' unique index and the sale lines' partial one (a line not returned holds it), in Core
    on the session's connection (the ORM's own work per statement was most of the time)."""
    row = db.session.connection().execute(_STATE, {"serial": serial}).first()
    if row is None:
        return SerialState(serial, "never_issued")
    product_id, lot_code, showroom, name, sold_at = row
    name = name or showroom
    if sold_at is not None:
        here = current_app.config["SHOWROOM_CODE"]
        sold_where = name if here == showroom else _showroom_name(here)
        return SerialState(serial, "sold", product_id, lot_code, showroom, name, sold_at, sold_where)
    return SerialState(serial, "in_stock", product_id, lot_code, showroom, name)


def _showroom_name(code: str) -> str:
    return db.session.scalar(select(Showroom.name).where(Showroom.code == code)) or code


# --- what the till may sell ------------------------------------------------------------------------------------------

_SERIAL_IN_LINK = re.compile(r"/01/\d{8,14}(?:/[^/?#]+/[^/?#]+)*?/21/([^/?#]*)")


def serial_in_text(text: str) -> str | None:
    """The serial of a Digital Link a scanner typed (…/21/{serial}), checked to be one of ours: None when the text
    carries no serial; InvalidSerial (a 400) when it carries one that cannot be ours (lower case, a character
    outside the alphabet, too long, NUL…)."""
    match = _SERIAL_IN_LINK.search(text or "")
    if match is None:
        return None
    return check_serial(unquote(match.group(1), errors="replace"))


def refuse(
    serial: str, product_id: int, product_name: str, issued_product_id: int | None, sold_at: datetime | None
) -> None:
    """Raise SerialRefused, in the cashier's language, when the unit labelled `serial` may not be sold as the product
    `product_id`: never issued, issued for another product, or already sold (then where and when: a copied label)."""
    if issued_product_id is None:
        raise SerialRefused(
            "This label's serial %(serial)s was never issued — the label may be fake. Do not sell this unit; "
            "call a manager.",
            serial=serial,
            code="serial_never_issued",
            fields={"serial": Text("never issued")},
        )
    if issued_product_id != product_id:
        other = db.session.get(Product, issued_product_id)
        raise SerialRefused(
            "Serial %(serial)s was issued for another product (%(other)s), not %(name)s — the label may be fake "
            "or stuck on the wrong unit.",
            serial=serial,
            other=other.name_vi if other else "?",
            name=product_name,
            code="serial_other_product",
            fields={"serial": Text("issued for another product")},
        )
    if sold_at is not None:
        raise SerialRefused(
            "This label was sold on %(date)s at %(showroom)s — it may be a copied label. Do not sell this unit; "
            "call a manager.",
            date=format_date(to_local(sold_at).date()),
            showroom=_showroom_name(current_app.config["SHOWROOM_CODE"]),
            code="serial_sold",
            fields={"serial": Text("already sold")},
        )


def check_sellable(serial: str, product: Product) -> None:
    """What the till's scan is told before the unit goes into the cart (the sale checks again as it is written)."""
    state = serial_state(serial)
    refuse(serial, product.id, product.name_vi, state.product_id, state.sold_at)


# --- suspect labels ---------------------------------------------------------------------------------------------------

SUSPECT_REASONS = ("never_issued", "scanned_after_sale", "many_scans")


def suspect_reason(
    *, issued: bool, days_scanned_after_sale: int, scans: int, suspect_days: int, suspect_scans: int
) -> str | None:
    """Why a serial's label looks like a copy in circulation, or None: scanned but never issued; sold, and still
    scanned on `suspect_days` different days after the sale (a buyer looks once or twice; a copy on a shelf is
    looked at every day); or scanned more than `suspect_scans` times in all. The showroom's product page and
    central's suspect labels page use this one rule (SERIAL_SUSPECT_DAYS, SERIAL_SUSPECT_SCANS)."""
    if scans and not issued:
        return "never_issued"
    if days_scanned_after_sale >= suspect_days:
        return "scanned_after_sale"
    if scans > suspect_scans:
        return "many_scans"
    return None


@dataclass(frozen=True)
class ProductSuspect:
    serial: str
    reason: str
    scans: int
    scan_days: int
    first_seen: date
    last_seen: date
    sold_at: datetime | None


def scan_summary(daily):
    """Per serial of a table of daily scans (this showroom's LabelScanDaily, central's RemoteSerialScanDaily): the
    serial, its scans, the days it was scanned on, the first and the last of them."""
    return select(
        daily.serial,
        func.sum(daily.scans),
        func.count(func.distinct(daily.day)),
        func.min(daily.day),
        func.max(daily.day),
    ).group_by(daily.serial)


def product_suspects(product_id: int) -> list[ProductSuspect]:
    """The product's serials whose scans here look like a copy in circulation (suspect_reason), for the manager's
    product page; most recently seen first. Scans of a serial that this showroom never issued count too."""
    config = current_app.config
    found = []
    for serial, total, days, first, last in db.session.execute(
        scan_summary(LabelScanDaily).where(LabelScanDaily.product_id == product_id, LabelScanDaily.serial != "")
    ):
        state = serial_state(serial)
        issued = state.product_id == product_id
        after = 0
        if state.sold_at is not None:
            sold_on = to_local(state.sold_at).date()
            after = db.session.scalar(
                select(func.count(func.distinct(LabelScanDaily.day))).where(
                    LabelScanDaily.serial == serial, LabelScanDaily.day > sold_on
                )
            )
        reason = suspect_reason(
            issued=issued,
            days_scanned_after_sale=after,
            scans=int(total),
            suspect_days=config["SERIAL_SUSPECT_DAYS"],
            suspect_scans=config["SERIAL_SUSPECT_SCANS"],
        )
        if reason:
            found.append(ProductSuspect(serial, reason, int(total), days, first, last, state.sold_at))
    found.sort(key=lambda s: (s.last_seen, s.serial), reverse=True)
    return found
