"""GS1 numbers: GTIN check digits, in-store codes, and GS1 Digital Link URLs."""

import re
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from pos.core.errors import InvalidBarcode

GTIN_LENGTHS = (8, 12, 13, 14)
IN_STORE_PREFIXES = tuple(str(n) for n in range(20, 30))  # restricted circulation, valid only in our network
MAX_LOT_LENGTH = 20
# The key qualifiers of a GTIN, in the only order a GS1 Digital Link URI may carry them:
# 22 consumer product variant, 10 batch/lot, 21 serial number; each at most 20 characters.
QUALIFIERS = ("22", "10", "21")
QUALIFIER_MAX_LENGTH = 20
# GS1's character set 82 (what a CPV or a serial may hold). Lots are only held to their length: producers'
# lot codes are printed on packs already and our labels carry them percent-encoded.
CSET82 = re.compile(r"""[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+""")
# …/01/{gtin}[/22/…][/10/…][/21/…] anywhere in a URL, as our QR labels print it (a 2D scanner types the URL).
DIGITAL_LINK = re.compile(r"/01/(\d{8,14})((?:/[^/?#]+/[^/?#]+)*)/?(?:[?#].*)?$")


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
    """(gtin14, lot) from a GS1 Digital Link URL, None if the text is not one (see `link_in_text`)."""
    link = link_in_text(text)
    return (link.gtin14, link.lot) if link else None


def digital_link(base_url: str, gtin14: str, lot: str | None = None, serial: str | None = None) -> str:
    url = f"{base_url.rstrip('/')}/01/{gtin14}"
    url = f"{url}/10/{lot}" if lot else url
    return f"{url}/21/{serial}" if serial else url


@dataclass(frozen=True)
class DigitalLink:
    """What a GS1 Digital Link URI for a GTIN names: the product and, optionally, its variant (22), lot (10)
    and serial (21), decoded. `short_gtin` says the URI gave the GTIN in fewer than 14 digits."""

    gtin14: str
    cpv: str | None = None
    lot: str | None = None
    serial: str | None = None
    short_gtin: bool = field(default=False, compare=False)

    @property
    def qualifiers(self) -> dict[str, str]:
        """{"22": …, "10": …, "21": …} for the qualifiers present, in the standard's order."""
        values = {"22": self.cpv, "10": self.lot, "21": self.serial}
        return {key: value for key, value in values.items() if value is not None}

    @property
    def path(self) -> str:
        """/01/{gtin14}[/22/…][/10/…][/21/…], each value percent-encoded."""
        return f"/01/{self.gtin14}" + "".join(f"/{k}/{quote(v, safe='')}" for k, v in self.qualifiers.items())

    def levels(self) -> list["DigitalLink"]:
        """This link, then each less specific one above it, down to the bare GTIN (the linkset's anchors)."""
        names = [_NAMES[key] for key in self.qualifiers]
        return [
            DigitalLink(self.gtin14, **{name: getattr(self, name) for name in names[:size]})
            for size in range(len(names), -1, -1)
        ]


_NAMES = {"22": "cpv", "10": "lot", "21": "serial"}


def parse_link_path(path: str) -> DigitalLink:
    """The Digital Link named by a URL path `/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}][/]`, given raw
    (still percent-encoded, so an encoded "/" inside a lot stays inside it). Raises InvalidBarcode (a 400)
    whose code says what is wrong."""
    segments = path.split("/")
    if segments[-1] == "" and len(segments) > 1:
        segments.pop()  # one trailing slash is tolerated
    if len(segments) < 3 or segments[0] != "" or segments[1] != "01":
        raise InvalidBarcode("This address is not a GS1 Digital Link for a product.", code="not_a_digital_link")
    code = unquote(segments[2])
    if not (code.isascii() and code.isdigit()):
        raise InvalidBarcode("A product code has digits only.", code="not_numeric")
    if len(code) not in GTIN_LENGTHS:
        raise InvalidBarcode("A product code (GTIN) has 8, 12, 13 or 14 digits.", code="wrong_length")
    if not is_valid_gtin(code):
        raise InvalidBarcode(
            "This product code is not valid: its last digit does not match. The label may be damaged or mistyped.",
            code="check_digit",
        )
    rest = segments[3:]
    if len(rest) % 2:
        raise InvalidBarcode(
            "This address has a part after the product code that a GS1 Digital Link cannot have.",
            code="bad_path",
        )
    values: dict[str, str] = {}
    position = -1
    for key, raw in zip(rest[::2], rest[1::2], strict=True):
        if key not in QUALIFIERS:
            raise InvalidBarcode(
                "This address has a part after the product code that a GS1 Digital Link cannot have.",
                code="unknown_qualifier",
            )
        if QUALIFIERS.index(key) <= position:
            raise InvalidBarcode(
                "The parts of this address are out of order (variant, then lot, then serial).",
                code="qualifier_order",
            )
        position = QUALIFIERS.index(key)
        value = unquote(raw)
        if not 0 < len(value) <= QUALIFIER_MAX_LENGTH or not value.isprintable():
            raise InvalidBarcode(
                "A lot, variant or serial in this address has 1 to %(max)d characters.",
                max=QUALIFIER_MAX_LENGTH,
                code="qualifier_length",
            )
        if key != "10" and not CSET82.fullmatch(value):
            raise InvalidBarcode(
                "A variant or serial in this address has a character GS1 does not allow.", code="qualifier_charset"
            )
        values[_NAMES[key]] = value
    return DigitalLink(code.zfill(14), **values, short_gtin=len(code) != 14)


def link_in_text(text: str) -> DigitalLink | None:
    """The Digital Link in what a scanner typed (a URL from our labels), None if the text holds none.
    Raises InvalidBarcode for a GTIN with a wrong check digit."""
    match = DIGITAL_LINK.search(text.strip())
    if not match:
        return None
    gtin14 = to_gtin14(match.group(1))
    try:
        return parse_link_path(f"/01/{gtin14}{match.group(2)}")
    except InvalidBarcode:
        return None
