"""Pages: the unmatched transfers list, the QR image a till shows, and what a sale's page shows of its transfers."""

from io import BytesIO

import qrcode
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from pos.auth.access import role_required
from pos.core.errors import DomainError
from pos.core.extensions import db
from pos.models import VietQRRequest
from pos.payments import bp
from pos.payments.providers import provider
from pos.payments.transfers import mark_handled, sale_transfers, unmatched_transfers


@bp.get("/till/vietqr/<int:request_id>.png")
@role_required("cashier")
def qr_png(request_id):
    """The QR a till showed for a sale (payOS's, or the plain VietQR), drawn large for the shopper's banking app."""
    shown = db.get_or_404(VietQRRequest, request_id)
    image = qrcode.make(shown.qr_payload, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return Response(buffer.getvalue(), mimetype="image/png", headers={"Cache-Control": "private, max-age=3600"})


@bp.get("/bank-transfers")
@role_required("cashier")
def transfers_page():
    """Transfers that match no sale: a cashier attaches one at the till, a manager marks one handled."""
    return render_template("payments/transfers.html", transfers=unmatched_transfers(200), provider=provider())


@bp.post("/bank-transfers/<int:transfer_id>/handled")
@role_required("manager")
def handle_transfer(transfer_id):
    try:
        mark_handled(transfer_id, request.form.get("note", ""), current_user)
        flash(_("Transfer marked handled."), "success")
    except DomainError as error:
        flash(error.message, "error")
    return redirect(url_for("payments.transfers_page"))


@bp.app_template_global()
def bank_transfers_of(sale_uuid: str) -> list:
    """For a sale's page: the transfers that paid it, each with its provider's reference."""
    return sale_transfers(sale_uuid)
