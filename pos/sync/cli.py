"""`flask sync push` (once), `flask sync run` (keeps sending), `flask sync status`, `flask sync recover`."""

import signal

import click

from pos.sync import bp
from pos.sync.client import CentralClient, CentralUnavailable
from pos.sync.sender import push_all, run_forever, sync_status


@bp.cli.command("push")
def push_command():
    """Send everything pending now (ignoring the retry delays), once."""
    try:
        result = push_all(CentralClient.from_config(), ignore_backoff=True)
    except CentralUnavailable as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"sent {result.sent}, dead-lettered {result.dead}, to retry {result.deferred}")
    if result.error:
        raise click.ClickException(result.error)


@bp.cli.command("run")
def run_command():
    """Keep sending sales and pulling the catalog until stopped (SIGTERM or Ctrl-C)."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        click.echo("sync: running (Ctrl-C to stop)")
        run_forever(stop=lambda: bool(stopping), echo=click.echo)
    except CentralUnavailable as problem:
        raise click.ClickException(str(problem)) from None
    except KeyboardInterrupt:
        pass
    click.echo("sync: stopped")


@bp.cli.command("status")
def status_command():
    """Pending, sent and dead-lettered events, the lag and the last success."""
    status = sync_status()
    click.echo(f"configured:   {'yes' if status.configured else 'no (set CENTRAL_URL and SYNC_SECRET)'}")
    click.echo(f"pending:      {status.pending}")
    click.echo(f"sent:         {status.sent}")
    click.echo(f"dead:         {status.dead}")
    click.echo(f"stuck:        {status.stuck}")
    click.echo(f"lag:          {status.lag_seconds} s")
    click.echo(f"last success: {status.last_success_at or 'never'}")
    if status.last_error:
        click.echo(f"last error:   {status.last_error}")
    from pos.sync.recovery import recovery_pending

    restored = recovery_pending()
    if restored:
        click.echo(
            f"restored:     from {restored['from']}; sales made after the backup not yet taken back "
            "(`flask sync recover`)"
        )


@bp.cli.command("recover")
def recover_command():
    """Take back from central the sales and returns this showroom's books lack (after `flask restore`)."""
    from pos.sync.recovery import recover

    try:
        result = recover()
    except CentralUnavailable as problem:
        raise click.ClickException(
            f"{problem}; the recovery is still due: run `flask sync recover` once central is reachable"
        ) from None
    for line in result.report():
        click.echo(line)
    if not result.complete:
        raise click.ClickException("the recovery is not complete")
