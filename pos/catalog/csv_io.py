"""Catalog CSV import and export: one row per product, stable machine column names.

Export writes through pos.core.exports, which guards every cell against running as a formula (a leading
apostrophe before = + - @); import takes that apostrophe off again (pos.core.exports.unguard_cell), so a product
legitimately named "=x" or "-Trà" comes back unchanged. An apostrophe typed by hand before such a name is
taken off too: there is no way to tell the two apart, and the name without it is the one that was meant.

Import checks every row first; if any row is bad nothing is written and each bad row is reported with its
line number. A good file is applied in one transaction, and importing the same file again changes nothing."""

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pos.catalog import gs1
from pos.catalog.ratings import rating_status
from pos.catalog.service import (
    PRODUCT_FIELDS,
    add_rating,
    clean_product,
    clean_rating,
    save_producer,
    save_product,
)
from pos.core.database import atomic
from pos.core.errors import DomainError, Text, ValidationError
from pos.core.exports import csv_text, unguard_cell
from pos.core.extensions import db
from pos.core.limits import unstorable
from pos.models import OCOP_GROUPS, PRODUCER_TYPES, OcopRating, Producer, Product

IMPORT_COLUMNS = (
    "sku",
    "gtin",
    "name_vi",
    "name_en",
    "producer",
    "producer_type",
    "group",
    "unit",
    "price",
    "vat_rate",
    "stars",
    "potential_5_star",
    "decision_no",
    "decision_date",
    "certificate_no",
)
# Optional on import: producer_tax_code, needed only to create a producer that is not a household.
# Optional on import: serialized (yes/no); a file without the column leaves each product's flag as it is.
EXPORT_COLUMNS = (*IMPORT_COLUMNS, "valid_until", "status", "serialized")
YES = ("yes", "1", "true", "x", "có")
REQUIRED_COLUMNS = ("sku", "name_vi", "producer", "group", "unit", "price", "vat_rate")
MAX_ROWS = 20_000


@dataclass
class ImportResult:
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason in the user's language)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ratings_added: int = 0


def export_rows() -> list[list]:
    """The catalog as rows under EXPORT_COLUMNS."""
    products = db.session.scalars(
        select(Product).order_by(Product.sku).options(selectinload(Product.ratings), selectinload(Product.producer))
    )
    rows = []
    for p in products:
        r = p.rating
        rows.append(
            [
                p.sku,
                p.gtin,
                p.name_vi,
                p.name_en,
                p.producer.name,
                p.producer.type,
                p.ocop_group,
                p.unit,
                p.price,
                p.vat_rate,
                r.stars if r else "",
                "yes" if r and r.potential_5_star else "",
                r.decision_no if r else "",
                r.decision_date.isoformat() if r else "",
                r.certificate_no if r else "",
                r.valid_until.isoformat() if r else "",
                rating_status(r),
                "yes" if p.serialized else "",
            ]
        )
    return rows


def export_csv() -> str:
    return csv_text(list(EXPORT_COLUMNS), export_rows())


def _read(data: bytes) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [(1, str(Text("the file is not UTF-8 text (save it as CSV UTF-8)")))]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [
            (
                1,
                str(
                    Text(
                        "missing columns: %(missing)s (the header row needs %(columns)s)",
                        missing=", ".join(missing),
                        columns=", ".join(IMPORT_COLUMNS),
                    )
                ),
            )
        ]
    rows = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                return [], [(reader.line_num, str(Text("more than %(max)d rows; split the file", max=MAX_ROWS)))]
            if None in row:
                return [], [(reader.line_num, str(Text("this row has more cells than the header")))]
            bad = [(k or "").strip() for k, v in row.items() if unstorable(k or "") or unstorable(v or "")]
            if bad:  # a NUL: PostgreSQL refuses it, SQLite would cut the text short
                return [], [
                    (
                        reader.line_num,
                        str(
                            Text(
                                "%(columns)s: contains a character that cannot be stored"
                                " (NUL or an invalid Unicode character)",
                                columns=", ".join(_shown(c) for c in bad),
                            )
                        ),
                    )
                ]
            rows.append((reader.line_num, {k.strip(): unguard_cell((v or "").strip()) for k, v in row.items() if k}))
    except csv.Error as error:
        return [], [(reader.line_num, str(Text("not valid CSV: %(error)s", error=str(error))))]
    if not rows:
        return [], [(1, str(Text("the file has a header but no rows")))]
    return rows, []


def _shown(column: str) -> str:
    return column.replace("\x00", "\\x00")[:40]


