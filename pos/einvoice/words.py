"""An amount of đồng in Vietnamese words, as an invoice's TgTTTBChu: "Một triệu không trăm lẻ năm đồng".

num2words (lang="vi") says each group of three digits; the groups are put together here, because num2words
gets inner groups wrong ("một trăm tỷ ... nghìn lẻ mười hai" for …012, and "một trăm nghìn tỷ" for 10^15) and
leaves out the "không trăm" an inner group under a hundred takes in invoices ("một triệu không trăm lẻ năm")."""

from functools import lru_cache

from num2words import num2words

_SCALES = ("", " nghìn", " triệu")


def _group(value: int, inner: bool) -> str:
    """One group of three digits (1 to 999); an inner group under 100 reads "không trăm …"."""
    if not inner or value >= 100:
        return num2words(value, lang="vi")
    if value < 10:
        return "không trăm lẻ " + num2words(value, lang="vi")
    return "không trăm " + num2words(value, lang="vi")


def _under_billion(value: int, inner: bool) -> list[str]:
    parts = []
    for power in (2, 1, 0):
        group = value // 1000**power % 1000
        if group:
            parts.append(_group(group, inner or bool(parts)) + _SCALES[power])
    return parts


def _words(value: int, inner: bool = False) -> list[str]:
    if value >= 10**9:  # … tỷ, then the rest under a billion: 10^12 is "một nghìn tỷ", 10^15 "một triệu tỷ"
        return [" ".join(_words(value // 10**9, inner)) + " tỷ", *_under_billion(value % 10**9, True)]
    return _under_billion(value, inner)


@lru_cache(maxsize=4096)  # a showroom's totals repeat (the same products, the same prices)
def amount_in_words(amount: int) -> str:
    """Whole đồng in Vietnamese words, capitalised, ending in "đồng"; a negative amount starts with "Âm"."""
    if amount < 0:
        return "Âm " + amount_in_words(-amount)[0].lower() + amount_in_words(-amount)[1:]
    text = " ".join(_words(amount)) if amount else "không"
    return text[0].upper() + text[1:] + " đồng"
