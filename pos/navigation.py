"""The top navigation. Each area adds its entries when its blueprint is registered,
so base.html never needs to know which areas exist."""
from dataclasses import dataclass

from flask import request, url_for
from flask_login import current_user

_ENTRIES: list["NavEntry"] = []


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object  # a lazy_gettext string
    role: str
    order: int


def add_nav_entry(endpoint: str, label, role: str = "cashier", order: int = 50) -> None:
    if all(entry.endpoint != endpoint for entry in _ENTRIES):
        _ENTRIES.append(NavEntry(endpoint, label, role, order))


def nav_items():
    if not current_user.is_authenticated:
        return []
    blueprint = (request.endpoint or "").split(".")[0]
    return [
        {"url": url_for(e.endpoint), "label": e.label, "active": e.endpoint.split(".")[0] == blueprint}
        for e in sorted(_ENTRIES, key=lambda e: e.order)
        if current_user.has_role(e.role)
    ]
