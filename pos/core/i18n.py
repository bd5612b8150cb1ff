"""Language choice (vi by default, en available); the display formats are in pos/core/formatting.py."""

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale


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


def register_template_helpers(app):
    from pos.core.formatting import register_filters

    register_filters(app)  # numbers, money, dates and codes: pos/core/formatting.py
    app.jinja_env.filters["combine"] = lambda base, changes: {**base, **changes}  # query args with a change

    from flask_babel import lazy_gettext as _l

    from pos.core.navigation import nav_items

    role_labels = {"cashier": _l("Cashier"), "manager": _l("Manager"), "admin": _l("Admin")}

    @app.context_processor
    def inject_globals():
        return {"lang": current_language(), "nav_items": nav_items, "role_label": role_labels.get}
