"""GS1 numbers: GTIN check digits, in-store codes, and GS1 Digital Link URLs."""

import re

from pos.core.errors import InvalidBarcode

GTIN_LENGTHS = (8, 12, 13, 14)
IN_STORE_PREFIXES = tuple(str(n) for n in range(20, 30))  # restricted circulation, valid only in our network
MAX_LOT_LENGTH = 20
# …/01/{gtin}[/10/{lot}] anywhere in a URL, as our QR labels print it (a 2D scanner types the URL).
DIGITAL_LINK = re.compile(r"/01/(\d{8,14})(?:/10/([^/?#]{1,20}))?/?(?:[?#].*)?$")


def check_digit(data: str) -> int:
    """The GS1 check digit for the digits before it: weights 3,1,3,1… from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(data)))
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    return code.isascii() and code.isdigit() and len(code) in GTIN_LENGTHS and check_digit(code[:-1]) == int(code[-1])


def to_gtin14(code: str) -> str:
    """Any valid GTIN-8/12/13/14 as GTIN-14 (left-padded with zeros). Raises InvalidBarcode."""
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit()):
        raise InvalidBarcode("A GTIN has digits only: '%(value)s'.", value=code[:40], fields={"gtin": "digits only"})
    if len(code) not in GTIN_LENGTHS:
        raise InvalidBarcode(
            "A GTIN has 8, 12, 13 or 14 digits, not %(length)d.", length=len(code), fields={"gtin": "wrong length"}
        )
    if not is_valid_gtin(code):
        raise InvalidBarcode(
            "GTIN %(gtin)s has a wrong check digit (expected %(expected)d).",
            gtin=code,
            expected=check_digit(code[:-1]),
            fields={"gtin": "wrong check digit"},
        )
    return code.zfill(14)


def display_gtin(gtin14: str) -> str:
    """GTIN-14 with a leading zero is shown as the EAN-13 printed on the pack."""
    return gtin14[1:] if gtin14.startswith("0") else gtin14


def in_store_code(sequence: int, prefix: str = "20") -> str:
    """An EAN-13 with a restricted-circulation prefix, for products without a GS1 number."""
    if prefix not in IN_STORE_PREFIXES:
        raise ValueError("in-store codes use prefixes 20-29")
    body = f"{prefix}{sequence:010d}"
    if len(body) != 12:
        raise ValueError("in-store code sequence exhausted")
    return body + str(check_digit(body))


def is_in_store(code: str) -> bool:
    return len(code) == 13 and code[:2] in IN_STORE_PREFIXES


def parse_digital_link(text: str) -> tuple[str, str | None] | None:
    """(gtin14, lot) from a GS1 Digital Link URL, None if the text is not one."""
    match = DIGITAL_LINK.search(text.strip())
    if not match:
        return None
    return to_gtin14(match.group(1)), match.group(2)


def digital_link(base_url: str, gtin14: str, lot: str | None = None) -> str:
    url = f"{base_url.rstrip('/')}/01/{gtin14}"
    return f"{url}/10/{lot}" if lot else url
