from pathlib import Path

import click

from pos.catalog import bp
from pos.catalog.csv_io import export_csv, import_csv


@bp.cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
def import_command(file):
    """Import products from a UTF-8 CSV (all rows checked first; nothing written if one is bad)."""
    path = Path(file)
    if not path.is_file():
        raise click.ClickException(f"No file at {file}.")
    result = import_csv(path.read_bytes())
    if result.errors:
        for line, reason in result.errors:
            click.echo(f"line {line}: {reason}", err=True)
        raise click.ClickException(f"{len(result.errors)} problem(s); nothing was imported.")
    click.echo(f"Imported: {result.created} new, {result.updated} updated, {result.unchanged} unchanged, "
               f"{result.ratings_added} ratings added.")


@bp.cli.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="CSV file to write")
def export_command(out):
    """Export the catalog as a UTF-8 CSV, one row per product."""
    Path(out).write_text(export_csv(), encoding="utf-8")
    click.echo(f"Catalog written to {out}.")
