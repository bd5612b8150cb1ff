"""Manager pages: choose products and quantities, preview the sheet, download the PDF, print on
the thermal printer; and the scans report.

GET interface (goods receipts link here):
  /labels/?sku=SKU[:QTY[:LOT]]&sku=…[&qty=N&qty=…][&lot=LOT&lot=…][&preset=3x8|2x7][&start=N][&plain=1]
  `qty` and `lot` values pair with `sku` values by position (an empty `lot=` for none); `add=CODE` adds the
  product a scanner or the manager typed, `remove=I` drops line I;
  /labels/sheet.pdf and /labels/label.png take sku=SKU[:QTY[:LOT]] and lot the same way."""

from io import BytesIO

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pos.auth.access import role_required
from pos.core.errors import Conflict, DomainError, Text, ValidationError
from pos.core.printer import paper_dots, print_raster, printer_options
from pos.labels import bp, scan_counts, serials, service
from pos.labels.render import DEFAULT_PRESET, PRESETS, render_png, render_png_image, render_sheet_pdf

MAX_THERMAL_LABELS = 200


def _job_args(source):
    specs = source.getlist("sku")
    lots = source.getlist("lot")
    with_stars = source.get("plain") not in ("1", "on", "true")
    return specs, lots, with_stars


def _job(source):
    specs, lots, with_stars = _job_args(source)
    preset = service.get_preset(source.get("preset"))
    start = service.parse_start(source.get("start"), preset)
    items = service.resolve_items(specs, lots)
    contents = service.sheet_contents(items, with_stars=with_stars)
    return items, contents, preset, start, with_stars


@bp.get("/")
@role_required("manager")
def index():
    """The order form: products scanned or picked, each with its quantity and lot (by default what was last
    received), then a preview of the sheets. It is a GET form, so the goods receipt can link to it filled in;
    a scanner's Enter in the scan field submits it, and the page comes back with the new line and the cursor
    in the scan field again. No script needed."""
    args = request.args
    base = service.public_base_url()
    context = dict(
        presets=PRESETS,
        preset_key=args.get("preset") or "3x8",
        start=args.get("start") or "1",
        with_stars=args.get("plain") not in ("1", "on", "true"),
        error=None,
        fields={},
        pages=[],
        query=None,
        notice=None,
        choices=[],
        add_value="",
        address_warning=service.base_url_warning(base),
    )
    try:
        lines = service.order_lines(args.getlist("sku"), args.getlist("qty"), args.getlist("lot"))
    except ValidationError as error:
        lines = []
        context.update(error=error.message, fields=error.field_messages)
    removed = args.get("remove", type=int)
    if removed is not None and 0 <= removed < len(lines):
        lines.pop(removed)
    term = (args.get("pick") or args.get("add") or "").strip()  # pick: one of several products offered
    if term:
        try:
            products, scanned_lot = service.find_for_label(term)
        except ValidationError as error:
            context.update(add_value=term[:300], fields={"add": error.field_messages["add"]}, error=error.message)
        else:
            if len(products) > 1:
                context.update(choices=products, add_value=term[:300])
            else:
                line = service.new_order_line(products[0], scanned_lot)
                if any(line.code == old.code and line.lot == old.lot for old in lines):
                    context["notice"] = _(
                        "%(sku)s is already on the list: change its quantity there.", sku=products[0].sku
                    )
                elif len(lines) < service.MAX_ORDER_LINES:
                    lines.append(line)
    rows = [{"line": line, "product": service.product_for_line(line)} for line in lines]
    for row in rows:
        row["lots"] = service.lot_choices(row["product"]) if row["product"] else []
    context["rows"] = rows
    if lines and not context["error"] and not context["choices"]:
        try:
            preset = service.get_preset(args.get("preset"))
            start = service.parse_start(args.get("start"), preset)
            items = service.resolve_order(lines, with_stars=context["with_stars"])
            contents = service.sheet_contents(items, with_stars=context["with_stars"])
        except ValidationError as error:
            context.update(error=error.message, fields=error.field_messages)
        else:
            context.update(_preview(items, contents, preset, start, context["with_stars"]))
    return render_template("labels/index.html", **context)


def _preview(items, contents, preset, start, with_stars) -> dict:
    cells = [None] * (start - 1) + list(contents)
    cells += [""] * (-len(cells) % preset.per_page)  # the rest of the last sheet stays free
    pages = [cells[i : i + preset.per_page] for i in range(0, len(cells), preset.per_page)]
    images = {}
    for item in items:
        args = {"sku": f"{item.product.sku}:1:{item.lot_code}" if item.lot_code else item.product.sku}
        if not with_stars:
            args["plain"] = "1"
        images[service.label_content(item, with_stars=with_stars).url] = url_for("labels.label_png", **args)
    query = {
        "sku": [f"{i.product.sku}:{i.quantity}" + (f":{i.lot_code}" if i.lot_code else "") for i in items],
        "preset": preset.key,
        "start": start,
    }
    if not with_stars:
        query["plain"] = "1"
    return dict(pages=pages, images=images, preset=preset, items=items, total=len(contents), query=query)


