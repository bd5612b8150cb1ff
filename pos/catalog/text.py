import unicodedata


def fold(text: str) -> str:
    """Lower-case without Vietnamese diacritics: 'Chè Sen Quảng An' -> 'che sen quang an'."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return " ".join("".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower().split())
