"""The till's JSON for VietQR: show the QR, wait for the bank's word, attach an unmatched transfer, confirm."""

from flask import jsonify, request
from flask_login import current_user

from pos.auth.access import role_required
from pos.checkout.sales import parse_uuid
from pos.core.errors import ValidationError
from pos.core.limits import ROW_ID_MAX, bounded
from pos.payments import bp
from pos.payments.providers import provider
from pos.payments.qr import confirm_received, show_qr
from pos.payments.transfers import attach, pull_from_central, unmatched_transfers, waiting_sale
from pos.payments.webhooks import add_webhook_routes

add_webhook_routes(bp)  # a showroom with a public address receives the providers' notices directly


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError("The request body must be a JSON object.", fields={"body": "not JSON"})
    return body


def transfer_json(transfer) -> dict:
    return {
        "id": transfer.id,
        "provider": transfer.provider,
        "reference": transfer.provider_ref,
        "bank_reference": transfer.bank_reference,
        "amount": transfer.amount,
        "content": transfer.content,
        "status": transfer.status,
        "problem": transfer.problem,
        "sale_number": transfer.sale_number,
        "received_at": transfer.received_at.isoformat() + "Z",
    }


@bp.post("/api/v1/sales/<sale_uuid>/vietqr")
@role_required("cashier")
def show_vietqr(sale_uuid):
    """The QR for an amount of the sale: {"amount": 455000} → its number, the payload, its image, and whether
    the bank's side will confirm it (`waits`)."""
    return jsonify(show_qr(sale_uuid, _body().get("amount")).to_json())


@bp.get("/api/v1/sales/<sale_uuid>/vietqr")
@role_required("cashier")
def vietqr_status(sale_uuid):
    """What the bank confirmed for the sale so far, taking new transfers from central first. `link` is ok,
    unreachable (confirm by hand) or off (no provider, or no central)."""
    sale_uuid = parse_uuid(sale_uuid)
    link = pull_from_central() if provider() != "none" else "off"
    waiting = waiting_sale(sale_uuid)
    return jsonify(
        {
            "number": waiting.number,
            "asked": waiting.asked,
            "received": waiting.received,
            "still_due": waiting.still_due,
            "excess": waiting.excess,
            "link": link,
            "transfers": [transfer_json(t) for t in waiting.transfers],
            "unmatched": [transfer_json(t) for t in unmatched_transfers(10)],
        }
    )


@bp.post("/api/v1/sales/<sale_uuid>/vietqr/confirm")
@role_required("cashier")
def confirm_vietqr(sale_uuid):
    """The cashier takes the VietQR payment: {"amount", "by": "bank"|"cashier", "excess_returned"}."""
    body = _body()
    confirm_received(sale_uuid, body.get("amount"), body.get("by"), body.get("excess_returned"), current_user)
    return jsonify({"confirmed": True})


@bp.post("/api/v1/bank-transfers/<int:transfer_id>/attach")
@role_required("cashier")
def attach_transfer(transfer_id):
    """Attach an unmatched transfer to the open sale: {"sale_uuid": …}."""
    sale_uuid = parse_uuid(_body().get("sale_uuid"))
    if bounded(transfer_id, 1, ROW_ID_MAX) is None:
        raise ValidationError("No such bank transfer.", fields={"transfer": "invalid"})
    return jsonify(transfer_json(attach(transfer_id, sale_uuid, current_user)))
