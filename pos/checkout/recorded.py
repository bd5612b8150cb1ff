"""A recorded sale as one value: what the till is answered (`to_json`, the API's shape in pos/core/openapi.py),
what the receipt prints (pos/checkout/receipts.py) and what central is sent (`to_payload`, the outbox event of
docs/sync-payloads.md, checked by pos/protocol/events.py).

record_sale builds it from the values it has just written, with no read back (pos/checkout/sales.py);
`RecordedSale.of` builds it from a stored Sale, for every later reader (a retry, GET, a reprint, the public
receipt). The ORM Sale stays what returns, reports and lists work on."""

from dataclasses import dataclass, fields
from datetime import datetime

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pos.core.extensions import db
from pos.core.money import round_half_up_div
from pos.core.outbox import iso_utc
from pos.einvoice.service import invoice_json
from pos.models import Lot, Producer, Product, Sale, StockMovement


@dataclass(frozen=True)
class RecordedLine:
    line_no: int
    product_id: int
    sku: str
    name_vi: str
    quantity: int
    unit_price: int
    discount: int  # the line's own discount plus its share of the order discount
    amount: int  # quantity × unit_price − discount, VAT included
    vat_rate: int
    vat_amount: int
    stars: int | None  # the OCOP rating sold under; None when sold unrated (a manager's override)
    potential_5_star: bool
    unit_cost: int | None  # the weighted-average cost at sale time; None when unknown
    consignment: bool  # taken from a producer's consigned lot
    # What central files the line under (the product's, not stored on the line here) …
    gtin: str
    producer: str
    producer_tax_code: str
    ocop_group: str
    commission: int  # … and the showroom's commission on the consigned units (their amount × the lot's rate)
    serial: str | None = None  # a serialized unit's serial, read from its label (the line is then one unit)

    def to_payload(self) -> dict:
        """The line in the outbox event (keys in this order: central hashes the JSON as sent)."""
        payload = {name: getattr(self, name) for name in _LINE_PAYLOAD}
        return payload | ({"serial": self.serial} if self.serial else {})

    def to_json(self) -> dict:
        """The line in the API's answer."""
        named = {"line_no": self.line_no, "product_id": self.product_id, "name": self.name_vi}
        return named | {name: getattr(self, name) for name in (*_SOLD, "stars", "serial")}


@dataclass(frozen=True)
class RecordedPayment:
    """As the payload and the API give it, field by field in this order."""

    method: str  # cash, card or vietqr
    amount: int  # what it contributes to the total
    tendered: int  # cash handed over (0 for card and VietQR)
    change: int
    reference: str  # a card terminal's reference


@dataclass(frozen=True)
class RecordedSale:
    id: int
    uuid: str
    number: str
    lookup_code: str
    shift_id: int
    cashier: str  # the cashier's username
    cashier_name: str  # what the receipt prints: the full name, else the username
    created_at: datetime  # UTC
    subtotal: int  # before discounts
    discount_total: int
    total: int  # VAT included
    vat_total: int
    cash_rounding: int  # what rounding the cash due added to the total (− or +); 0 without cash
    lines: tuple[RecordedLine, ...]
    payments: tuple[RecordedPayment, ...]

    @property
    def paid(self) -> int:
        """What the buyer paid: the goods and the cash rounding."""
        return self.total + self.cash_rounding

    @property
    def vat_by_rate(self) -> list[tuple[int, int, int]]:
        """(rate, amount with VAT included, VAT in it) per rate, lowest rate first: what a receipt shows."""
        amounts: dict[int, int] = {}
        vats: dict[int, int] = {}
        for line in self.lines:
            amounts[line.vat_rate] = amounts.get(line.vat_rate, 0) + line.amount
            vats[line.vat_rate] = vats.get(line.vat_rate, 0) + line.vat_amount
        return [(rate, amounts[rate], vats[rate]) for rate in sorted(amounts)]

    def to_payload(self) -> dict:
        """The outbox event's body (pos.core.outbox.enqueue adds version, kind and showroom). Central hashes the
        JSON as sent, key order included: keep the order of these keys."""
        return {
            "uuid": self.uuid,
            "number": self.number,
            "created_at": iso_utc(self.created_at),
            "cashier": self.cashier,
            "shift_id": self.shift_id,
            "total": self.total,
            "vat_total": self.vat_total,
            "discount_total": self.discount_total,
            "cash_rounding": self.cash_rounding,
            "lines": [line.to_payload() for line in self.lines],
            "payments": [dict(vars(payment)) for payment in self.payments],
        }

    def to_json(self) -> dict:
        """What the till's API answers (POST and GET /api/v1/sales…); inside a request."""
        return {name: getattr(self, name) for name in _SALE_JSON} | {
            "paid": self.paid,
            "created_at": self.created_at.isoformat() + "Z",
            "receipt_url": receipt_url(self),
            "einvoice": invoice_json(self.id),  # the sale's e-invoice (number, code, buyer), or None
            "lines": [line.to_json() for line in self.lines],
            "payments": [dict(vars(payment)) for payment in self.payments],
        }

    @classmethod
    def of(cls, sale: Sale) -> "RecordedSale":
        """A stored sale as the writer recorded it. The product facts central files a line under are the
        catalogue's now; the commissions are those of the stock the sale took (its movements)."""
        rows = db.session.execute(
            select(
                Product.id,
                Product.gtin14.label("gtin"),
                Producer.name.label("producer"),
                Producer.tax_code.label("producer_tax_code"),
                Product.ocop_group,
            )
            .join(Producer, Producer.id == Product.producer_id)
            .where(Product.id.in_({line.product_id for line in sale.lines}))
        ).mappings()
        facts = {row["id"]: {name: row[name] for name in _FILED_UNDER} for row in rows}
        commissions = _commissions(sale)
        cashier = sale.cashier
        return cls(
            sale.id,
            sale.uuid,
            sale.number,
            sale.lookup_code,
            sale.shift_id,
            cashier.username,
            cashier.full_name or cashier.username,
            sale.created_at,
            sale.subtotal,
            sale.discount_total,
            sale.total,
            sale.vat_total,
            sale.cash_rounding,
            tuple(
                RecordedLine(
                    **{name: getattr(line, name) for name in _STORED_LINE},
                    **facts.get(line.product_id, dict.fromkeys(_FILED_UNDER, "")),
                    commission=commissions.get(line.line_no, 0),
                )
                for line in sale.lines
            ),
            tuple(RecordedPayment(*(getattr(p, name) for name in _STORED_PAYMENT)) for p in sale.payments),
        )

    @classmethod
    def from_payload(
        cls, payload: dict, *, product_ids: dict[str, int], lookup_code: str, shift_id: int, cashier
    ) -> "RecordedSale":
        """The sale of an outbox event as central holds it (`to_payload`'s inverse), to be written again here:
        `product_ids` maps its SKUs to this showroom's products, `cashier` is whom it is recorded under. What an
        older event lacks is what the till records without it (no rating, no cost, nothing consigned)."""
        return cls(
            0,  # not yet written
            payload["uuid"],
            payload["number"],
            lookup_code,
            shift_id,
            cashier.username,
            cashier.full_name or cashier.username,
            datetime.fromisoformat(payload["created_at"].removesuffix("Z")),
            sum(line["quantity"] * line["unit_price"] for line in payload["lines"]),
            payload.get("discount_total") or 0,
            payload["total"],
            payload["vat_total"],
            payload.get("cash_rounding") or 0,
            tuple(
                RecordedLine(
                    **{name: line[name] for name in _SOLD},
                    line_no=line["line_no"],
                    product_id=product_ids[line["sku"]],
                    sku=line["sku"],
                    name_vi=line["name_vi"],
                    stars=line.get("stars"),
                    potential_5_star=bool(line.get("potential_5_star")),
                    unit_cost=line.get("unit_cost"),
                    consignment=bool(line.get("consignment")),
                    **{name: line.get(name) or "" for name in _FILED_UNDER},
                    commission=line.get("commission") or 0,
                    serial=line.get("serial"),
                )
                for line in payload["lines"]
            ),
            tuple(
                RecordedPayment(
                    payment["method"],
                    payment["amount"],
                    payment.get("tendered") or 0,
                    payment.get("change") or 0,
                    str(payment.get("reference") or "")[:80],
                )
                for payment in payload.get("payments") or []
            ),
        )


