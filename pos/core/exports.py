"""Every download of a list or report, on both roles: CSV, and XLSX for the central reports. Nothing else in the
code writes CSV or XLSX.

Names in these files come from people we do not control (a producer's name typed at any showroom, synced to
central), so no cell may ever run as a formula when a manager opens the file in Excel or LibreOffice:
- CSV: a text cell starting with = + - @ (after any spaces), a tab or a carriage return gets a leading
  apostrophe (OWASP's advice). Numbers stay numbers, a negative one too: -5000 is a number, not a formula.
  A text that already starts with an apostrophe followed by one of those gets one more, so that
  `unguard_cell()` (used by the catalog import) gives back exactly the text that was exported.
- XLSX: every text cell is written as text (type "s"), never as a formula; the text itself is unchanged."""

import csv
import io
import re
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from pos.core.errors import ValidationError

XLSX_MAX_ROWS = 1_048_576 - 1  # a sheet's rows, less the header
FORMULA_START = ("=", "+", "-", "@")
CONTROL_START = ("\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


def _needs_guard(text: str) -> bool:
    if text[:1] in CONTROL_START:
        return True
    stripped = text.lstrip(" ")
    if stripped[:1] in FORMULA_START:
        return not _PLAIN_NUMBER.fullmatch(stripped.rstrip(" "))
    return text[:1] == "'" and _needs_guard(text[1:])


def guard_cell(value):
    """A CSV cell that no spreadsheet runs as a formula. Numbers (and text that is only a number, like -5000)
    are left as they are."""
    if isinstance(value, str) and _needs_guard(value):
        return "'" + value
    return value


def unguard_cell(text: str) -> str:
    """The text `guard_cell()` was given: its leading apostrophe removed when it was added by the guard."""
    return text[1:] if text[:1] == "'" and _needs_guard(text[1:]) else text


def csv_text(headers: list[str], rows: Iterable[Iterable], *, bom: bool = False) -> str:
    """The rows as CSV text with every cell guarded. `bom` starts it with a byte-order mark, so Excel reads the
    Vietnamese as UTF-8."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([guard_cell(h) for h in headers])
    writer.writerows([guard_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue()


def _attachment(filename: str, extension: str) -> dict:
    """The download's file name, from letters, digits, dot, dash and underscore only: a SKU synced from a
    showroom may hold anything, and a quote or a semicolon would end the header's value."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:120] or "export"
    return {"Content-Disposition": f"attachment; filename={safe}.{extension}"}


def csv_response(filename: str, headers: list[str], rows: Iterable[Iterable], *, bom: bool = False) -> Response:
    """A CSV download (see csv_text)."""
    return Response(
        csv_text(headers, rows, bom=bom), mimetype="text/csv; charset=utf-8", headers=_attachment(filename, "csv")
    )


def _xlsx_cell(sheet, value):
    if isinstance(value, (int, float, Decimal, date, datetime)) or value is None:  # bool is an int
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"  # openpyxl would make "=…" a formula
    return cell


def xlsx_bytes(sheet_name: str, headers: list[str], rows: list[list]) -> bytes:
    """One sheet: a header row, then the rows; text as text."""
    if len(rows) > XLSX_MAX_ROWS:
        raise ValidationError(
            "%(rows)d rows are too many for one XLSX sheet (at most %(limit)d); "
            "choose a shorter date range or export CSV.",
            rows=len(rows),
            limit=XLSX_MAX_ROWS,
            fields={"format": "too large"},
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(re.sub(r"[\\/*?:\[\]]", "-", sheet_name)[:31] or "export")
    for row in [headers, *rows]:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export(table: list[list], headers: list[str], filename: str, fmt: str) -> Response:
    """A report as `fmt`: csv (with a BOM) or xlsx."""
    if fmt == "csv":
        return csv_response(filename, headers, table, bom=True)
    if fmt == "xlsx":
        return Response(
            xlsx_bytes(filename, headers, table),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers=_attachment(filename, "xlsx"),
        )
    raise ValidationError("Export as csv or xlsx.", fields={"format": "csv or xlsx"})
