"""Which showrooms' data a signed-in user may see.

At central, a user tied to a showroom (User.showroom_code) is that showroom's manager: they see its figures and
nothing of any other showroom's, and change nothing shared (the master catalog every showroom pulls, the
showroom registrations and keys, central's users and settings). A user with no showroom sees every showroom.
At a showroom every user belongs to it, so there the scope is everything.

Two checks, both deny by default:
- every route a showroom-tied user opens at central must be marked @applies_scope (its view hands the scope to
  the services that query) or @public; any other route answers 403, so a new central page cannot forget it;
- the central services that read per-showroom data take a Scope argument with no default and filter by it.
"""

from dataclasses import dataclass

from flask import abort, current_app, request
from flask_login import current_user


@dataclass(frozen=True)
class Scope:
    showroom: str | None  # a showroom code; None: every showroom

    @property
    def everything(self) -> bool:
        return self.showroom is None

    def allows(self, showroom_code: str | None) -> bool:
        return self.showroom is None or showroom_code == self.showroom


EVERYTHING = Scope(None)


def scope_of(user) -> Scope:
    """The signed-in user's scope. Only central ties users to showrooms; an empty code means none."""
    if current_app.config["POS_ROLE"] != "central":
        return EVERYTHING
    code = (getattr(user, "showroom_code", None) or "").strip().upper()
    return Scope(code) if code else EVERYTHING


def current_scope() -> Scope:
    if not current_user.is_authenticated:
        # Only @public routes run without a user, and those show nothing per showroom.
        return Scope("")
    return scope_of(current_user)


def applies_scope(view):
    """Marks a view that shows only what its user's scope allows (or nothing per showroom at all)."""
    view.applies_scope = True
    return view


def may_open(endpoint: str | None) -> bool:
    """Whether the signed-in user may open `endpoint` as far as the scope goes (the role is checked apart)."""
    if endpoint is None or endpoint == "static" or current_scope().everything:
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "is_public", False) or getattr(view, "applies_scope", False))


def enforce_scope():
    """before_request at central: a showroom-tied user gets 403 on any route not marked as applying the scope."""
    if current_user.is_authenticated and not may_open(request.endpoint):
        abort(403)
