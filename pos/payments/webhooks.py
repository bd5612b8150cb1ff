"""The providers' webhooks, public but verified: a wrong signature or key is 401, counted, and stores nothing.
Each answers as soon as the transfer's row is written; matching it to a sale is the showroom's work."""

from flask import Blueprint, jsonify, request

from pos.auth.access import public
from pos.core.extensions import csrf
from pos.payments.providers import payos_notice, sepay_notice
from pos.payments.transfers import count_refused, store_notice


def receive_webhook(provider: str):
    """Shared by a showroom's blueprint and central's: verify, store once, answer 200."""
    from pos.central.registry import Unauthorized  # (pos.central.api imports this module)

    body = request.get_data(cache=True)
    try:
        if provider == "payos":
            notice = payos_notice(body)
        else:
            notice = sepay_notice(request.headers.get("Authorization", ""), body)
    except Unauthorized:  # a wrong signature or key
        count_refused(provider)
        raise
    created = store_notice(notice)
    # payOS wants {"success": true} style answers to count delivery; SePay {"success": true} with 200 or 201.
    return jsonify({"success": True, "stored": created})


@public
@csrf.exempt
def payos_webhook():
    """payOS's notice of a paid payment request, verified with payOS's SDK."""
    return receive_webhook("payos")


@public
@csrf.exempt
def sepay_webhook():
    """SePay's notice of a transfer (`Authorization: Apikey …`)."""
    return receive_webhook("sepay")


def add_webhook_routes(bp: Blueprint) -> None:
    """The providers' webhook routes on `bp`: central's (it has the public address a showroom usually lacks), and
    a showroom's payments blueprint (a showroom with a public address receives them directly)."""
    bp.add_url_rule("/api/v1/webhooks/payos", view_func=payos_webhook, methods=["POST"])
    bp.add_url_rule("/api/v1/webhooks/sepay", view_func=sepay_webhook, methods=["POST"])
