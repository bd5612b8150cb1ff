"""`flask einvoice send` (once), `flask einvoice run` (keeps sending), `flask einvoice status`, and
`flask einvoice fake-provider` (a fake VNPT on loopback for the demo)."""

import os
import time

import click

from pos.core.loops import run_until_stopped
from pos.einvoice import bp
from pos.einvoice.provider import ProviderUnavailable
from pos.einvoice.sender import configured_provider, queue_status, run_forever, send_all


@bp.cli.command("send")
def send_command():
    """Send every pending invoice now (ignoring the retry delays), once."""
    try:
        provider = configured_provider()  # the settings and credentials, or why not
    except ProviderUnavailable as problem:
        raise click.ClickException(str(problem)) from None
    result = send_all(provider, ignore_backoff=True)
    click.echo(f"sent {result.sent}, refused {result.refused}, to retry {result.deferred}")
    if result.error:
        raise click.ClickException(result.error)


@bp.cli.command("run")
def run_command():
    """Keep sending invoices as they are issued until stopped (SIGTERM or Ctrl-C)."""
    run_until_stopped("einvoice", lambda stop: run_forever(stop=stop, echo=click.echo))


@bp.cli.command("status")
def status_command():
    """Invoices pending, sent and refused, today's not yet sent, the last success and error."""
    status = queue_status()
    rows = [
        ("pending", status.pending),
        ("sent", status.sent),
        ("refused", status.refused),
        ("unsent today", status.unsent_today),
        ("last success", status.last_success_at or "never"),
    ] + ([("last error", status.last_error)] if status.last_error else [])
    for label, value in rows:
        click.echo(f"{label + ':':<16}{value}")


@bp.cli.command("fake-provider")
@click.option("--port", default=5002, show_default=True, help="port on 127.0.0.1")
def fake_provider_command(port):
    """A fake VNPT publishing service on 127.0.0.1:PORT for the demo, taking the credentials of the environment
    (EINVOICE_ACCOUNT, EINVOICE_ACPASS, EINVOICE_USERNAME, EINVOICE_PASSWORD). It keeps invoices in memory."""
    from pos.einvoice.fake_provider import FakeVnpt

    names = ("account", "ac_password", "username", "password")
    keys = ("EINVOICE_ACCOUNT", "EINVOICE_ACPASS", "EINVOICE_USERNAME", "EINVOICE_PASSWORD")
    fake = FakeVnpt(**{name: os.environ[key] for name, key in zip(names, keys, strict=True) if os.environ.get(key)})
    running = fake.serve(port)
    click.echo(f"einvoice: fake VNPT on {running.url}/PublishService.asmx")

    def wait(stop):
        while not stop():
            time.sleep(0.5)

    run_until_stopped("fake VNPT", wait)
    running.stop()
