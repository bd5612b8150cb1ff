from flask import render_template, request
from flask_babel import gettext as _

from pos.auth.access import role_required
from pos.catalog import bp
from pos.catalog.csv_io import EXPORT_COLUMNS, IMPORT_COLUMNS, export_rows, import_csv
from pos.core.exports import csv_response

MAX_CSV_BYTES = 2 * 1024 * 1024


@bp.get("/export.csv")
@role_required("manager")
def export():
    return csv_response("ocop-catalog", list(EXPORT_COLUMNS), export_rows())


@bp.route("/import", methods=["GET", "POST"])
@role_required("manager")
def import_page():
    result, problem = None, None
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problem = _("file: choose a .csv file")
        elif not upload.filename.lower().endswith(".csv"):
            problem = _("file: '%(name)s' is not a .csv file", name=upload.filename)
        else:
            data = upload.read(MAX_CSV_BYTES + 1)
            problem = _("file: larger than 2 MB") if len(data) > MAX_CSV_BYTES else None
            result = None if problem else import_csv(data)
    status = 422 if problem or (result and result.errors) else 200
    return render_template("catalog/import.html", result=result, problem=problem, columns=IMPORT_COLUMNS), status
