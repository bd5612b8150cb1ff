import functools

import click
from flask import current_app, request

from pos.core.errors import Text, ValidationError
from pos.core.limits import first_unstorable, unstorable


def set_security_headers(response):
    """No inline scripts, no framing, no MIME sniffing."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def checks_its_own_text(view):
    """Marks a view that refuses unstorable text itself, item by item, so `refuse_unstorable_text` leaves its
    request alone: central's sync intake refuses one bad event and stores the rest of its batch; a form that
    marks each odd field in place (the goods receipt) shows the form again instead of an error page."""
    view.checks_its_own_text = True
    return view


def _shown(key: str) -> str:
    """A field's name as it can be shown back (a NUL or a lone surrogate in the name itself, escaped)."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")[:100]


def refuse_unstorable_text():
    """before_request: text a database cannot store (a NUL, a lone surrogate such as '\\ud800') is refused
    wherever it comes in (the URL's path or query, a form field, an upload's file name, a JSON body) with a
    422 naming the field, before any view reads it: PostgreSQL refuses a NUL, no driver can send a lone
    surrogate, and SQLite would cut the text short. Services check it again (pos.core.limits.check_text) for
    what arrives another way (CSV, the command line)."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "checks_its_own_text", False):
        return
    problem = Text("contains a character that cannot be stored (NUL or an invalid Unicode character)")
    fields = {}
    pairs = [*(request.view_args or {}).items(), *request.args.items(multi=True)]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        pairs += [
            *request.form.items(multi=True),
            *((key, upload.filename or "") for key, upload in request.files.items(multi=True)),
        ]
    for key, value in pairs:
        if unstorable(key) or (isinstance(value, str) and unstorable(value)):
            fields[_shown(key)] = problem
    if request.is_json and request.method not in ("GET", "HEAD", "OPTIONS"):
        where = first_unstorable(request.get_json(silent=True))
        if where:
            fields[_shown(where)] = problem
    if fields:
        raise ValidationError(
            "Some text holds a character that cannot be stored (NUL or an invalid Unicode character): %(names)s.",
            names=", ".join(fields),
            fields=fields,
            code="unstorable_text",
        )


def refuse_unstorable_options(group: click.Group) -> None:
    """Every command of `group` (and of its subgroups) refuses an argument or option holding text a database
    cannot store, with a one-line reason and exit code 2, before it runs: the command line hands Python bytes
    that are not UTF-8 as lone surrogates, and a NUL can come from a script."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            refuse_unstorable_options(command)
        elif command.callback and not getattr(command.callback, "refuses_unstorable", False):
            command.callback = _refusing_unstorable(command.callback)


def _refusing_unstorable(callback):
    @functools.wraps(callback)
    def checked(*args, **kwargs):
        for name, value in kwargs.items():
            if any(
                isinstance(v, str) and unstorable(v) for v in (value if isinstance(value, (list, tuple)) else [value])
            ):
                raise click.BadParameter(
                    str(Text("contains a character that cannot be stored (NUL or an invalid Unicode character)")),
                    param_hint=f"'{name.replace('_', '-')}'",
                )
        return callback(*args, **kwargs)

    checked.refuses_unstorable = True
    return checked
