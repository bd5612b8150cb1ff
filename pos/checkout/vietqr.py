"""VietQR (NAPAS 247) payloads in the EMVCo merchant-presented format."""

import binascii
import re

from pos.core.errors import Text, TextList, ValidationError
from pos.core.formatting import format_amount
from pos.core.limits import PAYMENT_MAX, bounded

MAX_PURPOSE = 25


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValidationError("VietQR field %(tag)s is too long.", tag=tag, fields={tag: "too long"})
    return f"{tag}{len(value):02d}{value}"


def crc16_ccitt_false(data: str) -> str:
    return f"{binascii.crc_hqx(data.encode('ascii'), 0xFFFF):04X}"


def clean_purpose(text: str) -> str:
    """Banks keep only ASCII letters, digits and spaces reliably; at most 25 characters."""
    from pos.catalog.text import fold

    ascii_text = re.sub(r"[^A-Za-z0-9 ]", " ", fold(text or "").upper())
    return " ".join(ascii_text.split())[:MAX_PURPOSE]


def vietqr_payload(
    bank_bin: str, account: str, amount: int | None = None, purpose: str = "", to_card: bool = False
) -> str:
    """The string to draw as a QR code. With an amount it is dynamic (tag 01 = 12), else static (11)."""
    errors, problems = {}, []
    if not (bank_bin or "").isdigit() or len(bank_bin) != 6:
        errors["bin"] = "a 6-digit bank BIN, e.g. 970436"
        problems.append(Text("bin: a 6-digit bank BIN, e.g. 970436"))
    if not re.fullmatch(r"[0-9A-Za-z]{1,19}", account or ""):
        errors["account"] = "1 to 19 letters or digits"
        problems.append(Text("account: 1 to 19 letters or digits"))
    if amount is not None and bounded(amount, 1, PAYMENT_MAX) is None:
        errors["amount"] = f"a whole number of đồng from 1 to {PAYMENT_MAX}"
        problems.append(Text("amount: a whole number of đồng from 1 to %(max)s", max=format_amount(PAYMENT_MAX)))
    if errors:
        raise ValidationError("Cannot build the VietQR: %(problems)s", fields=errors, problems=TextList(problems, "; "))
    beneficiary = _tlv("00", bank_bin) + _tlv("01", account)
    merchant = _tlv("00", "A000000727") + _tlv("01", beneficiary) + _tlv("02", "QRIBFTTC" if to_card else "QRIBFTTA")
    body = _tlv("00", "01") + _tlv("01", "12" if amount else "11") + _tlv("38", merchant) + _tlv("53", "704")
    if amount:
        body += _tlv("54", str(amount))
    body += _tlv("58", "VN")
    purpose = clean_purpose(purpose)
    if purpose:
        body += _tlv("62", _tlv("08", purpose))
    body += "6304"
    return body + crc16_ccitt_false(body)
