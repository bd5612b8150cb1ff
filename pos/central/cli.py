"""`flask central add-showroom CODE --name NAME`, `flask central rotate-secret CODE`, `flask central seed-demo`."""

import click

from pos.central import bp
from pos.central.registry import add_showroom, rotate_secret
from pos.core.errors import DomainError


@bp.cli.command("add-showroom")
@click.argument("code")
@click.option("--name", required=True, help="The showroom's name, e.g. 'Điểm bán OCOP Tây Hồ'.")
@click.option(
    "--secret-file",
    type=click.Path(dir_okay=False),
    help="Also write the secret to this file (mode 0600), for scripts that configure the showroom.",
)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The showroom's first day of sales, if it sold before being registered (default: today); "
    "central refuses events dated earlier.",
)
def add_showroom_command(code, name, secret_file, since):
    """Register a showroom and print its sync secret (shown once)."""
    try:
        secret = add_showroom(code, name, since=since.date() if since else None)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    if secret_file:
        import os

        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secret)
    click.echo(f"Showroom {code.upper()} registered. Configure it with SHOWROOM_CODE={code.upper()} and")
    click.echo(f"SYNC_SECRET={secret}")
    click.echo("This secret is not shown again; rotate it with `flask central rotate-secret` if it is lost.")


@bp.cli.command("rotate-secret")
@click.argument("code")
def rotate_secret_command(code):
    """Give a showroom a new secret; the old one keeps working for 24 hours."""
    try:
        secret = rotate_secret(code)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"SYNC_SECRET={secret}")
    click.echo("The previous secret keeps working for 24 hours.")
