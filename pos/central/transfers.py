"""Central receives the providers' webhooks (it has the public address a showroom usually lacks) and hands each
showroom its transfers over the signed sync connection."""

from flask import jsonify, request

from pos.auth.access import public
from pos.central import bp
from pos.central.registry import authenticate_showroom
from pos.core.errors import ValidationError
from pos.core.extensions import csrf
from pos.payments.transfers import transfers_for_showroom
from pos.payments.webhooks import receive_webhook


@bp.post("/api/v1/webhooks/payos")
@public
@csrf.exempt
def payos_webhook():
    """payOS's notice of a paid payment request, verified with payOS's SDK."""
    return receive_webhook("payos")


@bp.post("/api/v1/webhooks/sepay")
@public
@csrf.exempt
def sepay_webhook():
    """SePay's notice of a transfer (`Authorization: Apikey …`)."""
    return receive_webhook("sepay")


@bp.get("/api/v1/sync/transfers")
@public
def showroom_transfers():
    """The signing showroom's transfers after `after` (the previous answer's `next`): those carrying its sale
    numbers, and those carrying none that reached `account` (its bank account)."""
    showroom = authenticate_showroom()
    after, account = request.args.get("after", "0"), request.args.get("account", "")[:32]
    if not after.isdigit() or len(after) > 18:
        raise ValidationError("'after' must be the 'next' of the previous page.", fields={"after": "invalid"})
    return jsonify(transfers_for_showroom(showroom.code, account, int(after)))
