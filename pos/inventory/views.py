"""Manager pages for stock: levels, goods receipts, expiry, counts, low stock, transfers between showrooms,
consignment settlement and stock valuation."""

from contextlib import contextmanager
from datetime import date

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pos.auth.access import role_required
from pos.catalog.service import parse_date, producer_choices, search_products
from pos.core.clock import local_today
from pos.core.database import paginate, requested_page, row_id
from pos.core.errors import DomainError, Text
from pos.core.exports import export
from pos.core.extensions import db
from pos.core.security_headers import checks_its_own_text
from pos.inventory import bp, report_exports
from pos.inventory.consignment import (
    consigning_producers,
    consignment_statement,
    settle,
    settlement_statement,
    settlements,
)
from pos.inventory.counts import (
    UncountedLines,
    delete_count,
    enter_counts,
    line_name,
    open_count,
    post_count,
    scan_count,
)
from pos.inventory.problems import field_name, form_problems, marked_fields
from pos.inventory.receipts import (
    LINE_FIELDS,
    RECEIPT_STATUSES,
    create_receipt,
    delete_receipt,
    identify,
    post_receipt,
    posting_problems,
    reverse_receipt,
    update_receipt,
)
from pos.inventory.stock import expiring_lots, low_stock, write_off_lot
from pos.inventory.transfers import (
    create_transfer_in,
    create_transfer_out,
    delete_transfer,
    post_transfer,
    update_transfer,
)
from pos.inventory.transfers import posting_problems as transfer_posting_problems
from pos.inventory.valuation import valuation_as_of, valuation_now
from pos.models import (
    OCOP_GROUPS,
    OWNERSHIPS,
    GoodsReceipt,
    Producer,
    Product,
    StockCount,
    StockCountLine,
    StockLevel,
    Transfer,
)

MAX_FORM_ROWS = 1000  # past the 200 lines a receipt may have: the service names that limit
FORM_ROWS = 10  # empty lines a new transfer form offers
TRANSFER_FIELDS = {"out": ("sku", "quantity"), "in": ("sku", "lot_code", "expiry_date", "quantity", "unit_cost")}


# --- stock, receipts, expiry, counts ------------------------------------------------------------------------------


@bp.get("/")
@role_required("manager")
def stock():
    term = request.args.get("q", "")[:100]
    query = search_products(term).add_columns(StockLevel).outerjoin(StockLevel, StockLevel.product_id == Product.id)
    if request.args.get("format"):
        return export(report_exports.stock(db.session.execute(query).all(), term), request.args["format"])
    pagination = paginate(search_products(term), per_page=50)
    levels = {
        level.product_id: level
        for level in db.session.scalars(
            select(StockLevel).where(StockLevel.product_id.in_([p.id for p in pagination.items]))
        )
    }
    return render_template("inventory/stock.html", pagination=pagination, term=term, levels=levels)


@bp.get("/receipts")
@role_required("manager")
def receipts():
    rows = db.session.scalars(
        select(GoodsReceipt)
        .order_by(GoodsReceipt.id.desc())
        .limit(200)
        .options(selectinload(GoodsReceipt.producer), selectinload(GoodsReceipt.lines))
    ).all()
    return render_template("inventory/receipts.html", receipts=rows, statuses=RECEIPT_STATUSES)


def _form_lines(form) -> list[dict]:
    """The receipt form's rows, in the order of their numbers (rows are added and removed in the browser)."""
    indices = sorted(
        {
            int(number)
            for key in form
            for field, _, number in [key.rpartition("_")]
            if field in LINE_FIELDS and number.isdigit() and len(number) <= 4
        }
    )
    return [{f: form.get(f"{f}_{i}", "") for f in LINE_FIELDS} for i in indices[:MAX_FORM_ROWS]]


def _line_info(lines: list[dict]) -> list:
    """What each row's code names, as the page shows it beside the code (None when it names nothing)."""
    known = []
    for line in lines:
        try:
            known.append(identify(line.get("sku")) if str(line.get("sku") or "").strip() else None)
        except DomainError:
            known.append(None)
    return known


def _receipt_form(receipt, producer_id, lines, note, error=None):
    lines = lines or [{}]
    return render_template(
        "inventory/receipt_form.html",
        receipt=receipt,
        producers=producer_choices(),
        lines=lines,
        info=_line_info(lines),
        producer_id=producer_id,
        note=note,
        ownerships=OWNERSHIPS,
        errors=form_problems(error) if error else {},
        marked=marked_fields(error) if error else {},
    ), (422 if error else 200)


