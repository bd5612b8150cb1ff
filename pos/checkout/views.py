import uuid
from io import BytesIO

import qrcode
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from pos.auth.access import public, role_required
from pos.checkout import bp
from pos.checkout.approvals import PausedApprover, paused_approvers
from pos.checkout.names import PAYMENT_LABELS
from pos.checkout.printing import local_showroom, print_receipt, print_return_slip, print_z_report, receipt_png
from pos.checkout.recorded import RecordedSale
from pos.checkout.returns import record_return
from pos.checkout.sales import find_by_receipt, get_sale_by_number, receipt_code
from pos.checkout.shifts import DENOMINATIONS, add_cash_movement, close_shift, current_shift, open_shift, shift_report
from pos.checkout.vietqr import vietqr_payload
from pos.core.database import paginate, row_id
from pos.core.errors import DomainError
from pos.core.extensions import db
from pos.core.formatting import format_vnd
from pos.core.limits import DOCUMENT_NUMBER_MAX, SEARCH_MAX
from pos.einvoice.service import invoices_of_sale
from pos.einvoice.settings import current_settings
from pos.models import PrintJob, Sale, SaleReturn, Shift


@bp.get("/till")
@role_required("cashier")
def till():
    showroom = local_showroom()
    from pos.sync.recovery import recovery_pending

    return render_template(
        "checkout/till.html",
        shift=current_shift(),
        showroom=showroom,
        restored=recovery_pending(),
        discount_limit=current_app.config["DISCOUNT_LIMIT_PERCENT"],
        can_vietqr=bool(showroom.bank_bin and showroom.bank_account),
        einvoice_on=current_settings() is not None,
    )


@bp.get("/till/vietqr.png")
@role_required("cashier")
def vietqr_png():
    """The dynamic VietQR for an amount and a purpose, drawn large for the shopper's banking app."""
    showroom = local_showroom()
    amount = request.args.get("amount", type=int)
    payload = vietqr_payload(showroom.bank_bin, showroom.bank_account, amount, request.args.get("purpose", ""))
    image = qrcode.make(payload, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return Response(buffer.getvalue(), mimetype="image/png", headers={"X-VietQR-Payload": payload})


@bp.route("/shift", methods=["GET", "POST"])
@role_required("cashier")
def shift():
    if request.method == "POST":
        action = request.form.get("action")
        try:
            if action == "open":
                open_shift(current_user, request.form.get("opening_float", "0"))
                flash(_("Shift opened."), "success")
                return redirect(url_for("checkout.till"))
            if action == "cash":
                amount = "".join(request.form.get("amount", "").split()).replace(".", "").replace(",", "")
                if request.form.get("direction") == "out" and amount[:1].isdigit():
                    amount = "-" + amount  # typed as a plain figure: the direction gives its sign
                add_cash_movement(current_user, amount, request.form.get("reason", ""))
                flash(_("Cash movement recorded."), "success")
            if action == "close":
                closed = close_shift(
                    current_user,
                    row_id(request.form, "shift_id") or 0,
                    {str(d): request.form.get(f"count_{d}", "0") or "0" for d in DENOMINATIONS},
                )
                flash(_("Shift closed."), "success")
                return redirect(url_for("checkout.z_report", shift_id=closed.id))
        except DomainError as error:
            flash(error.message, "error")
        return redirect(url_for("checkout.shift"))
    shift = current_shift()
    return render_template(
        "checkout/shift.html", shift=shift, report=shift_report(shift) if shift else None, denominations=DENOMINATIONS
    )


def _closed_shift_or_404(shift_id: int) -> Shift:
    shift = db.get_or_404(Shift, shift_id)
    if shift.z_report is None:  # still open: it has no Z report yet
        abort(404)
    return shift


@bp.get("/shift/<int:shift_id>/z")
@role_required("cashier")
def z_report(shift_id):
    shift = _closed_shift_or_404(shift_id)
    return render_template("checkout/z_report.html", shift=shift, report=shift.z_report, showroom=local_showroom())


@bp.post("/shift/<int:shift_id>/z/print")
@role_required("cashier")
def print_z(shift_id):
    shift = _closed_shift_or_404(shift_id)
    try:
        print_z_report(shift)
        flash(_("Z report printed."), "success")
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for("checkout.z_report", shift_id=shift.id))


@bp.get("/sales")
@role_required("cashier")
def sales():
    """The sales, newest first. A receipt's number, lookup code or scanned QR code opens that sale (a return starts
    here); part of a number narrows the list."""
    term = request.args.get("q", "").strip()[:SEARCH_MAX]
    if term and (sale := find_by_receipt(term)):
        return redirect(url_for("checkout.sale_detail", number=sale.number))
    query = select(Sale).order_by(Sale.id.desc()).options(selectinload(Sale.payments))
    if term:
        query = query.where(Sale.number.contains(receipt_code(term), autoescape=True))
    pagination = paginate(query, per_page=30)
    return render_template("checkout/sales.html", pagination=pagination, term=term)


