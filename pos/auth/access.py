"""Access control. Every endpoint needs a logged-in user unless it is marked @public (default deny);
@role_required narrows it to a role and above."""

from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from pos.core.errors import error_response


def public(view):
    view.is_public = True
    return view


def role_required(role: str):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _refuse_anonymous()
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _refuse_anonymous():
    if request.path.startswith("/api/"):
        return error_response(401, "login_required", "Login required.")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def enforce_login():
    """before_request: refuse anonymous access to anything not marked public."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_public", False) or current_user.is_authenticated:
        return None
    return _refuse_anonymous()
