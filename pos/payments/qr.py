"""The VietQR a till shows for a sale: payOS's payment request when payOS is the provider (and reachable), else
the plain VietQR to the showroom's account carrying the sale number; and the cashier's confirmation by hand."""

import logging
from dataclasses import asdict, dataclass

from flask import url_for
from sqlalchemy import func, select

from pos.checkout.printing import local_showroom
from pos.checkout.sales import parse_uuid, reserve_number
from pos.checkout.shifts import add_cash_movement
from pos.checkout.vietqr import clean_purpose, vietqr_payload
from pos.core.audit import record_audit
from pos.core.database import atomic
from pos.core.errors import ValidationError
from pos.core.extensions import db
from pos.core.limits import PAYMENT_MAX, bounded
from pos.models import VietQRRequest
from pos.payments.providers import ProviderUnavailable, create_payos_request, order_code_of, provider

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShownQR:
    id: int
    number: str
    amount: int
    provider: str  # who will tell us of the transfer: payos, sepay or none (the cashier looks)
    payload: str
    fallback: str  # why payOS was not used though configured, else ""

    def to_json(self) -> dict:
        return asdict(self) | {
            "waits": self.provider != "none",
            "image_url": url_for("payments.qr_png", request_id=self.id),
        }


def _amount(value) -> int:
    amount = bounded(value, 1, PAYMENT_MAX)
    if amount is None:
        raise ValidationError(
            "The amount must be a whole number of đồng from 1 to %(max)d.",
            max=PAYMENT_MAX,
            fields={"amount": "invalid"},
        )
    return amount


def show_qr(sale_uuid, amount) -> ShownQR:
    """The QR for `amount` of the sale (its number handed out now if it has none yet)."""
    sale_uuid, amount = parse_uuid(sale_uuid), _amount(amount)
    number = reserve_number(sale_uuid)
    showroom = local_showroom()
    configured, fallback, order_code, link_id, payload = provider(), "", None, "", ""
    if configured == "payos":
        shown_before = db.session.scalar(
            select(func.count()).select_from(VietQRRequest).where(VietQRRequest.sale_uuid == sale_uuid)
        )
        try:
            made = create_payos_request(
                order_code_of(number, shown_before),
                amount,
                clean_purpose(number),
                url_for("checkout.till", _external=True),
            )
            order_code, link_id, payload = made.order_code, made.payment_link_id, made.qr_code
        except ProviderUnavailable as problem:
            log.warning("vietqr: payOS payment request for %s failed, plain VietQR instead: %s", number, problem)
            fallback = str(problem)[:200]
    if not payload:
        payload = vietqr_payload(showroom.bank_bin, showroom.bank_account, amount, number)
    used = "none" if fallback else configured
    with atomic():
        row = VietQRRequest(
            sale_uuid=sale_uuid,
            sale_number=number,
            amount=amount,
            provider=used,
            order_code=order_code,
            payment_link_id=link_id,
            qr_payload=payload,
        )
        db.session.add(row)
        db.session.flush()
        row_id = row.id
    return ShownQR(row_id, number, amount, used, payload, fallback)


def confirm_received(sale_uuid, amount, by: str, excess_returned, user) -> None:
    """The cashier takes the VietQR payment: confirmed by the bank (its transfers are on the sale) or by the
    cashier's own look at the shopper's banking app, audited. An overpayment handed back in cash leaves the drawer
    as a cash movement."""
    sale_uuid, amount = parse_uuid(sale_uuid), _amount(amount)
    if by not in ("bank", "cashier"):
        raise ValidationError("'by' is bank or cashier.", fields={"by": "invalid"})
    excess = bounded(excess_returned or 0, 0, PAYMENT_MAX)
    if excess is None:
        raise ValidationError(
            "The excess handed back is a whole number of đồng.", fields={"excess_returned": "invalid"}
        )
    number = reserve_number(sale_uuid)
    if by == "cashier":
        with atomic():
            record_audit(
                "confirm",
                "sale",
                number,
                user=user,
                after={"method": "vietqr", "amount": amount, "confirmed_by": "cashier"},
                note=f"VietQR transfer of {amount} for sale {number} confirmed by the cashier, not by the bank",
            )
    if excess:
        add_cash_movement(user, -excess, f"VietQR overpayment handed back: {number}")
