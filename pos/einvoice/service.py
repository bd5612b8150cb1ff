"""Issuing e-invoices: one for each completed sale, in the sale's transaction, and what a return requires for
the sale's invoice (an adjustment referencing it), in the return's transaction.

Numbers: SHDon runs in sequence per form and symbol (the symbol carries the invoice's year, so a new series
starts on 1 January), MCCQT's 11 digits increase per block for as long as it is used. Both come from
einvoice_counters, bumped inside the transaction: a sale that rolls back gives its numbers back, so none is
skipped, and two tills never get the same one (SQLite's writer lock, PostgreSQL's row lock on the counter).

A sale issues its invoice on the same fast path (`Sql`) as the rest of the sale: one settings read, two counter
bumps (one statement) and one insert; the products' units come with the sale's read of its products."""

import functools
import json
import re
from dataclasses import dataclass

from sqlalchemy import select

from pos.core.clock import to_local
from pos.core.database import Sql
from pos.core.errors import Conflict, Text, ValidationError, problem_list
from pos.core.extensions import db
from pos.core.limits import ADDRESS_MAX, NAME_MAX, SALE_LINES_MAX, OutOfLimits, check_text
from pos.core.money import vat_inside
from pos.einvoice.settings import Settings, current_settings
from pos.einvoice.words import amount_in_words
from pos.models import Einvoice, EinvoiceSettings

NUMBER_MAX = 99_999_999  # SHDon: at most 8 digits
MTT_SERIAL_MAX = 10**11 - 1  # MCCQT's 11 digits

BUYER_FIELDS = ("name", "tax_code", "address", "phone", "id_number")
_TAX_CODE = re.compile(r"\d{10}(-\d{3})?|\d{12}")  # a business's 10 (branch 10-3), a person's 12 (their ID number)
_PHONE = re.compile(r"(0|\+84)[1-9]\d{8,9}")
_ID_NUMBER = re.compile(r"\d{12}|\d{9}|[A-Z]\d{7,8}")  # citizen ID (CCCD), old ID card (CMND), passport


@dataclass(frozen=True)
class Buyer:
    """What the buyer asked to have on the invoice; "" for what they did not give."""

    name: str = ""
    tax_code: str = ""
    address: str = ""
    phone: str = ""
    id_number: str = ""


@dataclass(frozen=True)
class IssuedInvoice:
    """What the receipt prints of an invoice just issued."""

    id: int
    form: str
    symbol: str
    number: int
    authority_code: str


BUYER_LABELS = {  # a buyer field → its name in messages
    "buyer.name": Text("Buyer's name or company"),
    "buyer.tax_code": Text("Buyer's tax code"),
    "buyer.address": Text("Buyer's address"),
    "buyer.phone": Text("Buyer's phone"),
    "buyer.id_number": Text("Buyer's ID or passport number"),
}


def parse_buyer(raw) -> Buyer | None:
    """The till's `buyer` object, checked: None when absent or empty. A tax code needs the name and address it
    belongs to; a phone and an ID number must look like one."""
    if raw is None or raw == {}:
        return None
    if not isinstance(raw, dict):
        raise ValidationError("The buyer's details must be an object.", fields={"buyer": "not an object"})
    values, errors = {}, {}
    for field, limit in (("name", NAME_MAX), ("tax_code", 14), ("address", ADDRESS_MAX), ("phone", 15)):
        try:
            values[field] = check_text(raw.get(field), limit)
        except OutOfLimits as problem:
            errors[f"buyer.{field}"], values[field] = problem.problem, ""
    try:
        values["id_number"] = check_text(raw.get("id_number"), 12).upper()
    except OutOfLimits as problem:
        errors["buyer.id_number"], values["id_number"] = problem.problem, ""
    values["phone"] = re.sub(r"[\s.\-()]", "", values["phone"])
    if values["tax_code"] and not _TAX_CODE.fullmatch(values["tax_code"]):
        errors["buyer.tax_code"] = Text("10 digits, 10-3 for a branch, or a person's 12")
    if values["phone"] and not _PHONE.fullmatch(values["phone"]):
        errors["buyer.phone"] = Text("a Vietnamese phone number, e.g. 0912345678")
    if values["id_number"] and not _ID_NUMBER.fullmatch(values["id_number"]):
        errors["buyer.id_number"] = Text("a citizen ID (12 digits), an old ID card (9) or a passport number")
    if values["tax_code"] and "buyer.tax_code" not in errors:
        for field in ("name", "address"):
            if not values[field] and f"buyer.{field}" not in errors:
                errors[f"buyer.{field}"] = Text("required with a tax code")
    if errors:
        raise ValidationError(
            "The buyer's details are not valid: %(problems)s.",
            problems=problem_list(errors, BUYER_LABELS.get),
            fields=errors,
        )
    buyer = Buyer(**values)
    return buyer if any(values.values()) else None


def symbol_for(symbol: str, year: int) -> str:
    """KHHDon for an invoice of `year`: the settings' symbol with that year's two digits (C26MTH → C27MTH)."""
    return f"{symbol[0]}{year % 100:02d}{symbol[3:]}"