def _check(rows: list[tuple[int, dict]]) -> list[tuple[int, str]]:
    errors, seen_sku, seen_gtin = [], {}, {}
    producers = dict(db.session.execute(select(Producer.name, Producer.type)).all())
    for line, row in rows:
        problems = []
        if row["producer"] not in producers:
            if row.get("producer_type") not in PRODUCER_TYPES:
                problems.append(
                    Text(
                        "producer: unknown '%(producer)s' (give producer_type to create it: %(types)s)",
                        producer=row["producer"],
                        types=", ".join(PRODUCER_TYPES),
                    )
                )
            elif row["producer_type"] != "household" and not row.get("producer_tax_code"):
                problems.append(Text("producer_tax_code: required to create a producer that is not a household"))
        if row["group"] not in OCOP_GROUPS:
            problems.append(Text("group: must be one of %(choices)s", choices=", ".join(OCOP_GROUPS)))
        try:
            clean_product(_product_data(row, producer_id=1, check_producer=False))
        except ValidationError as error:
            problems += [_field_problem(k, v) for k, v in error.field_messages.items() if k != "producer_id"]
        if row.get("stars"):
            try:
                clean_rating(_rating_data(row))
            except ValidationError as error:
                problems += [_field_problem(k, v) for k, v in error.field_messages.items()]
        for key, seen, value in (("sku", seen_sku, row["sku"]), ("gtin", seen_gtin, row.get("gtin"))):
            if value and value in seen:
                problems.append(
                    Text("%(column)s: %(value)s already on line %(line)d", column=key, value=value, line=seen[value])
                )
            elif value:
                seen[value] = line
        if row.get("gtin") and not problems:
            owner = db.session.scalar(select(Product.sku).where(Product.gtin14 == gs1.to_gtin14(row["gtin"])))
            if owner and owner != row["sku"]:
                problems.append(Text("gtin: %(gtin)s belongs to product %(sku)s", gtin=row["gtin"], sku=owner))
        errors += [(line, str(problem)) for problem in problems]
    return errors


def _field_problem(column: str, problem: str) -> Text:
    return Text("%(field)s: %(problem)s", field=column, problem=problem)


def _product_data(row: dict, producer_id: int, check_producer: bool = True) -> dict:
    data = {
        "sku": row["sku"],
        "gtin": row.get("gtin", ""),
        "name_vi": row["name_vi"],
        "name_en": row.get("name_en", ""),
        "ocop_group": row["group"],
        "unit": row["unit"],
        "price": row["price"],
        "vat_rate": row["vat_rate"],
        "producer_id": producer_id,
    }
    if "serialized" in row:
        data["serialized"] = row["serialized"].lower() in YES
    if not check_producer:
        data["producer_id"] = None
    return data


def _rating_data(row: dict) -> dict:
    return {
        "stars": row.get("stars"),
        "potential_5_star": row.get("potential_5_star", "").lower() in YES,
        "level": {"5": "national"}.get(row.get("stars"), "province"),
        "decision_no": row.get("decision_no", ""),
        "decision_date": row.get("decision_date", ""),
        "certificate_no": row.get("certificate_no", ""),
    }


def import_csv(data: bytes) -> ImportResult:
    rows, errors = _read(data)
    errors = errors or _check(rows)
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult()
    try:
        with atomic():
            for _line, row in rows:
                _apply(row, result)
    except DomainError as error:  # a rule only the database could see; nothing was written
        return ImportResult(errors=[(0, error.message)])
    return result


def _apply(row: dict, result: ImportResult) -> None:
    producer = db.session.scalar(select(Producer).where(Producer.name == row["producer"]))
    if producer is None:
        producer = save_producer(
            {"name": row["producer"], "type": row["producer_type"], "tax_code": row.get("producer_tax_code", "")}
        )
    product = db.session.scalar(select(Product).where(Product.sku == row["sku"]))
    wanted = clean_product(_product_data(row, producer.id))
    if not wanted["gtin"] and product is not None:
        wanted["gtin"] = product.gtin
    if product is None:
        product = save_product(_product_data(row, producer.id))
        result.created += 1
    elif any(
        getattr(product, f) != wanted[f]
        for f in wanted
        if f in PRODUCT_FIELDS and f not in ("active", "has_expiry") and (f != "serialized" or f in row)
    ):
        save_product(
            {
                **{f: getattr(product, f) for f in PRODUCT_FIELDS},
                **_product_data(row, producer.id),
                "gtin": wanted["gtin"],
            },
            product,
        )
        result.updated += 1
    else:
        result.unchanged += 1
    if row.get("stars"):
        rating = clean_rating(_rating_data(row))
        exists = db.session.scalar(
            select(OcopRating.id).where(
                OcopRating.product_id == product.id,
                OcopRating.decision_no == rating["decision_no"],
                OcopRating.decision_date == rating["decision_date"],
            )
        )
        if not exists:
            add_rating(product, _rating_data(row))
            result.ratings_added += 1