@bp.route("/sales/<number>", methods=["GET", "POST"])
@role_required("cashier")
def sale_detail(number):
    """A sale, its print tries and returns, and the return form (refused: shown again as typed, same return UUID)."""
    sale = get_sale_by_number(number)
    form, status = {}, 200
    if request.method == "POST":
        form = request.form
        try:
            sale_return = record_return(sale.number, _return_from_form(form, sale), current_user)
            flash(
                _(
                    "Return %(number)s recorded: refund %(amount)s by %(method)s.",
                    number=sale_return.number,
                    amount=format_vnd(sale_return.refunded),
                    method=PAYMENT_LABELS[sale_return.refund_method],
                ),
                "success",
            )
            _print_slip(sale_return)
            return redirect(url_for("checkout.sale_detail", number=sale.number))
        except DomainError as error:
            flash(error.message, "error")
            status = 422
    jobs = db.session.scalars(select(PrintJob).where(PrintJob.sale_id == sale.id).order_by(PrintJob.id.desc())).all()
    returns = db.session.scalars(select(SaleReturn).where(SaleReturn.sale_id == sale.id).order_by(SaleReturn.id)).all()
    return render_template(
        "checkout/sale.html",
        sale=sale,
        jobs=jobs,
        returns=returns,
        form=form,
        return_uuid=form.get("uuid") or str(uuid.uuid4()),
    ), status


@bp.post("/returns/<number>/print")
@role_required("cashier")
def reprint_return(number):
    sale_return = db.session.scalar(select(SaleReturn).where(SaleReturn.number == number[:DOCUMENT_NUMBER_MAX]))
    if sale_return is None:
        abort(404)
    _print_slip(sale_return, reprint=True)
    return redirect(url_for("checkout.sale_detail", number=sale_return.sale.number))


def _print_slip(sale_return, reprint: bool = False) -> None:
    try:
        print_return_slip(sale_return, reprint=reprint)
    except DomainError as error:
        flash(_("The refund slip did not print: %(error)s", error=error.message), "error")


def _return_from_form(form, sale) -> dict:
    """The return form as record_return takes it; "Return everything left" takes every unit not yet returned."""
    quantities = {
        line.line_no: line.returnable_quantity
        if form.get("everything")
        else form.get(f"return_{line.line_no}", type=int) or 0
        for line in sale.lines
    }
    return {
        "uuid": form.get("uuid"),
        "reason": form.get("reason", ""),
        "refund_method": form.get("refund_method", "cash"),
        "approval": {"username": form.get("approver", ""), "password": form.get("approver_password", "")},
        "lines": [{"line_no": line_no, "quantity": quantity} for line_no, quantity in quantities.items() if quantity],
    }


@bp.get("/sales/<number>/receipt.png")
@role_required("cashier")
def receipt_image(number):
    return Response(receipt_png(RecordedSale.of(get_sale_by_number(number))), mimetype="image/png")


@bp.post("/sales/<number>/print")
@role_required("cashier")
def reprint(number):
    job = print_receipt(RecordedSale.of(get_sale_by_number(number)), reprint=True)
    if job.status != "printed":
        flash(_("Printing failed: %(error)s", error=job.error), "error")
    elif job.printer == "preview":
        flash(
            _("No receipt printer is set up (PRINTER_URL=preview): the receipt is ready to view on this page."),
            "success",
        )
    else:
        flash(_("Receipt printed."), "success")
    return redirect(url_for("checkout.sale_detail", number=number))


@bp.get("/r/<lookup_code>")
@public
def public_receipt(lookup_code):
    """The buyer's receipt, found by the lookup code printed on it."""
    sale = db.session.scalar(
        select(Sale)
        .where(Sale.lookup_code == lookup_code.upper()[:16])
        .options(selectinload(Sale.lines), selectinload(Sale.payments), selectinload(Sale.cashier))
    )
    if sale is None:
        abort(404)
    return render_template(
        "checkout/public_receipt.html",
        sale=RecordedSale.of(sale),
        showroom=local_showroom(),
        einvoices=invoices_of_sale(sale.id),
    )


@bp.app_context_processor
def approval_pauses():
    """Managers see on every page whose approvals at the till are paused (pos/checkout/approvals.py)."""

    def paused() -> list[PausedApprover]:
        if not (current_user.is_authenticated and current_user.has_role("manager")):
            return []
        return paused_approvers()

    return {"paused_approvals": paused}
