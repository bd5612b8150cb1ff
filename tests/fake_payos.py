"""A fake payOS on loopback: takes payment requests as payOS's API does (signed by its SDK, answered signed), and
signs webhooks as payOS does, so the app talks to it exactly as to the real one."""

import json
import threading

from payos._crypto.provider import CryptoProvider
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from pos.checkout.vietqr import crc16_ccitt_false

CLIENT_ID, API_KEY, CHECKSUM_KEY = "fake-client-id", "fake-api-key", "fake-checksum-key"
ACCOUNT = "0011001234567"


def with_checksum(emv: str) -> str:
    """An EMVCo payload ending in its CRC, as payOS's qrCode does."""
    return emv + crc16_ccitt_false(emv)


def sign(data: dict, key: str = CHECKSUM_KEY) -> str:
    return CryptoProvider().create_signature_from_object(data, key)


def webhook_body(
    order_code: int, amount: int, description: str, reference: str, key: str = CHECKSUM_KEY, account: str = ACCOUNT
) -> bytes:
    """A payOS webhook for a paid payment request, signed with `key`."""
    data = {
        "orderCode": order_code,
        "amount": amount,
        "description": description,
        "accountNumber": account,
        "reference": reference,
        "transactionDateTime": "2026-12-02 10:15:00",
        "currency": "VND",
        "paymentLinkId": f"link-{order_code}",
        "code": "00",
        "desc": "success",
        "counterAccountBankId": "",
        "counterAccountBankName": "",
        "counterAccountName": "NGUYEN VAN A",
        "counterAccountNumber": "9876543210",
        "virtualAccountName": "",
        "virtualAccountNumber": "",
    }
    return json.dumps(
        {"code": "00", "desc": "success", "success": True, "data": data, "signature": sign(data, key)}
    ).encode()


class FakePayOS:
    def __init__(self):
        self.requests: list[dict] = []
        self.server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def wsgi(self, environ, start_response):
        request = Request(environ)
        body = request.get_json(silent=True) or {}
        if request.path != "/v2/payment-requests" or request.method != "POST":
            return Response("not found", 404)(environ, start_response)
        if request.headers.get("x-client-id") != CLIENT_ID or request.headers.get("x-api-key") != API_KEY:
            answer = {"code": "401", "desc": "unauthorized", "data": None, "signature": None}
            return Response(json.dumps(answer), 200, content_type="application/json")(environ, start_response)
        expected = CryptoProvider().create_signature_of_payment_request(body, CHECKSUM_KEY)
        if body.get("signature") != expected:
            answer = {"code": "20", "desc": "bad signature", "data": None, "signature": None}
            return Response(json.dumps(answer), 200, content_type="application/json")(environ, start_response)
        self.requests.append(body)
        data = {
            "bin": "970422",
            "accountNumber": ACCOUNT,
            "accountName": "HTX OCOP TAY HO",
            "amount": body["amount"],
            "description": body["description"],
            "orderCode": body["orderCode"],
            "currency": "VND",
            "paymentLinkId": f"link-{body['orderCode']}",
            "status": "PENDING",
            "expiredAt": None,
            "checkoutUrl": f"{self.url}/web/link-{body['orderCode']}",
            "qrCode": with_checksum(
                f"00020101021238570010A00000072701270006970422011{ACCOUNT}0208QRIBFTTA"
                f"54{len(str(body['amount'])):02d}{body['amount']}5802VN62{len(body['description']) + 4:02d}08"
                f"{len(body['description']):02d}{body['description']}6304"
            ),
        }
        answer = {"code": "00", "desc": "success", "data": data, "signature": sign(data)}
        return Response(json.dumps(answer), 200, content_type="application/json")(environ, start_response)
