"""The top navigation. Each area adds its entries when its blueprint is registered,
so base.html never needs to know which areas exist."""

from dataclasses import dataclass
from os.path import commonpath

from flask import current_app, request, url_for
from flask_login import current_user

from pos.auth.scope import may_open

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
    entries = [
        e
        for e in sorted(_ENTRIES, key=lambda e: e.order)
        if current_user.has_role(e.role)
        and e.endpoint in current_app.view_functions  # this role's areas
        and may_open(e.endpoint)
    ]
    # The active entry is the one whose endpoint shares the longest start with the page's
    # (central.report_breakdown belongs to central.report_overview, not to central.showrooms).
    here = request.endpoint or ""
    closeness = {
        e.endpoint: len(commonpath([e.endpoint, here]))
        for e in entries
        if e.endpoint.split(".")[0] == here.split(".")[0]
    }
    active = max(closeness, key=closeness.get) if closeness else None
    return [{"url": url_for(e.endpoint), "label": e.label, "active": e.endpoint == active} for e in entries]