def _receipt_form_post() -> tuple[int | None, list[dict], str]:
    """The receipt form as posted: its producer, lines and note."""
    return row_id(request.form, "producer_id"), _form_lines(request.form), request.form.get("note", "")


def _receipt_saved(receipt_id: int, number: str):
    flash(_("Draft receipt %(number)s saved. Check it, then post it.", number=number), "success")
    return redirect(url_for("inventory.receipt_detail", receipt_id=receipt_id))


@bp.route("/receipts/new", methods=["GET", "POST"])
@checks_its_own_text  # the form names each odd field itself (pos.inventory.receipts)
@role_required("manager")
def receipt_new():
    if request.method == "POST":
        producer_id, lines, note = _receipt_form_post()
        try:
            receipt = create_receipt(producer_id, lines, current_user, note)
            return _receipt_saved(receipt.id, receipt.number)
        except DomainError as error:
            return _receipt_form(None, producer_id, lines, note, error)
    # ?producer_id=…&sku=… from the low-stock list: the form opens with that product's line to fill in
    sku = request.args.get("sku", "").strip()[:64]
    return _receipt_form(None, row_id(request.args, "producer_id"), [{"sku": sku} if sku else {}], "")


@contextmanager
def _refusals_flashed():
    """A refused action (a DomainError) is flashed on the page the manager is sent back to."""
    try:
        yield
    except DomainError as error:
        flash(error.message, "error")


# What a manager opening a posted document's edit page is told, and the page they are sent back to.
_ONLY_DRAFTS = {
    GoodsReceipt: (
        _l("Only a draft can be changed; a posted receipt is corrected by reversing it."),
        "inventory.receipt_detail",
        "receipt_id",
    ),
    Transfer: (_l("Only a draft transfer can be changed."), "inventory.transfer_detail", "transfer_id"),
}


def _draft_to_edit(model, document_id: int):
    """The draft document to edit; a posted one is never edited."""
    document = db.get_or_404(model, document_id)
    if document.status != "draft":
        refusal, page, key = _ONLY_DRAFTS[model]
        flash(str(refusal), "error")
        abort(redirect(url_for(page, **{key: document_id})))
    return document


@bp.route("/receipts/<int:receipt_id>/edit", methods=["GET", "POST"])
@checks_its_own_text  # the form names each odd field itself (pos.inventory.receipts)
@role_required("manager")
def receipt_edit(receipt_id):
    receipt = _draft_to_edit(GoodsReceipt, receipt_id)
    if request.method == "POST":
        producer_id, lines, note = _receipt_form_post()
        try:
            update_receipt(receipt_id, producer_id, lines, current_user, note)
            return _receipt_saved(receipt_id, receipt.number)
        except DomainError as error:
            return _receipt_form(receipt, producer_id, lines, note, error)
    lines = [
        {
            "sku": line.product.sku,
            "lot_code": line.lot_code,
            "production_date": line.production_date.isoformat() if line.production_date else "",
            "expiry_date": line.expiry_date.isoformat() if line.expiry_date else "",
            "quantity": line.quantity,
            "unit_cost": line.unit_cost,
            "ownership": line.ownership,
            "commission_rate": line.commission_rate or "",
        }
        for line in receipt.lines
    ]
    return _receipt_form(receipt, receipt.producer_id, lines, receipt.note)


@bp.get("/receipts/lookup")
@role_required("manager")
def receipt_lookup():
    """What a code typed or scanned on the receipt form names: the product, its unit and last cost."""
    try:
        return jsonify(identify(request.args.get("code", "")).to_json())
    except DomainError as error:
        return jsonify({"error": error.code, "message": error.message}), error.status


@bp.get("/receipts/<int:receipt_id>")
@role_required("manager")
def receipt_detail(receipt_id):
    receipt = db.get_or_404(GoodsReceipt, receipt_id)
    # A serialized product's units get labels of their own, each with its serial (pos.labels.serials).
    label_skus = [
        f"{line.product.sku}:{line.quantity}:{line.lot_code}" for line in receipt.lines if not line.product.serialized
    ]
    problems = (
        {str(field_name(k)): str(v) for k, v in posting_problems(receipt).items()} if receipt.status == "draft" else {}
    )
    return render_template(
        "inventory/receipt_detail.html",
        receipt=receipt,
        label_skus=label_skus,
        has_serialized=any(line.product.serialized for line in receipt.lines),
        statuses=RECEIPT_STATUSES,
        problems=problems,
    )