# Both series of an invoice bumped in one statement (a row per key; RETURNING names each key's new value).
_BUMP = Sql(
    "INSERT INTO einvoice_counters (key, last) VALUES (:number_key, 1), (:code_key, 1)"
    " ON CONFLICT (key) DO UPDATE SET last = einvoice_counters.last + 1 RETURNING key, last"
)
_INSERT = Sql(
    "INSERT INTO einvoices (uuid, kind, sale_id, return_id, related_id, form, symbol, number, authority_code,"
    " issued_at, spec_version, provider, seller_tax_code, seller_name, seller_address, buyer_name, buyer_tax_code,"
    " buyer_address, buyer_phone, buyer_id_number, discount_total, total_before_vat, vat_total, total,"
    " amount_in_words, content, status, attempts, next_attempt_at, last_error, provider_reply) VALUES (:uuid,"
    " :kind, :sale_id, :return_id, :related_id, :form, :symbol, :number, :authority_code, :issued_at,"
    " :spec_version, :provider, :seller_tax_code, :seller_name, :seller_address, :buyer_name, :buyer_tax_code,"
    " :buyer_address, :buyer_phone, :buyer_id_number, :discount_total, :total_before_vat, :vat_total, :total,"
    " :amount_in_words, :content, 'pending', 0, :issued_at, '', '') RETURNING id"
)


@functools.lru_cache(maxsize=SALE_LINES_MAX)
def _units_sql(count: int) -> Sql:
    return Sql(f"SELECT id, unit FROM products WHERE id IN ({', '.join(f':id{i}' for i in range(count))})")


def _units(product_ids) -> dict[int, str]:
    ids = list(product_ids)
    return dict(_units_sql(len(ids)).run({f"id{i}": product_id for i, product_id in enumerate(ids)}).fetchall())


def _bump(number_key: str, code_key: str) -> tuple[int, int]:
    """The next SHDon and the next MCCQT serial, or Conflict when a series is used up."""
    values = dict(_BUMP.run({"number_key": number_key, "code_key": code_key}).fetchall())
    number, serial = values[number_key], values[code_key]
    if number > NUMBER_MAX or serial > MTT_SERIAL_MAX:
        raise Conflict("The e-invoice numbers are used up.", fields={"einvoice": "numbers used up"})
    return number, serial


def content_of(lines, units: dict[int, str]) -> dict:
    """The invoice's lines and per-rate summary from the lines sold (or returned): dicts with product_id, sku,
    name_vi, quantity, unit_price, amount (after discounts, VAT included), vat_rate and vat_amount.

    A goods line shows quantity × unit price; what discounts took off follows as a discount line (TChat 3) with
    its part of the VAT, so each goods line less its discount is the line as sold, VAT included."""
    items, rates = [], {}
    for line in lines:
        gross, amount, rate, vat = (
            line["quantity"] * line["unit_price"],
            line["amount"],
            line["vat_rate"],
            line["vat_amount"],
        )
        discount = gross - amount
        discount_vat = vat_inside(discount, rate) if discount > 0 else 0
        goods_amount = gross if discount > 0 else amount
        items.append(
            {
                "no": len(items) + 1,
                "kind": 1,
                "sku": line["sku"],
                "name": line["name_vi"],
                "unit": units.get(line["product_id"], ""),
                "quantity": line["quantity"],
                "unit_price": line["unit_price"],
                "amount": goods_amount,
                "vat_rate": rate,
                "vat_amount": vat + discount_vat,
                "amount_before_vat": goods_amount - vat - discount_vat,
            }
        )
        if discount > 0:
            items.append(
                {
                    "no": len(items) + 1,
                    "kind": 3,
                    "sku": line["sku"],
                    "name": f"Chiết khấu {line['name_vi']}",
                    "unit": "",
                    "quantity": None,
                    "unit_price": None,
                    "amount": discount,
                    "vat_rate": rate,
                    "vat_amount": discount_vat,
                    "amount_before_vat": discount - discount_vat,
                }
            )
        rate_amount, rate_vat = rates.get(rate, (0, 0))
        rates[rate] = (rate_amount + amount, rate_vat + vat)
    return {
        "lines": items,
        "rates": [
            {"vat_rate": rate, "amount": amount, "vat_amount": vat, "amount_before_vat": amount - vat}
            for rate, (amount, vat) in sorted(rates.items())
        ],
    }


