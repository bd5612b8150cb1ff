from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from pos.auth import bp
from pos.auth.access import public
from pos.auth.passwords import TooManyAttempts
from pos.auth.scope import applies_scope
from pos.auth.service import authenticate, end_sessions


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("remember")


def _safe_next(target: str | None) -> str:
    """Only redirect to a path on this site after login."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except TooManyAttempts as refused:
            user, error, status = None, refused.message, 429
        else:
            if user:
                login_user(user, remember=form.remember.data)
                return redirect(_safe_next(request.args.get("next")))
            error, status = _("Wrong username or password."), 401
    elif request.method == "POST":
        error, status = _("Enter your username and password."), 401
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@applies_scope  # shows nothing of any showroom
def logout():
    user_id = current_user.id
    logout_user()
    end_sessions(user_id)
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next") or (request.referrer and urlsplit(request.referrer).path)))
