"""Serials: one per unit of a serialized product, printed on its label (GS1 Digital Link `/21/{serial}`).

A serial is 10 characters of an alphabet without the look-alikes 0/O, 1/I/L, drawn with `secrets`: 31¹⁰ ≈ 8×10¹⁴
values, so guessing one that was issued is hopeless, and it stays well within GS1's 20 characters. Serials are
issued when a posted goods receipt's labels are printed, all units of its serialized lines at once, with their lot
and showroom; printing the receipt's labels again prints the same serials (a jammed sheet is reprinted, not
re-issued).

Where a serial stands is read, not stored twice: issued here (serials), sold (the sale line carrying it, not
returned: a unique index lets one line at a time hold it), or never issued."""

import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app
from sqlalchemy import insert, select

from pos.core.clock import utcnow
from pos.core.database import atomic
from pos.core.errors import Conflict, InvalidSerial, NotFound, Text
from pos.core.extensions import db
from pos.labels.render import LabelContent
from pos.labels.service import LabelItem, check_ratings, label_content, product_url, public_base_url
from pos.models import GoodsReceipt, GoodsReceiptLine, Lot, Product, Sale, SaleLine, Serial, Showroom

SERIAL_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0, O, 1, I, L
SERIAL_LENGTH = 10
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
    showroom: str = ""  # where it was issued (in stock) or sold
    showroom_name: str = ""
    sold_at: datetime | None = None


def serial_state(serial: str) -> SerialState:
    """Two indexed reads: the serial issued, and the sale line holding it (if sold and not returned)."""
    issued = db.session.execute(
        select(Serial.product_id, Serial.lot_code, Serial.showroom).where(Serial.serial == serial)
    ).first()
    if issued is None:
        return SerialState(serial, "never_issued")
    sold = db.session.execute(
        select(Sale.created_at)
        .join(SaleLine, SaleLine.sale_id == Sale.id)
        .where(SaleLine.serial == serial, SaleLine.returned_quantity == 0)
    ).first()
    names = _showroom_name(issued.showroom)
    if sold is not None:
        return SerialState(serial, "sold", issued.product_id, issued.lot_code, issued.showroom, names, sold.created_at)
    return SerialState(serial, "in_stock", issued.product_id, issued.lot_code, issued.showroom, names)


def _showroom_name(code: str) -> str:
    return db.session.scalar(select(Showroom.name).where(Showroom.code == code)) or code