def _issue(settings: Settings, document: dict, lines, buyer: Buyer | None, units: dict[int, str]) -> IssuedInvoice:
    """Number and write one invoice; inside atomic(). `document`: uuid, kind, sale_id, return_id, related_id,
    issued_at; `units`: each product's unit."""
    year = to_local(document["issued_at"]).year
    symbol = symbol_for(settings.symbol, year)
    number, serial = _bump(f"shdon:{settings.form}{symbol}", f"mtt:{settings.block}")
    authority_code = f"M{settings.form}-{year % 100:02d}-{settings.block}-{serial:011d}"
    content = content_of(lines, units)
    total = sum(rate["amount"] for rate in content["rates"])
    vat_total = sum(rate["vat_amount"] for rate in content["rates"])
    buyer = buyer or Buyer()
    row = document | {
        "form": settings.form,
        "symbol": symbol,
        "number": number,
        "authority_code": authority_code,
        "spec_version": settings.spec_version,
        "provider": settings.provider,
        "seller_tax_code": settings.seller_tax_code,
        "seller_name": settings.seller_name,
        "seller_address": settings.seller_address,
        "buyer_name": buyer.name,
        "buyer_tax_code": buyer.tax_code,
        "buyer_address": buyer.address,
        "buyer_phone": buyer.phone,
        "buyer_id_number": buyer.id_number,
        "discount_total": sum(item["amount"] for item in content["lines"] if item["kind"] == 3),
        "total_before_vat": total - vat_total,
        "vat_total": vat_total,
        "total": total,
        "amount_in_words": amount_in_words(total),
        "content": json.dumps(content, ensure_ascii=False, separators=(",", ":")),
    }
    invoice_id = _INSERT.run(row).fetchone()[0]
    return IssuedInvoice(invoice_id, settings.form, symbol, number, authority_code)


def issue_for_sale(sale: dict, lines: list[dict], raw_buyer, units: dict[int, str]) -> IssuedInvoice | None:
    """The sale's invoice, when e-invoicing is on (None when off); inside the sale's atomic(). `sale` and `lines`
    are the rows just written, `units` each product's unit as the sale read it. Buyer details without e-invoicing
    on are refused: there is no invoice to put them on."""
    settings = current_settings()
    buyer = parse_buyer(raw_buyer)
    if settings is None:
        if buyer is not None:
            raise ValidationError(
                "E-invoicing is off: buyer details have no invoice to go on.", fields={"buyer": "e-invoicing off"}
            )
        return None
    document = {
        "uuid": sale["uuid"],
        "kind": "original",
        "sale_id": sale["id"],
        "return_id": None,
        "related_id": None,
        "issued_at": sale["created_at"],
    }
    return _issue(settings, document, lines, buyer, units)


def issue_for_return(sale_return) -> IssuedInvoice | None:
    """What a return requires for the sale's invoice: an adjustment invoice taking the returned goods off it,
    referencing it (TTHDLQuan), with the original's buyer; inside the return's atomic(), after its lines are
    flushed. None when the sale has no invoice (sold before e-invoicing was on). An invoice issued must be
    adjusted even if e-invoicing was turned off since: the stored settings number it."""
    original = db.session.scalar(
        select(Einvoice).where(Einvoice.sale_id == sale_return.sale_id, Einvoice.kind == "original")
    )
    if original is None:
        return None
    settings = current_settings() or _stored_settings()
    lines = [
        {
            "product_id": line.sale_line.product_id,
            "sku": line.sale_line.sku,
            "name_vi": line.sale_line.name_vi,
            "quantity": line.quantity,
            "unit_price": line.sale_line.unit_price,
            "amount": line.amount,
            "vat_rate": line.sale_line.vat_rate,
            "vat_amount": line.vat_amount,
        }
        for line in sorted(sale_return.lines, key=lambda line: line.sale_line.line_no)
    ]
    document = {
        "uuid": sale_return.uuid,
        "kind": "adjustment",
        "sale_id": sale_return.sale_id,
        "return_id": sale_return.id,
        "related_id": original.id,
        "issued_at": sale_return.created_at,
    }
    buyer = Buyer(
        original.buyer_name,
        original.buyer_tax_code,
        original.buyer_address,
        original.buyer_phone,
        original.buyer_id_number,
    )
    return _issue(settings, document, lines, buyer, _units({line["product_id"] for line in lines}))


def _stored_settings() -> Settings:
    row = db.session.get(EinvoiceSettings, 1)
    return Settings(
        row.seller_tax_code,
        row.seller_name,
        row.seller_address,
        row.form,
        row.symbol,
        row.block,
        row.provider,
        row.spec_version,
    )


def invoice_of_sale(sale_id: int) -> Einvoice | None:
    """The sale's own invoice (not a return's adjustment), or None."""
    return db.session.scalar(select(Einvoice).where(Einvoice.sale_id == sale_id, Einvoice.kind == "original"))


def invoice_of_return(return_id: int) -> Einvoice | None:
    """What the return issued for the sale's invoice, or None."""
    return db.session.scalar(select(Einvoice).where(Einvoice.return_id == return_id))


def invoices_of_sale(sale_id: int) -> list[Einvoice]:
    """The sale's invoice and what its returns issued, oldest first."""
    return list(db.session.scalars(select(Einvoice).where(Einvoice.sale_id == sale_id).order_by(Einvoice.id)))


def invoice_json(sale_id: int) -> dict | None:
    """What the till shows and prints of a sale's invoice: None when the sale has none."""
    invoice = invoice_of_sale(sale_id)
    if invoice is None:
        return None
    symbol, number = invoice.code_parts
    return {
        "symbol": symbol,
        "number": number,
        "authority_code": invoice.authority_code,
        "status": invoice.status,
        "buyer": {field: getattr(invoice, f"buyer_{field}") for field in BUYER_FIELDS},
        "amount_in_words": invoice.amount_in_words,
    }
