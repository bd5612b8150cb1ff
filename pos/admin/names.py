"""The audit log's codes in the UI language; a code without a label shows as it is stored."""

from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "login": _l("Log in"),
    "login_failed": _l("Failed login"),
    "create": _l("Create"),
    "update": _l("Edit"),
    "delete": _l("Deleted"),
    "post": _l("Posted"),
    "reverse": _l("Reversed"),
    "revoke": _l("Revoked"),
    "override": _l("Manager override"),
    "approval_refused": _l("Approval refused"),
    "return": _l("Return"),
    "retry": _l("Sent again"),
    "settle": _l("Settled"),
    "write_off": _l("Written off"),
    "cash_movement": _l("Cash in/out"),
    "shift_open": _l("Shift opened"),
    "shift_close": _l("Shift closed"),
}
ENTITY_LABELS = {
    "user": _l("user"),
    "product": _l("product"),
    "producer": _l("producer"),
    "rating": _l("OCOP rating"),
    "sale": _l("sale"),
    "stock": _l("stock"),
    "lot": _l("lot"),
    "shift": _l("shift"),
    "goods_receipt": _l("goods receipt"),
    "stock_count": _l("stock count"),
    "transfer": _l("transfer"),
    "consignment": _l("consignment"),
    "showroom": _l("showroom"),
    "showroom_key": _l("showroom key"),
    "outbox": _l("sync outbox"),
}