@bp.post("/receipts/<int:receipt_id>")
@role_required("manager")
def receipt_action(receipt_id):
    """The receipt page's buttons: post, reverse, or delete a draft."""
    with _refusals_flashed():
        action = request.form.get("action")
        if action == "post":
            post_receipt(receipt_id, current_user)
            flash(_("Receipt posted: the goods are on the shelf."), "success")
        elif action == "reverse":
            reversal = reverse_receipt(receipt_id, current_user, request.form.get("reason", ""))
            flash(_("Reversed by %(number)s.", number=reversal.number), "success")
        elif action == "delete":
            number = delete_receipt(receipt_id, current_user)
            flash(_("Draft receipt %(number)s deleted.", number=number), "success")
            return redirect(url_for("inventory.receipts"))
    return redirect(url_for("inventory.receipt_detail", receipt_id=receipt_id))


@bp.route("/expiring", methods=["GET", "POST"])
@role_required("manager")
def expiring():
    if request.method == "POST":
        try:
            quantity = write_off_lot(row_id(request.form, "lot_id") or 0, current_user, request.form.get("reason", ""))
            flash(_("%(n)s units written off.", n=quantity), "success")
        except DomainError as error:
            flash(error.message, "error")
        return redirect(url_for("inventory.expiring", days=request.args.get("days")))
    days = min(max(request.args.get("days", current_app.config["EXPIRING_LOT_DAYS"], type=int), 0), 3650)
    lots = expiring_lots(days)
    if request.args.get("format"):
        return export(report_exports.expiring(lots, days), request.args["format"])
    return render_template("inventory/expiring.html", lots=lots, days=days, today=local_today())


@bp.route("/counts", methods=["GET", "POST"])
@role_required("manager")
def counts():
    if request.method == "POST":
        try:
            count = open_count(
                current_user,
                group=request.form.get("group") or None,
                producer_id=row_id(request.form, "producer_id"),
                blind="blind" in request.form,
            )
            return redirect(url_for("inventory.count_sheet", count_id=count.id))
        except DomainError as error:
            flash(error.message, "error")
    sheets = db.session.scalars(select(StockCount).order_by(StockCount.id.desc()).limit(50)).all()
    return render_template("inventory/counts.html", sheets=sheets, producers=producer_choices(), groups=OCOP_GROUPS)


def _count_lines(count_id: int) -> list[StockCountLine]:
    return db.session.scalars(
        select(StockCountLine)
        .where(StockCountLine.count_id == count_id)
        .options(selectinload(StockCountLine.product), selectinload(StockCountLine.lot))
        .order_by(StockCountLine.id)
    ).all()


@bp.route("/counts/<int:count_id>", methods=["GET", "POST"])
@role_required("manager")
def count_sheet(count_id):
    count = db.get_or_404(StockCount, count_id)
    uncounted = None
    if request.method == "POST":
        action = request.form.get("action", "save")
        try:
            if action == "delete":
                number = delete_count(count_id, current_user)
                flash(_("Count sheet %(number)s deleted.", number=number), "success")
                return redirect(url_for("inventory.counts"))
            enter_counts(count_id, {line.id: request.form.get(f"counted_{line.id}") for line in count.lines})
            if action.startswith("post"):
                post_count(count_id, current_user, uncounted={"post_keep": "keep", "post_zero": "zero"}.get(action))
                flash(_("Count posted: adjustments recorded."), "success")
            else:
                flash(_("Counts saved."), "success")
        except UncountedLines as error:
            uncounted = error.lines
        except DomainError as error:
            flash(error.message, "error")
        if uncounted is None:
            return redirect(url_for("inventory.count_sheet", count_id=count_id))
        db.session.expire_all()
        count = db.get_or_404(StockCount, count_id)
    hidden = count.blind and count.status == "open"
    if request.args.get("format"):
        return export(report_exports.count_sheet(count, _count_lines(count_id), hidden), request.args["format"])
    return render_template(
        "inventory/count_sheet.html",
        count=count,
        lines=_count_lines(count_id),
        hidden=hidden,
        uncounted=uncounted,
        uncounted_ids={line.id for line in uncounted or ()},
    )