# What central files a line under (the product's); the rest of a RecordedLine and a RecordedPayment are stored as is.
_FILED_UNDER = ("gtin", "producer", "producer_tax_code", "ocop_group")
_STORED_LINE = tuple(f.name for f in fields(RecordedLine) if f.name not in (*_FILED_UNDER, "commission"))
_STORED_PAYMENT = tuple(f.name for f in fields(RecordedPayment))
_SOLD = ("quantity", "unit_price", "discount", "amount", "vat_rate", "vat_amount")  # a line's figures, as sold
# The keys of a line in the outbox event, in their order (then its serial, if any).
_LINE_PAYLOAD = (
    *("line_no", "sku", "gtin", "name_vi", "producer", "producer_tax_code", "ocop_group", "stars", "potential_5_star"),
    *_SOLD,
    *("unit_cost", "consignment", "commission"),
)
# What the API's answer for a sale starts with.
_SALE_JSON = ("uuid", "number", "lookup_code", "total", "subtotal", "discount_total", "vat_total", "cash_rounding")


def _commissions(sale: Sale) -> dict[int, int]:
    """Each consigned line's commission, from the movements the sale took its stock with: a product's lines took
    theirs in line order, one movement per lot, each carrying its part of the line amount."""
    if not any(line.consignment for line in sale.lines):
        return {}
    taken: dict[int, list[tuple[int, int]]] = {}  # product → (units, commission) per movement, in order
    for product_id, quantity, amount, ownership, rate in db.session.execute(
        select(
            StockMovement.product_id, StockMovement.quantity, StockMovement.amount, Lot.ownership, Lot.commission_rate
        )
        .join(Lot, Lot.id == StockMovement.lot_id)
        .where(
            StockMovement.document_type == "sale",
            StockMovement.document_id == sale.uuid,
            StockMovement.kind == "sale",
        )
        .order_by(StockMovement.id)
    ):
        commission = round_half_up_div((amount or 0) * rate, 100) if ownership == "consignment" else 0
        taken.setdefault(product_id, []).append((-quantity, commission))
    commissions = {}
    for line in sale.lines:
        movements, units, commission = taken.get(line.product_id, []), 0, 0
        while movements and units < line.quantity:
            part, part_commission = movements.pop(0)
            units, commission = units + part, commission + part_commission
        commissions[line.line_no] = commission
    return commissions


def receipt_url(sale: RecordedSale) -> str:
    """Where the buyer finds the receipt (its printed QR code): PUBLIC_BASE_URL's, else this server's."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("checkout.public_receipt", lookup_code=sale.lookup_code, _external=not base)
    return base.rstrip("/") + path if base else path


def find_recorded(sale_uuid: str) -> RecordedSale | None:
    sale = db.session.scalar(
        select(Sale)
        .where(Sale.uuid == sale_uuid)
        .options(selectinload(Sale.lines), selectinload(Sale.payments), selectinload(Sale.cashier))
    )
    return RecordedSale.of(sale) if sale else None
