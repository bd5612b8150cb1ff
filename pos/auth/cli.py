import sys

import click

from pos.auth import bp
from pos.auth.service import create_user
from pos.core.errors import DomainError
from pos.models import ROLES


@bp.cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="cashier, manager or admin")
@click.option("--full-name", default="", help="Name shown on receipts and reports")
def create_user_command(username, role, full_name):
    """Create a staff user. Asks for the password, or reads it from stdin when piped."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        user = create_user(username, password, role, full_name)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role} '{user.username}'.")
