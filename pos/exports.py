"""Lists and reports as downloads: CSV, and XLSX for the central reports."""
import csv
import io

from flask import Response
from openpyxl import Workbook

from pos.errors import ValidationError

XLSX_MAX_ROWS = 1_048_576 - 1  # a sheet's rows, less the header


def csv_response(filename: str, headers: list[str], rows, *, bom: bool = False) -> Response:
    """A CSV download. `bom` starts it with a byte-order mark, so Excel reads the Vietnamese as UTF-8."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={filename}.csv"})


def export(table: list[list], headers: list[str], filename: str, fmt: str) -> Response:
    """A report as `fmt`: csv (with a BOM) or xlsx."""
    if fmt == "csv":
        return csv_response(filename, headers, table, bom=True)
    if fmt == "xlsx":
        if len(table) > XLSX_MAX_ROWS:
            raise ValidationError("%(rows)d rows are too many for one XLSX sheet (at most %(limit)d); "
                                  "choose a shorter date range or export CSV.", rows=len(table), limit=XLSX_MAX_ROWS,
                                  fields={"format": "too large"})
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(filename[:31])
        sheet.append(headers)
        for row in table:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return Response(buffer.getvalue(),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename={filename}.xlsx"})
    raise ValidationError("Export as csv or xlsx.", fields={"format": "csv or xlsx"})
