"""Human labels for the catalog's codes, in the UI language."""

from flask_babel import lazy_gettext as _l

GROUP_LABELS = {
    "food": _l("Food"),
    "drinks": _l("Drinks"),
    "herbs": _l("Medicinal herbs"),
    "textiles_handicrafts": _l("Textiles and handicrafts"),
    "ornamental": _l("Ornamental plants and animals"),
    "tourism": _l("Community tourism services"),
}
PRODUCER_TYPE_LABELS = {
    "enterprise": _l("Enterprise"),
    "cooperative": _l("Cooperative"),
    "cooperative_group": _l("Cooperative group"),
    "household": _l("Household business"),
}
LEVEL_LABELS = {"district": _l("District"), "province": _l("City/province"), "national": _l("National")}
STATUS_LABELS = {
    "valid": _l("Valid"),
    "expiring": _l("Expiring"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
    "unrated": _l("Not rated"),
}
# A product's unit is typed in Vietnamese; the usual ones read in English on English pages (others as typed).
UNIT_LABELS = {
    "hộp": _l("box"),
    "gói": _l("pack"),
    "chiếc": _l("piece"),
    "cái": _l("item"),
    "chậu": _l("pot"),
    "cành": _l("branch"),
    "bộ": _l("set"),
    "lọ": _l("jar"),
    "hũ": _l("pot (jar)"),
    "chai": _l("bottle"),
    "vé": _l("ticket"),
    "túi": _l("bag"),
    "bó": _l("bunch"),
    "thùng": _l("carton"),
    "lon": _l("can"),
    "cây": _l("plant"),
    "con": _l("animal"),
    "đôi": _l("pair"),
    "tấm": _l("sheet"),
    "suất": _l("serving"),
}
