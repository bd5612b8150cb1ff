"""Every download of a list or report, on both roles: CSV and XLSX through Report and export(); the catalog's
file, read back by its import, alone goes through csv_response() with the import's column names. Nothing else in
the code writes CSV or XLSX.

Names in these files come from people we do not control (a producer's name typed at any showroom, synced to
central), so no cell may ever run as a formula when a manager opens the file in Excel or LibreOffice:
- CSV: a text cell starting with = + - @ (after any spaces), a tab or a carriage return gets a leading
  apostrophe (OWASP's advice). Numbers stay numbers, a negative one too: -5000 is a number, not a formula.
  A text that already starts with an apostrophe followed by one of those gets one more, so that
  `unguard_cell()` (used by the catalog import) gives back exactly the text that was exported.
- XLSX: every text cell is written as text (type "s"), never as a formula; the text itself is unchanged.

A report's download (Report, export()) speaks the page's language: the caller gives translated headers and values.
CSV stays one header row and plain values (ISO dates, bare numbers) for machines; XLSX is for people: a title
block (report, showroom(s), period, filters, when it was made), number formats with thousands separators, dates
as dates, column widths, a frozen header row and a totals row."""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import Response, current_app
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from pos.core.clock import to_local, utcnow
from pos.core.errors import ValidationError
from pos.core.extensions import db
from pos.core.formatting import format_local
from pos.models import Showroom

XLSX_MAX_ROWS = 1_048_576 - 1  # a sheet's rows, less the header (and the title block: see xlsx_bytes)
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
    """A CSV download (see csv_text): the catalog's file for its import, and export()'s CSV."""
    return Response(
        csv_text(headers, rows, bom=bom), mimetype="text/csv; charset=utf-8", headers=_attachment(filename, "csv")
    )


def this_showroom() -> str:
    """This showroom as a report's title block names it: "Name (CODE)", or the code alone."""
    code = current_app.config["SHOWROOM_CODE"]
    name = db.session.scalar(select(Showroom.name).where(Showroom.code == code))
    return f"{name} ({code})" if name else code


@dataclass(frozen=True)
class Column:
    """One column of a report's download: its header in the page's language, what its values are (text,
    count, money in đồng, decimal with one place, percent as 12.5 for 12.5 %, date, datetime in local time) and
    whether the totals row sums it."""

    header: str
    kind: str = "text"
    total: bool = False


NUMBER_FORMATS = {
    "count": "#,##0",
    "money": "#,##0",
    "decimal": "#,##0.0",
    "percent": "0.0%",  # the cell holds the fraction: 12.5 % is 0.125
    "date": "dd/mm/yyyy",
    "datetime": "dd/mm/yyyy hh:mm",
}
_WIDTHS = {"decimal": 10, "count": 10, "money": 14, "percent": 9, "date": 11, "datetime": 16}


@dataclass
class Report:
    """A table as people hand it on: `title` and `about` (label, value lines: showroom(s), period, filters) head
    the XLSX; the totals row sums the columns marked `total` (or is given)."""

    title: str
    columns: list[Column]
    rows: list[list]
    filename: str
    about: list[tuple[str, str]] = field(default_factory=list)
    totals: list | None = None  # None: summed from the rows; [] for no totals row

    def totals_row(self) -> list | None:
        if self.totals is not None:
            return self.totals or None
        if not any(c.total for c in self.columns):
            return None
        row = [
            sum(r[i] for r in self.rows if isinstance(r[i], (int, float))) if c.total else None
            for i, c in enumerate(self.columns)
        ]
        if row[0] is None:
            row[0] = _("Total")
        return row


def _xlsx_cell(sheet, value, number_format: str | None = None, bold: bool = False):
    if isinstance(value, (int, float, Decimal, date, datetime)) or value is None:  # bool is an int
        if number_format is None and not bold:
            return value
        cell = WriteOnlyCell(sheet, value=value)
    else:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell.data_type = "s"  # openpyxl would make "=…" a formula
    if number_format and cell.data_type in ("n", "d"):
        cell.number_format = number_format
    if bold:
        cell.font = BOLD
    return cell


BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)


def _xlsx_value(value, kind: str):
    if kind == "percent" and isinstance(value, (int, float)):
        return value / 100
    if kind == "datetime" and isinstance(value, datetime):
        return to_local(value).replace(tzinfo=None)  # a spreadsheet has no time zones: local time, as on the page
    return value


def _text_width(value) -> int:
    return max((len(part) for part in str(value).splitlines()), default=0)


def xlsx_bytes(report: Report) -> bytes:
    """One sheet: the title block, the header row (frozen), the rows with their number formats, the totals row;
    text as text, never a formula."""
    if len(report.rows) > XLSX_MAX_ROWS - len(report.about) - 4:
        raise ValidationError(
            "%(rows)d rows are too many for one XLSX sheet (at most %(limit)d); "
            "choose a shorter date range or export CSV.",
            rows=len(report.rows),
            limit=XLSX_MAX_ROWS,
            fields={"format": "too large"},
        )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(re.sub(r"[\\/*?:\[\]]", "-", report.filename)[:31] or "export")
    columns = report.columns
    widths = [max(_text_width(c.header), _WIDTHS.get(c.kind, 8)) for c in columns]
    for row in report.rows[:2000]:  # wide enough for the first rows' texts
        for i, column in enumerate(columns):
            if column.kind == "text" and row[i] is not None:
                widths[i] = max(widths[i], min(60, _text_width(row[i])))
    for i, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(i + 1)].width = width + 2
    about = [*report.about, (_("Made"), format_local(utcnow()))]
    head = [[report.title], *[[f"{label}: {value}"] for label, value in about], []]
    sheet.freeze_panes = f"A{len(head) + 2}"  # everything above the first row of figures stays in view
    for n, line in enumerate(head):
        sheet.append([_xlsx_cell(sheet, value, bold=True) if n == 0 else _xlsx_cell(sheet, value) for value in line])
    sheet.append([_xlsx_cell(sheet, column.header, bold=True) for column in columns])
    formats = [NUMBER_FORMATS.get(column.kind) for column in columns]
    for row in report.rows:
        sheet.append(
            [_xlsx_cell(sheet, _xlsx_value(v, c.kind), f) for v, c, f in zip(row, columns, formats, strict=True)]
        )
    if (totals := report.totals_row()) is not None:
        sheet.append(
            [
                _xlsx_cell(sheet, _xlsx_value(v, c.kind), f, bold=True)
                for v, c, f in zip(totals, columns, formats, strict=True)
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_value(value, kind: str):
    if kind == "percent" and isinstance(value, float):
        return round(value, 2)
    if kind == "date" and isinstance(value, date):
        return value.isoformat()  # for machines: ISO, as every program reads it
    if kind == "datetime" and isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M:%S")
    return value


def export(report: Report, fmt: str) -> Response:
    """A report as `fmt`: csv (one header row, plain values, with a BOM: for machines) or xlsx (for people)."""
    if fmt == "csv":
        rows = ([_csv_value(v, c.kind) for v, c in zip(row, report.columns, strict=True)] for row in report.rows)
        return csv_response(report.filename, [c.header for c in report.columns], rows, bom=True)
    if fmt == "xlsx":
        return Response(
            xlsx_bytes(report),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers=_attachment(report.filename, "xlsx"),
        )
    raise ValidationError("Export as csv or xlsx.", fields={"format": "csv or xlsx"})
