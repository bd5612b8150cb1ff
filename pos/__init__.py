"""The OCOP showroom POS. create_app() builds the app for either role (POS_ROLE=showroom|central)."""

import logging
from pathlib import Path

from flask import Flask, redirect, url_for
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from pos.core.config import BASE_DIR, Config, load_secret_key


def create_app(config: type[Config] | dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    from pos.core.json_body import BoundedJSONProvider

    app.json = BoundedJSONProvider(app)
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    from pos.core.database import keep_private

    Path(app.instance_path).mkdir(parents=True, exist_ok=True, mode=0o700)
    keep_private(app.instance_path, 0o700)  # it holds the secret key, the sync secret and the database
    if app.config["POS_ROLE"] == "central":  # beside a showroom on one host, each keeps its own login cookie
        app.config["SESSION_COOKIE_NAME"] = "central_session"
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(Path(app.instance_path))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        database = "central.sqlite3" if app.config["POS_ROLE"] == "central" else "pos.sqlite3"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / database}"
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):  # a server's connection can drop, a file's not
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    _check_cash_rounding(app)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pos").setLevel(logging.INFO)

    if app.config.get("TRUSTED_PROXIES"):  # the client's address from the proxies' X-Forwarded-For, else ignored
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    register_extensions(app)
    app.url_map.converters["int"] = RowIdConverter  # before the blueprints add their <int:…> routes
    register_blueprints(app)
    register_hooks(app)
    from pos.core.security_headers import refuse_unstorable_options

    refuse_unstorable_options(app.cli)
    return app


def _check_cash_rounding(app: Flask) -> None:
    """CASH_ROUNDING as a whole number of đồng; any other value stops the app with a one-line reason."""
    from pos.core.money import CASH_ROUNDING_STEPS

    value = str(app.config["CASH_ROUNDING"]).strip()
    if not value.isascii() or not value.isdigit() or int(value) not in CASH_ROUNDING_STEPS:
        raise RuntimeError(
            f"CASH_ROUNDING must be one of {', '.join(map(str, CASH_ROUNDING_STEPS))} (đồng), not {value!r}"
        )
    app.config["CASH_ROUNDING"] = int(value)


class RowIdConverter(IntegerConverter):
    """<int:…> in a URL is a row id: a number past any id is no page (404), not an overflow in the driver."""

    def __init__(self, url_map, *args, **kwargs):
        from pos.core.limits import ROW_ID_MAX

        kwargs.setdefault("max", ROW_ID_MAX)
        super().__init__(url_map, *args, **kwargs)


def register_extensions(app: Flask) -> None:
    from pos.core.database import configure_sqlite
    from pos.core.extensions import babel, csrf, db, login_manager, migrate
    from pos.core.i18n import select_locale

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    # Each area keeps its own message catalog (pos/<area>/translations); Flask-Babel merges them.
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", ";".join(str(p) for p in sorted((BASE_DIR / "pos").glob("**/translations")))
    )
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"

    from pos.auth.service import signed_in_user

    login_manager.user_loader(signed_in_user)


def register_blueprints(app: Flask) -> None:
    from pos import (
        admin,
        auth,
        catalog,
        central,
        checkout,
        display,
        einvoice,
        home,
        inventory,
        labels,
        payments,
        showroom_reports,
        sync,
    )
    from pos import public as shopper_pages
    from pos.auth.access import public
    from pos.auth.scope import applies_scope
    from pos.core import openapi
    from pos.demo import seed_demo_command

    common = (admin.bp, auth.bp, catalog.bp, openapi.bp, shopper_pages.bp)
    by_role = {
        "showroom": (
            checkout.bp,
            display.bp,
            einvoice.bp,
            home.bp,
            inventory.bp,
            labels.bp,
            payments.bp,
            showroom_reports.bp,
            sync.bp,
        ),
        "central": (central.bp,),
    }
    if app.config["POS_ROLE"] not in by_role:
        raise RuntimeError(f"POS_ROLE must be one of {', '.join(by_role)}, not {app.config['POS_ROLE']!r}")
    for blueprint in common + by_role[app.config["POS_ROLE"]]:
        app.register_blueprint(blueprint)
    app.cli.add_command(seed_demo_command)

    @app.get("/api/v1/health")
    @public
    def health():
        """For monitoring (and the benchmarks' trivial baseline)."""
        return {"status": "ok", "role": app.config["POS_ROLE"]}

    @app.route("/")
    @applies_scope  # only a redirect
    def home():
        """Cashiers start at the till, managers on the morning page (pos/home); at central, everyone on the reports."""
        if app.config["POS_ROLE"] == "central":
            return redirect(url_for("central.report_overview"))
        return redirect(url_for("home.index" if current_user.has_role("manager") else "checkout.till"))


def register_hooks(app: Flask) -> None:
    from pos.auth.access import enforce_login
    from pos.auth.scope import enforce_scope
    from pos.core.errors import register_error_handlers
    from pos.core.i18n import register_template_helpers
    from pos.core.security_headers import refuse_unstorable_text, set_security_headers

    app.before_request(enforce_login)
    if app.config["POS_ROLE"] == "central":
        app.before_request(enforce_scope)
    app.before_request(refuse_unstorable_text)
    app.after_request(set_security_headers)
    register_error_handlers(app)
    register_template_helpers(app)

    @app.context_processor
    def inject_user():
        return {"current_user": current_user}
