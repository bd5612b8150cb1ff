"""Finding a sale number in what a bank made of a transfer's content.

Our QR asks for `TH 20261202 0001` (pos.checkout.vietqr.clean_purpose of TH-20261202-0001). Banks upper- or
lower-case it, drop or add spaces and dots, glue it to their own words and references ("MBVCB.3278907687.TH
20261202 0001.CT tu 0123…"). So the content is folded to its ASCII letters and digits, and a showroom code
followed by a date and 4 to 6 digits is looked for; digits glued after the number make several candidates, of
which the showroom keeps the one it handed out."""

import re

from pos.catalog.text import fold

_DAY = r"(20\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))"


def folded(content: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", fold(content or "").upper())


def _pattern(code: str) -> re.Pattern:
    return re.compile(re.escape(folded(code)) + _DAY + r"(R?)(\d{4,6})")


def number_candidates(content: str, code: str) -> list[str]:
    """The sale numbers of showroom `code` the content may carry, the likeliest first."""
    text, candidates = folded(content), []
    for match in _pattern(code).finditer(text):
        day, restored, digits = match.groups()
        for width in (4, 5, 6):
            if len(digits) >= width:
                number = f"{code}-{day}-{restored}{digits[:width]}"
                if number not in candidates:
                    candidates.append(number)
    return candidates


def showroom_in(content: str, codes) -> str:
    """The showroom (of `codes`) whose sale number the content carries, or "". Longer codes are tried first, so
    a code that ends another (H and TH) does not take its transfers."""
    text = folded(content)
    for code in sorted(codes, key=len, reverse=True):
        if _pattern(code).search(text):
            return code
    return ""
