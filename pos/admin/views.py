from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from pos.admin import bp
from pos.admin.service import (
    SHOWROOM_FIELDS,
    audit_actions,
    audit_entries,
    local_showroom_row,
    save_settings,
    set_active,
)
from pos.auth.access import role_required
from pos.auth.scope import applies_scope, current_scope
from pos.auth.service import create_user, set_password
from pos.core.database import paginate, row_id
from pos.core.errors import DomainError, NotFound
from pos.core.extensions import db
from pos.einvoice import settings as einvoice
from pos.models import EINVOICE_FORMS, EINVOICE_PROVIDERS, EINVOICE_SPEC_VERSIONS, ROLES, User


def _save_posted(save, saved: str, page: str) -> tuple:
    """A settings form, when posted: saved, flashed and back to `page`; refused, the values typed and each field's
    problem, to show the form again. Not posted: (None, {})."""
    if request.method == "POST":
        try:
            save(request.form)
        except DomainError as error:
            flash(error.message, "error")
            return request.form, error.field_messages
        flash(saved, "success")
        abort(redirect(url_for(page)))  # Post/Redirect/Get: a reload does not post again
    return None, {}


@bp.route("/settings", methods=["GET", "POST"])
@role_required("admin")
def settings():
    values, errors = _save_posted(save_settings, _("Settings saved."), "admin.settings")
    showroom = local_showroom_row()
    values = values or {field: getattr(showroom, field) or "" for field in SHOWROOM_FIELDS}
    return render_template(
        "admin/settings.html", values=values, errors=errors, fields=SHOWROOM_FIELDS, code=showroom.code
    ), (422 if errors else 200)


@bp.route("/users", methods=["GET", "POST"])
@role_required("admin")
def users():
    if request.method == "POST":
        try:
            action = request.form.get("action")
            if action == "create":
                user = create_user(
                    request.form.get("username", ""),
                    request.form.get("password", ""),
                    request.form.get("role", ""),
                    request.form.get("full_name", "")[:120],
                )
                flash(_("User %(name)s created.", name=user.username), "success")
            elif action in ("activate", "deactivate"):
                set_active(row_id(request.form, "user_id") or 0, action == "activate", current_user)
                flash(_("Saved."), "success")
            elif action == "password":
                user = db.session.get(User, row_id(request.form, "user_id") or 0)
                if user is None:
                    raise NotFound("No such user.")
                set_password(user, request.form.get("password", ""))
                flash(_("Password changed; the user's other sessions have ended."), "success")
        except DomainError as error:
            flash(error.message, "error")
        return redirect(url_for("admin.users"))
    people = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", people=people, roles=ROLES)


@bp.get("/audit")
@role_required("manager")
@applies_scope
def audit():
    """Who did what and when, with the values before and after."""
    scope = current_scope()
    filters = {column: request.args.get(column, "").strip()[:64] for column in ("action", "entity", "username")}
    pagination = paginate(audit_entries(scope, filters), per_page=50)
    actions = audit_actions(scope)
    return render_template(
        "admin/audit.html",
        pagination=pagination,
        actions=actions,
        args=request.args,
    )


@bp.route("/einvoice", methods=["GET", "POST"])
@role_required("admin")
def einvoice_settings():
    """E-invoicing: off by default; what is set, and the provider's credentials found (never their values)."""
    values, errors = _save_posted(einvoice.save_settings, _("E-invoice settings saved."), "admin.einvoice_settings")
    row = einvoice.settings_row()
    values = values or {field: getattr(row, field) or "" for field in einvoice.FIELDS}
    return render_template(
        "admin/einvoice.html",
        values=values,
        errors=errors,
        fields=einvoice.FIELDS,
        enabled=row.enabled,
        forms=EINVOICE_FORMS,
        providers=EINVOICE_PROVIDERS,
        versions=EINVOICE_SPEC_VERSIONS,
        found=sorted(einvoice.credentials()),
        missing=einvoice.missing_credentials(),
    ), (422 if errors else 200)