@bp.post("/counts/<int:count_id>/scan")
@role_required("manager")
def count_scan(count_id):
    """One item scanned on the count sheet: JSON for the sheet's script, or back to the sheet without it."""
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        line = scan_count(count_id, request.form.get("code", ""))
    except DomainError as error:
        if wants_json:
            return jsonify({"error": error.code, "message": error.message}), error.status
        flash(error.message, "error")
        return redirect(url_for("inventory.count_sheet", count_id=count_id))
    message = _("%(name)s: %(counted)s counted.", name=str(line_name(line)), counted=line.counted)
    if wants_json:
        return jsonify(
            {
                "line_id": line.id,
                "counted": line.counted,
                "message": message,
                "sku": line.product.sku,
                "name": line.product.name_vi,
                "lot": line.lot.code if line.lot else "",
                "expiry": line.lot.expiry_date.strftime("%d/%m/%Y") if line.lot and line.lot.expiry_date else "",
            }
        )
    flash(message, "success")
    return redirect(url_for("inventory.count_sheet", count_id=count_id))


@bp.get("/low-stock")
@role_required("manager")
def low_stock_page():
    rows = low_stock()
    if request.args.get("format"):
        return export(report_exports.low_stock(rows), request.args["format"])
    return render_template("inventory/low_stock.html", rows=rows)


# --- transfers --------------------------------------------------------------------------------------------------


@bp.get("/transfers")
@role_required("manager")
def transfers():
    rows = db.session.scalars(
        select(Transfer).order_by(Transfer.id.desc()).limit(500).options(selectinload(Transfer.lines))
    ).all()
    if request.args.get("format"):
        return export(report_exports.transfers(rows), request.args["format"])
    return render_template("inventory/transfers.html", transfers=rows, own_code=current_app.config["SHOWROOM_CODE"])


def _transfer_form_post(fields: tuple, rows: int) -> tuple[dict, list[dict]]:
    """The transfer form as posted: its header fields, and its first `rows` lines."""
    form = {k: request.form.get(k, "") for k in ("showroom", "their_number", "note")}
    return form, [{f: request.form.get(f"{f}_{i}", "") for f in fields} for i in range(rows)]


def _transfer_saved(transfer_id: int, number: str):
    flash(_("Draft transfer %(number)s saved. Check it, then post it.", number=number), "success")
    return redirect(url_for("inventory.transfer_detail", transfer_id=transfer_id))


def _transfer_form(direction: str, lines: list[dict], errors: dict, form: dict, transfer: Transfer | None = None):
    return render_template(
        "inventory/transfer_new.html",
        direction=direction,
        lines=lines,
        errors=errors,
        form=form,
        transfer=transfer,
        own_code=current_app.config["SHOWROOM_CODE"],
    ), (422 if errors else 200)


@bp.route("/transfers/new", methods=["GET", "POST"])
@role_required("manager")
def transfer_new():
    direction = "in" if request.values.get("direction") == "in" else "out"
    errors, lines, form = {}, [{} for _ in range(FORM_ROWS)], {}
    if request.method == "POST":
        form, lines = _transfer_form_post(TRANSFER_FIELDS[direction], FORM_ROWS)
        try:
            if direction == "out":
                transfer = create_transfer_out(form["showroom"], lines, current_user, form["note"])
            else:
                transfer = create_transfer_in(form["showroom"], form["their_number"], lines, current_user, form["note"])
            return _transfer_saved(transfer.id, transfer.number)
        except DomainError as error:
            errors = form_problems(error)
    return _transfer_form(direction, lines, errors, form)


@bp.route("/transfers/<int:transfer_id>/edit", methods=["GET", "POST"])
@role_required("manager")
def transfer_edit(transfer_id):
    transfer = _draft_to_edit(Transfer, transfer_id)
    errors = {}
    if request.method == "POST":
        rows = max(FORM_ROWS, min(request.form.get("rows", 0, type=int), 200))
        form, lines = _transfer_form_post(TRANSFER_FIELDS[transfer.direction], rows)
        try:
            update_transfer(transfer_id, form["showroom"], form["their_number"], lines, current_user, form["note"])
            return _transfer_saved(transfer_id, transfer.number)
        except DomainError as error:
            errors = form_problems(error)
    else:
        form = {"showroom": transfer.other_showroom, "their_number": transfer.their_number or "", "note": transfer.note}
        lines = [
            {
                "sku": line.product.sku,
                "lot_code": line.lot_code,
                "quantity": line.quantity,
                "expiry_date": line.expiry_date.isoformat() if line.expiry_date else "",
                "unit_cost": "" if line.unit_cost is None else line.unit_cost,
            }
            for line in transfer.lines
        ]
        lines += [{} for _ in range(max(FORM_ROWS - len(lines), 2))]
    return _transfer_form(transfer.direction, lines, errors, form, transfer)


