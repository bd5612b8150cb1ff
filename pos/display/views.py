"""The customer display's page (/display, no login) and the large VietQR it shows."""

from io import BytesIO

import qrcode
from flask import Response, abort, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from pos.auth.access import public
from pos.checkout.printing import local_showroom
from pos.checkout.vietqr import vietqr_payload
from pos.display import bp
from pos.display.api import COOKIE
from pos.display.service import POLL_MS, display_qr

# Each shown in Vietnamese with English beneath, whatever the browser's language: shoppers read either.
TEXTS = {
    "title": _l("Customer display"),
    "welcome": _l("Welcome"),
    "ocop": _l("OCOP products: one commune, one product, each rated from 3 to 5 stars by the province or the nation."),
    "pair": _l("Pair this screen with a till"),
    "pair_how": _l("At the till, choose “Customer display” and type this code."),
    "expires": _l("The code changes every 10 minutes."),
    "product": _l("Product"),
    "quantity": _l("Qty"),
    "price": _l("Unit price"),
    "amount": _l("Line total"),
    "total": _l("Total"),
    "scan": _l("Scan with your banking app to pay"),
    "thanks": _l("Payment received — thank you"),
    "offline": _l("Reconnecting to the till…"),
    "stars": _l("OCOP stars"),
}


def _both() -> dict:
    texts = {}
    for key, text in TEXTS.items():
        with force_locale("vi"):
            vi = str(text)
        with force_locale("en"):
            en = str(text)
        texts[key] = {"vi": vi, "en": en}
    return texts


@bp.get("/display")
@public
def page():
    """The screen facing the shopper: the waiting code, then the paired till's cart, its QR and the thanks."""
    showroom = local_showroom()
    return render_template("display/display.html", texts=_both(), showroom=showroom, poll_ms=POLL_MS)


@bp.get("/display/vietqr.png")
@public
def vietqr_png():
    """The QR the paired till shows now, drawn large; 404 when it shows none."""
    qr = display_qr(request.cookies.get(COOKIE))
    if qr is None:
        abort(404)
    showroom = local_showroom()
    payload = qr.get("payload") or vietqr_payload(showroom.bank_bin, showroom.bank_account, qr["amount"], qr["number"])
    image = qrcode.make(payload, error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return Response(buffer.getvalue(), mimetype="image/png", headers={"X-VietQR-Payload": payload})
