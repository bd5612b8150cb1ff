"""The two providers that tell us of incoming bank transfers, at the edge: reading their credentials, checking
their webhooks (payOS with its official SDK, SePay by its API key) into one TransferNotice, and asking payOS for a
payment request. Nothing here touches the database."""

import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from pos.core.errors import NotFound, ValidationError
from pos.core.limits import PAYMENT_MAX, bounded

PROVIDERS = ("none", "payos", "sepay")


class ProviderUnavailable(Exception):
    """payOS could not be reached or refused the payment request: the till falls back to the plain VietQR."""


@dataclass(frozen=True)
class TransferNotice:
    """One transfer as a provider told it, in our words."""

    provider: str
    provider_ref: str  # the provider's own id of the transaction: stored once
    bank_reference: str
    account_number: str
    amount: int
    direction: str  # in or out
    content: str
    order_code: int | None = None
    transacted_at: str = ""

    def to_json(self) -> dict:
        return {field: getattr(self, field) for field in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict) -> "TransferNotice":
        """A notice as central hands it to a showroom (to_json), checked as a webhook's would be."""
        if not isinstance(data, dict):
            raise ValidationError("A transfer must be an object.", fields={"transfer": "not an object"})
        return _notice(
            data.get("provider"),
            data.get("provider_ref"),
            data.get("bank_reference"),
            data.get("account_number"),
            data.get("amount"),
            data.get("direction"),
            data.get("content"),
            data.get("order_code"),
            data.get("transacted_at"),
        )


def _text(value, width: int) -> str:
    """A provider's text, cut to our column: a verified provider's word is kept, not refused for its length."""
    if value is None:
        return ""
    return str(value).replace("\x00", "").strip()[:width]


def _notice(provider, ref, bank_reference, account, amount, direction, content, order_code, at) -> TransferNotice:
    errors = {}
    if provider not in ("payos", "sepay"):
        errors["provider"] = "payos or sepay"
    ref = _text(ref, 64)
    if not ref:
        errors["provider_ref"] = "required"
    if bounded(amount, 1, PAYMENT_MAX) is None:
        errors["amount"] = f"a whole number of đồng from 1 to {PAYMENT_MAX}"
    if direction not in ("in", "out"):
        errors["direction"] = "in or out"
    if order_code is not None and bounded(order_code, 0, 2**53 - 1) is None:
        errors["order_code"] = "a whole number"
    if errors:
        raise ValidationError("The transfer notice is invalid.", fields=errors)
    return TransferNotice(
        provider,
        ref,
        _text(bank_reference, 64),
        _text(account, 32),
        amount,
        direction,
        _text(content, 500),
        order_code,
        _text(at, 40),
    )


def provider() -> str:
    name = current_app.config.get("VIETQR_PROVIDER") or "none"
    if name not in PROVIDERS:
        raise RuntimeError(f"VIETQR_PROVIDER must be one of {', '.join(PROVIDERS)}, not {name!r}")
    return name


def credential(name: str) -> str:
    """A provider's secret: app config (tests), the environment, or the file instance/<name in lower case>."""
    value = current_app.config.get(name) or os.environ.get(name)
    if value:
        return str(value).strip()
    path = Path(current_app.instance_path) / name.lower()
    return path.read_text().strip() if path.is_file() else ""


def _payos_client(checksum_key: str):
    from payos import PayOS

    return PayOS(
        client_id=credential("PAYOS_CLIENT_ID") or "-",
        api_key=credential("PAYOS_API_KEY") or "-",
        checksum_key=checksum_key,
        base_url=current_app.config["PAYOS_API_URL"],
        timeout=current_app.config["PAYOS_TIMEOUT_S"],
        max_retries=0,
    )


def payos_notice(body: bytes) -> TransferNotice:
    """A payOS webhook, verified by the official SDK (HMAC-SHA256 of its data's keys sorted as k=v&…)."""
    key = credential("PAYOS_CHECKSUM_KEY")
    if not key:
        raise NotFound("payOS is not configured here.")
    from payos import WebhookError

    from pos.central.registry import Unauthorized  # a refused webhook is 401, as a badly signed sync request

    try:
        data = _payos_client(key).webhooks.verify(body)
    except WebhookError as problem:
        raise Unauthorized("payOS webhook refused: %(reason)s.", reason=str(problem)[:80]) from None
    # Only a successful payment ("00") is money in; payOS signs its other notices alike.
    direction = "in" if data.code == "00" else "out"
    return _notice(
        "payos",
        data.reference,
        data.reference,
        data.virtual_account_number or data.account_number,
        data.amount,
        direction,
        data.description,
        data.order_code,
        data.transaction_date_time,
    )


def sepay_notice(authorization: str, body: bytes) -> TransferNotice:
    """A SePay webhook: `Authorization: Apikey KEY`, then its transfer."""
    key = credential("SEPAY_API_KEY")
    if not key:
        raise NotFound("SePay is not configured here.")
    from pos.central.registry import Unauthorized

    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "apikey" or not hmac.compare_digest(given.strip().encode(), key.encode()):
        raise Unauthorized("SePay webhook refused: %(reason)s.", reason="wrong or missing API key")
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ValidationError("The body must be a JSON object.", fields={"body": "not JSON"})
    return _notice(
        "sepay",
        None if data.get("id") is None else str(data.get("id")),
        data.get("referenceCode"),
        data.get("accountNumber"),
        data.get("transferAmount"),
        data.get("transferType"),
        data.get("content"),
        None,
        data.get("transactionDate"),
    )


def order_code_of(number: str, attempt: int) -> int:
    """payOS's integer orderCode for a sale's number and the how-many-th QR of the sale this is (0-9):
    TH-20261202-0001 → 2026120200000010; a restored series (R0001) has a 9 after the date. Under 2^53."""
    _code, day, seq = number.rsplit("-", 2)
    restored = seq.startswith("R")
    return int(f"{day}{9 if restored else 0}{int(seq.lstrip('R')):06d}{attempt % 10}")


@dataclass(frozen=True)
class PaymentRequest:
    order_code: int
    payment_link_id: str
    qr_code: str  # the VietQR string payOS made for it
    checkout_url: str


def create_payos_request(order_code: int, amount: int, description: str, return_url: str) -> PaymentRequest:
    """payOS's payment request for the sale (signed by the SDK: amount, cancelUrl, description, orderCode,
    returnUrl), or ProviderUnavailable."""
    key = credential("PAYOS_CHECKSUM_KEY")
    if not (key and credential("PAYOS_CLIENT_ID") and credential("PAYOS_API_KEY")):
        raise ProviderUnavailable("payOS credentials are missing")
    from payos import PayOSError
    from payos.types import CreatePaymentLinkRequest

    try:
        answer = _payos_client(key).payment_requests.create(
            CreatePaymentLinkRequest(
                order_code=order_code,
                amount=amount,
                description=description,
                cancel_url=return_url,
                return_url=return_url,
            )
        )
    except (PayOSError, OSError, ValueError) as problem:
        raise ProviderUnavailable(f"payOS: {type(problem).__name__}: {str(problem)[:120]}") from None
    except Exception as problem:  # httpx's transport errors, pydantic's on an odd answer
        raise ProviderUnavailable(f"payOS: {type(problem).__name__}: {str(problem)[:120]}") from None
    return PaymentRequest(answer.order_code, answer.payment_link_id, answer.qr_code, answer.checkout_url)
