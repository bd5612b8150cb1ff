"""The top navigation. Each area adds its entries when its blueprint is registered, naming the menu (group) they
belong in, so base.html never needs to know which areas exist.

A person sees only the entries their role may open. When they have few (a cashier's four), the entries stand in
the bar as they are; otherwise each group with more than one entry is a menu (Bán hàng, Kho, Danh mục, Báo cáo,
Quản trị), so a manager's bar fits one row at 1366 px. The page's own entry is marked (aria-current), and so is
the menu holding it."""

from dataclasses import dataclass
from os.path import commonpath

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from pos.auth.scope import may_open

_ENTRIES: list["NavEntry"] = []

# The menus, in the bar's order. An area names one of these when it adds an entry.
GROUPS = {
    "home": (_l("Overview"), 0),
    "sales": (_l("Selling"), 10),
    "stock": (_l("Inventory"), 20),
    "catalog": (_l("Catalog"), 30),
    "labels": (_l("QR labels"), 40),
    "reports": (_l("Reports"), 50),
    "admin": (_l("Administration"), 60),
}
FLAT_UP_TO = 6  # this many entries or fewer stand in the bar without menus


@dataclass(frozen=True)
class NavEntry:
    endpoint: str
    label: object  # a lazy_gettext string
    role: str
    order: int
    group: str


def add_nav_entry(endpoint: str, label, role: str = "cashier", order: int = 50, group: str = "admin") -> None:
    if group not in GROUPS:
        raise ValueError(f"navigation group {group!r} is not one of {', '.join(GROUPS)}")
    if all(entry.endpoint != endpoint for entry in _ENTRIES):
        _ENTRIES.append(NavEntry(endpoint, label, role, order, group))


def _visible() -> list[NavEntry]:
    """The entries this user may open, in the bar's order; one overview (the showroom's morning page before the
    catalog's overview, which is central's)."""
    entries = [
        e
        for e in sorted(_ENTRIES, key=lambda e: (GROUPS[e.group][1], e.order))
        if current_user.has_role(e.role)
        and e.endpoint in current_app.view_functions  # this role's areas
        and may_open(e.endpoint)
    ]
    overviews = [e for e in entries if e.group == "home"]
    return [e for e in entries if e.group != "home" or e is overviews[0]]


def _active(entries: list[NavEntry]) -> str | None:
    """The entry whose endpoint shares the longest start with the page's (central.report_breakdown belongs to
    central.report_overview, not to central.showrooms)."""
    here = request.endpoint or ""
    closeness = {
        e.endpoint: len(commonpath([e.endpoint, here]))
        for e in entries
        if e.endpoint.split(".")[0] == here.split(".")[0]
    }
    return max(closeness, key=closeness.get) if closeness else None


def nav_items():
    """[{label, url, active}] for a plain entry, [{label, key, active, entries: [...]}] for a menu."""
    if not current_user.is_authenticated:
        return []
    entries = _visible()
    active = _active(entries)

    def item(e: NavEntry) -> dict:
        return {"url": url_for(e.endpoint), "label": e.label, "active": e.endpoint == active}

    if len(entries) <= FLAT_UP_TO:
        return [item(e) for e in entries]
    menus: dict[str, list[NavEntry]] = {}
    for e in entries:
        menus.setdefault(e.group, []).append(e)
    bar = []
    for key, members in menus.items():
        if len(members) == 1:
            bar.append(item(members[0]))
        else:
            items = [item(e) for e in members]
            bar.append(
                {"key": key, "label": GROUPS[key][0], "entries": items, "active": any(i["active"] for i in items)}
            )
    return bar
