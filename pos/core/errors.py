"""Domain errors raised by services, and the one place that turns any error into a page or JSON."""

import logging

from flask import has_request_context, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class Text:
    """A translatable message with params: an English msgid with %(name)s placeholders. In a request it reads in
    the request's language (Vietnamese by default), elsewhere (CLI, logs) in English. A param may itself be a
    Text (e.g. what a manager must approve, inside "A manager must approve: …")."""

    def __init__(self, template: str, **params):
        self.template, self.params = template, params

    def render(self, translate: bool) -> str:
        values = {k: v.render(translate) if isinstance(v, Text) else v for k, v in self.params.items()}
        if translate:
            return _(self.template, **values) if values else _(self.template)
        return self.template % values if values else self.template

    def __str__(self) -> str:
        return self.render(has_request_context())


class TextList(Text):
    """Texts (or plain strings) joined by a separator, each part in the same language: a list of products or
    of problems inside one message."""

    def __init__(self, parts, separator: str = ", "):
        super().__init__("")
        self.parts, self.separator = list(parts), separator

    def render(self, translate: bool) -> str:
        return self.separator.join(p.render(translate) if isinstance(p, Text) else str(p) for p in self.parts)


def problem_list(problems: dict, name=lambda key: key) -> TextList:
    """Every problem as "field: problem", joined by "; ", for inside a refusal's message; `name` turns a field's
    key into its name in words (a Text, so it reads in the message's language)."""
    return TextList(
        (Text("%(field)s: %(problem)s", field=name(key), problem=problem) for key, problem in problems.items()), "; "
    )


class DomainError(Exception):
    """A rule was broken. `code` is machine-readable, the message is for people, `fields` maps a field name
    to its problem.

    The message is a Text: an English msgid with %(name)s placeholders filled from keyword params, e.g.
    `OutOfStock("Not enough stock of %(name)s: %(wanted)d wanted, %(left)d left.", name=…, wanted=…, left=…)`.
    `make extract-translations` collects it into its area's catalog; `error.message` reads in the request's
    language, `str(error)` in English."""

    code = "invalid"
    status = 422

    def __init_subclass__(cls, *, code: str | None = None, status: int | None = None, **kwargs):
        """Each error names its code and HTTP status where it is declared: `class NotFound(DomainError,
        code="not_found", status=404)`; what it leaves out it inherits."""
        super().__init_subclass__(**kwargs)
        cls.code = code or cls.code
        cls.status = status or cls.status

    def __init__(self, message: str, *, fields: dict | None = None, code: str | None = None, **params):
        self.text = Text(message, **params)
        super().__init__(self.text.render(translate=False))
        # A field's problem may be a Text: `fields` holds it in English (API, logs), `field_messages` reads it
        # in the request's language (forms).
        self.field_texts = dict(fields or {})
        self.fields = {k: v.render(False) if isinstance(v, Text) else v for k, v in self.field_texts.items()}
        if code:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.text)

    @property
    def field_messages(self) -> dict:
        return {k: str(v) for k, v in self.field_texts.items()}


class ValidationError(DomainError, code="validation_error"): ...


class NotFound(DomainError, code="not_found", status=404): ...


class Conflict(DomainError, code="conflict", status=409): ...


class InvalidBarcode(DomainError, code="invalid_barcode"): ...


class InvalidSerial(InvalidBarcode, code="invalid_serial", status=400):
    """Text that cannot be one of our serials (pos.labels.serials): malformed input, a 400."""


class SerialRefused(DomainError, code="serial_refused", status=409):
    """A serialized unit the till may not sell: its serial is sold already, was never issued, or belongs to another
    product (a copied or fake label)."""


class OutOfStock(DomainError, code="out_of_stock", status=409): ...


class LotNotSellable(DomainError, code="lot_not_sellable"):
    """A pack from a lot that may never be sold (expired, or written off): it is set aside, and no approval
    sells it."""


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    if wants_json():
        body = {"error": code, "message": message}
        if fields:
            body["fields"] = fields
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message, fields=fields or {}), status


def register_error_handlers(app):
    from pos.core.extensions import db

    @app.errorhandler(DomainError)
    def domain_error(error):
        db.session.rollback()
        return error_response(error.status, error.code, error.message, error.fields)

    @app.errorhandler(HTTPException)
    def http_error(error):
        messages = {
            400: _("The request could not be understood."),
            403: _("You do not have permission to do that."),
            404: _("Page not found."),
            405: _("That action is not allowed here."),
            413: _("The upload is too large."),
            429: _("Too many attempts. Please wait a minute and try again."),
        }
        message = messages.get(error.code, error.description or error.name)
        if error.code == 400 and "CSRF" in (error.description or ""):
            message = _("The form expired. Please reload the page and try again.")
        return error_response(error.code, error.name.lower().replace(" ", "_"), message)

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        # A locked database (another writer held it past the busy timeout) or a full disk: the
        # transaction was rolled back whole, so the till can safely send the same sale again.
        db.session.rollback()
        log.error("Database unavailable on %s %s: %s", request.method, request.path, error.orig)
        return error_response(
            503,
            "database_unavailable",
            _("The showroom database is busy or its disk is full. Nothing was saved; please try again."),
        )

    @app.errorhandler(Exception)
    def unexpected_error(error):
        db.session.rollback()
        log.error("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, "server_error", _("Something went wrong. Nothing was saved; please try again."))