@bp.get("/label.png")
@role_required("manager")
def label_png():
    items, contents, preset, _start, _stars = _job(request.args)
    image = render_png(contents[0], width_mm=preset.width_mm, height_mm=preset.height_mm)
    response = send_file(BytesIO(image), mimetype="image/png", download_name=f"{items[0].product.sku}.png")
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.get("/sheet.pdf")
@role_required("manager")
def sheet_pdf():
    items, contents, preset, start, _stars = _job(request.args)
    pdf = render_sheet_pdf(contents, preset, start, title=_("OCOP labels"))
    name = "labels-" + "-".join(item.product.sku for item in items[:3]) + ".pdf"
    return send_file(
        BytesIO(pdf), mimetype="application/pdf", download_name=name, as_attachment=request.args.get("download") == "1"
    )


@bp.post("/print")
@role_required("manager")
def print_thermal():
    try:
        _items, contents, preset, _start, _stars = _job(request.form)
        _print_thermal(contents, preset)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("%(n)d labels sent to the printer.", n=len(contents)), "success")
    return redirect(
        url_for(
            "labels.index",
            sku=request.form.getlist("sku"),
            preset=request.form.get("preset"),
            start=request.form.get("start"),
            plain=request.form.get("plain") or None,
        )
    )


def _print_thermal(contents, preset) -> None:
    """Each label as a raster on the thermal printer, one after the other (a serialized unit's each its own)."""
    if len(contents) > MAX_THERMAL_LABELS:
        raise ValidationError(
            "At most %(n)d labels per thermal print job.",
            n=MAX_THERMAL_LABELS,
            fields={"quantity": Text("at most %(max)d", max=MAX_THERMAL_LABELS)},
        )
    dots = paper_dots(current_app.config["RECEIPT_WIDTH_MM"])
    width_mm = min(preset.width_mm, dots / 8)  # 8 dots per mm (203 dpi)
    for content in contents:
        image = render_png_image(content, width_mm=width_mm, height_mm=preset.height_mm, dpi=203.2)
        print_raster(image, **printer_options(current_app.config))


@bp.get("/scans")
@role_required("manager")
def scans_page():
    try:
        days = max(1, min(int(request.args.get("days", 30)), 366))
    except ValueError:
        days = 30
    return render_template("labels/scans.html", rows=scan_counts.scans_report(days), days=days)


# --- serialized labels: one serial per unit, issued for a goods receipt ----------------------------------------------


def _serial_job(issued: list, source):
    """The serials as labels, one each, with the sheet options of `source`."""
    preset = service.get_preset(source.get("preset"))
    start = service.parse_start(source.get("start"), preset)
    with_stars = source.get("plain") not in ("1", "on", "true")
    return serials.serial_contents(issued, with_stars=with_stars), preset, start


@bp.route("/receipts/<int:receipt_id>/serials", methods=["GET", "POST"])
@role_required("manager")
def receipt_serials(receipt_id):
    """The serialized units of a goods receipt: POST issues their serials (once), GET shows them with the links to
    print them (the A4 PDF, the label printer)."""
    receipt = serials.get_receipt(receipt_id)
    if request.method == "POST":
        try:
            issued = serials.issue_for_receipt(receipt_id, current_user)
        except DomainError as error:
            flash(error.message, "error")
        else:
            flash(_("%(n)d serials ready to print.", n=sum(len(line.serials) for line in issued)), "success")
        return redirect(url_for("labels.receipt_serials", receipt_id=receipt_id))
    issued = serials.issued_for_receipt(receipt)
    query = {
        "preset": request.args.get("preset") or DEFAULT_PRESET,
        "start": request.args.get("start") or "1",
    }
    if request.args.get("plain") in ("1", "on", "true"):
        query["plain"] = "1"
    return render_template(
        "labels/serials.html",
        receipt=receipt,
        issued=issued,
        pending=serials.serialized_lines(receipt) and not issued,
        total=sum(len(line.serials) for line in issued),
        presets=PRESETS,
        query=query,
        base=service.public_base_url(),
        address_warning=service.base_url_warning(service.public_base_url()),
    )


@bp.get("/receipts/<int:receipt_id>/serials.pdf")
@role_required("manager")
def receipt_serials_pdf(receipt_id):
    receipt = serials.get_receipt(receipt_id)
    issued = serials.issued_for_receipt(receipt)
    if not issued:
        raise Conflict(
            "No serials issued for receipt %(number)s yet: issue them first.",
            number=receipt.number,
            fields={"serials": "none"},
        )
    contents, preset, start = _serial_job(issued, request.args)
    pdf = render_sheet_pdf(contents, preset, start, title=_("OCOP labels"))
    return send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        download_name=f"serials-{receipt.number}.pdf",
        as_attachment=request.args.get("download") == "1",
    )


@bp.post("/receipts/<int:receipt_id>/serials/print")
@role_required("manager")
def receipt_serials_print(receipt_id):
    try:
        contents, preset, _start = _serial_job(serials.issue_for_receipt(receipt_id, current_user), request.form)
        _print_thermal(contents, preset)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("%(n)d labels sent to the printer.", n=len(contents)), "success")
    return redirect(url_for("labels.receipt_serials", receipt_id=receipt_id))
