"""Language choice and the display formats for money and time (vi by default, en available)."""

from datetime import UTC, datetime

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale

from pos.core.clock import LOCAL_TZ


def select_locale() -> str:
    """?lang= wins, then the staff member's remembered choice; shopper pages then follow the browser.
    Everything else is Vietnamese by default."""
    languages = current_app.config["LANGUAGES"]
    chosen = request.args.get("lang")
    if chosen in languages:
        return chosen
    if session.get("lang") in languages:
        return session["lang"]
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "is_public", False) and not (request.endpoint or "").startswith("auth."):
        return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The request's language; Vietnamese outside a request (a command, a test calling a service)."""
    locale = get_locale() if has_request_context() else None
    return locale.language if locale else "vi"


def format_amount(amount: int, language: str | None = None) -> str:
    """1.234.567 in Vietnamese, 1,234,567 in English: digits grouped, no currency sign (a cash note's face)."""
    digits = f"{abs(int(amount)):,}"
    return ("-" if amount < 0 else "") + (
        digits if (language or current_language()) == "en" else digits.replace(",", ".")
    )


def format_vnd(amount: int | None, language: str | None = None) -> str:
    """1.234.567 ₫ in Vietnamese, ₫1,234,567 in English."""
    if amount is None:
        return ""
    language = language or current_language()
    sign, digits = ("-" if amount < 0 else ""), format_amount(abs(amount), language)
    return f"{sign}₫{digits}" if language == "en" else f"{sign}{digits}\u00a0₫"


def to_local(moment: datetime | None) -> datetime | None:
    """A stored (naive UTC) time as Asia/Ho_Chi_Minh time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def format_local(moment: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    local = to_local(moment)
    return local.strftime(fmt) if local else ""


def format_date(value, language: str | None = None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if (language or current_language()) == "vi" else value.strftime("%Y-%m-%d")


def format_duration(seconds: int | None) -> str:
    """12 s, 4 min, 3 h 5 min, 2 d 4 h: how long ago or how far behind."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


def register_template_helpers(app):
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["combine"] = lambda base, changes: {**base, **changes}  # query args with a change
    app.jinja_env.filters["vnd"] = format_vnd
    app.jinja_env.filters["amount"] = format_amount
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["stars"] = lambda n: "★" * int(n or 0) + "☆" * (5 - int(n or 0))

    from flask_babel import lazy_gettext as _l

    from pos.core.navigation import nav_items

    role_labels = {"cashier": _l("Cashier"), "manager": _l("Manager"), "admin": _l("Admin")}

    @app.context_processor
    def inject_globals():
        return {"lang": current_language(), "nav_items": nav_items, "role_label": role_labels.get}