@bp.get("/transfers/<int:transfer_id>")
@role_required("manager")
def transfer_detail(transfer_id):
    transfer = db.get_or_404(Transfer, transfer_id)
    if request.args.get("format"):
        return export(report_exports.transfer(transfer), request.args["format"])
    return render_template(
        "inventory/transfer_detail.html",
        transfer=transfer,
        problems=[str(p) for p in transfer_posting_problems(transfer)],
        own_code=current_app.config["SHOWROOM_CODE"],
    )


@bp.post("/transfers/<int:transfer_id>")
@role_required("manager")
def transfer_action(transfer_id):
    """The transfer page's buttons: post it, or delete a draft."""
    with _refusals_flashed():
        if request.form.get("action") == "post":
            post_transfer(transfer_id, current_user)
            flash(_("Transfer posted: the stock has moved."), "success")
        elif request.form.get("action") == "delete":
            number = delete_transfer(transfer_id, current_user)
            flash(_("Draft transfer %(number)s deleted.", number=number), "success")
            return redirect(url_for("inventory.transfers"))
    return redirect(url_for("inventory.transfer_detail", transfer_id=transfer_id))


# --- consignment ------------------------------------------------------------------------------------------------


@bp.get("/consignment")
@role_required("manager")
def consignment():
    producers = consigning_producers()
    today = local_today()
    producer_id = row_id(request.args, "producer_id") or (producers[0].id if producers else None)
    date_from = request.args.get("date_from") or today.replace(day=1).isoformat()
    date_to = request.args.get("date_to") or today.isoformat()
    statement, errors = None, {}
    if producer_id:
        try:
            statement = consignment_statement(producer_id, date_from, date_to)
        except DomainError as error:
            errors = form_problems(error)
    if statement and request.args.get("format"):
        return export(report_exports.consignment(statement), request.args["format"])
    return render_template(
        "inventory/consignment.html",
        producers=producers,
        producer_id=producer_id,
        date_from=date_from,
        date_to=date_to,
        statement=statement,
        errors=errors,
        print_view=request.args.get("view") == "print",
        today=today,
    ), (422 if errors else 200)


@bp.post("/consignment/settle")
@role_required("manager")
def consignment_settle():
    producer_id = row_id(request.form, "producer_id")
    date_from, date_to = request.form.get("date_from", ""), request.form.get("date_to", "")
    try:
        settlement = settle(
            producer_id, date_from, date_to, current_user, expected_revenue=request.form.get("expected_revenue")
        )
    except DomainError as error:
        flash(error.message, "error")
        return redirect(url_for("inventory.consignment", producer_id=producer_id, date_from=date_from, date_to=date_to))
    flash(
        _(
            "Settled as %(number)s: %(payable)s payable to the producer.",
            number=settlement.number,
            payable=current_app.jinja_env.filters["vnd"](settlement.payable),
        ),
        "success",
    )
    return redirect(url_for("inventory.settlement_detail", settlement_id=settlement.id))


@bp.get("/consignment/settlements")
@role_required("manager")
def consignment_settlements():
    producer_id = row_id(request.args, "producer_id")
    rows = settlements(producer_id)
    if request.args.get("format"):
        producer = db.session.get(Producer, producer_id) if producer_id else None
        return export(report_exports.settlements(rows, producer and producer.name), request.args["format"])
    return render_template("inventory/settlements.html", settlements=rows)


@bp.get("/consignment/settlements/<int:settlement_id>")
@role_required("manager")
def settlement_detail(settlement_id):
    settlement, rows = settlement_statement(settlement_id)
    if request.args.get("format"):
        return export(report_exports.settlement(settlement, rows), request.args["format"])
    return render_template(
        "inventory/settlement_detail.html",
        settlement=settlement,
        rows=rows,
        print_view=request.args.get("view") == "print",
    )


# --- valuation --------------------------------------------------------------------------------------------------


@bp.get("/valuation")
@role_required("manager")
def valuation():
    raw = (request.args.get("date") or "").strip()
    errors: dict = {}
    day = parse_date(raw, "date", errors, required=False) if raw else None
    if day and not date(2000, 1, 1) <= day <= local_today():
        errors["date"] = Text("between 2000-01-01 and today")
    if errors:
        day = None
        errors = {str(field_name(k)): str(v) for k, v in errors.items()}
    result = valuation_as_of(day) if day else valuation_now()
    if request.args.get("format"):
        return export(report_exports.valuation(result), request.args["format"])
    page, per_page = requested_page(), 100
    return render_template(
        "inventory/valuation.html",
        valuation=result,
        raw_date=raw,
        errors=errors,
        rows=result.rows[(page - 1) * per_page : page * per_page],
        page=page,
        pages=max(1, -(-len(result.rows) // per_page)),
    ), (422 if errors else 200)
