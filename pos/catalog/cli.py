import sys
from pathlib import Path

import click

from pos.catalog import bp
from pos.catalog.csv_io import export_csv, import_csv
from pos.catalog.media import is_reencoded, prepare_image_bytes, stored_images, stored_path
from pos.core.database import atomic
from pos.core.errors import ValidationError


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
    click.echo(
        f"Imported: {result.created} new, {result.updated} updated, {result.unchanged} unchanged, "
        f"{result.ratings_added} ratings added."
    )


@bp.cli.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="CSV file to write")
def export_command(out):
    """Export the catalog as a UTF-8 CSV, one row per product."""
    Path(out).write_text(export_csv(), encoding="utf-8")
    click.echo(f"Catalog written to {out}.")


@bp.cli.command("reencode-images")
@click.option("--dry-run", is_flag=True, help="Only say what would change.")
def reencode_images_command(dry_run):
    """Re-encode photos and certificate images stored before uploads were bounded and re-encoded.

    Each becomes a phone-width image and a thumbnail without metadata; one the upload check would refuse (too
    many pixels, not an image) is taken off its product or rating and its file deleted, as a phone could not
    show it. Run once after upgrading; it skips what is already re-encoded."""
    from sqlalchemy import select

    from pos.core.extensions import db
    from pos.models import OcopRating, Product

    rows = [(row, "photo") for row in db.session.scalars(select(Product).where(Product.photo.is_not(None)))]
    rows += [
        (row, "certificate_image")
        for row in db.session.scalars(select(OcopRating).where(OcopRating.certificate_image.is_not(None)))
    ]
    rows = [(row, column) for row, column in rows if not is_reencoded(getattr(row, column))]
    done = refused = missing = 0
    with click.progressbar(rows, label="Images", file=sys.stderr) as progress:
        for row, column in progress:
            name = getattr(row, column)
            path = stored_path(name)
            if path is None:
                missing += 1
                click.echo(f"\n{column} {name}: no such file under the upload folder; left as it is.", err=True)
                continue
            try:
                image = prepare_image_bytes(path.read_bytes(), name, column)
            except ValidationError as error:
                refused += 1
                click.echo(f"\n{column} {name}: {error}" + ("" if dry_run else " Removed."), err=True)
                if not dry_run:
                    with atomic():
                        setattr(db.session.merge(row), column, None)
                    path.unlink(missing_ok=True)
                continue
            done += 1
            if not dry_run:
                with stored_images(image), atomic():
                    setattr(db.session.merge(row), column, image.name)
                path.unlink(missing_ok=True)
    verb = "would be" if dry_run else "were"
    click.echo(f"{done} image(s) {verb} re-encoded, {refused} {verb} refused and removed, {missing} missing.")
