"""`flask backup --out FILE` and `flask restore FILE` (pos/admin/backup.py does the copying)."""

from pathlib import Path

import click
from flask import current_app

from pos.admin import bp
from pos.admin.backup import backup_database, check_backup_file, restore_database
from pos.core.errors import ValidationError


@bp.cli.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="New file to write")
def backup_command(out):
    """Copy the showroom database to a file while sales continue."""
    try:
        pages = backup_database(Path(out))
    except ValidationError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Backup written to {out} ({pages} pages).")


@bp.cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
def restore_command(file, yes):
    """Replace the showroom database with a backup (asks first)."""
    try:
        check_backup_file(Path(file))
        if not yes:
            click.confirm(f"Replace ALL data in this showroom's database with {file}?", abort=True)
        restore_database(Path(file))
    except ValidationError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Restored from {file}.")
    if current_app.config["POS_ROLE"] == "showroom":
        _recover_after_restore(file)


def _recover_after_restore(file) -> None:
    """Say what the restore lost, and take back from central what it holds (pos/sync/recovery.py)."""
    from pos.sync.client import CentralUnavailable
    from pos.sync.recovery import mark_restored, recover

    click.echo(mark_restored(file))
    try:
        result = recover()
    except CentralUnavailable as problem:
        click.echo(
            f"Central could not be asked ({problem}). Until it is, the till warns and new sale numbers "
            "carry an R; `flask sync run` recovers by itself once central answers, or run "
            "`flask sync recover`."
        )
        return
    for line in result.report():
        click.echo(line)
