"""`flask labels png` and `flask labels sheet`."""

from pathlib import Path

import click

from pos.core.errors import DomainError
from pos.labels import bp, service
from pos.labels.render import PRESETS, render_png, render_sheet_pdf


def _fail(error: DomainError):
    raise click.ClickException(error.message)


def _warn_about_the_address() -> None:
    warning = service.base_url_warning(service.public_base_url())
    if warning:
        click.echo(f"Warning: {warning}", err=True)


@bp.cli.command("png")
@click.argument("code")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The PNG file to write.")
@click.option("--lot", default="", help="Lot code: the QR links to the lot and the label shows its dates.")
@click.option("--preset", default="3x8", type=click.Choice(list(PRESETS)), help="Label size.")
@click.option("--plain", is_flag=True, help="No OCOP stars (for a product without a valid rating).")
def png_command(code, out, lot, preset, plain):
    """Write one label image for SKU_OR_GTIN (its QR code leads to PUBLIC_BASE_URL)."""
    _warn_about_the_address()
    try:
        items = service.resolve_items([code], [lot])
        content = service.sheet_contents([items[0]], with_stars=not plain)[0]
        size = service.get_preset(preset)
        Path(out).write_bytes(render_png(content, width_mm=size.width_mm, height_mm=size.height_mm))
    except DomainError as error:
        _fail(error)
    click.echo(f"{out}: {content.url}")


@bp.cli.command("sheet")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The PDF file to write.")
@click.option("--sku", "skus", multiple=True, required=True, help="SKU or GTIN, optionally :QTY and :LOT (repeatable).")
@click.option("--preset", default="3x8", type=click.Choice(list(PRESETS)), help="Label stock.")
@click.option("--start", default="1", help="First free position on a partly used sheet (1 = top left).")
@click.option("--plain", is_flag=True, help="No OCOP stars on any label.")
def sheet_command(out, skus, preset, start, plain):
    """Write an A4 PDF sheet of labels (their QR codes lead to PUBLIC_BASE_URL)."""
    _warn_about_the_address()
    try:
        size = service.get_preset(preset)
        first = service.parse_start(start, size)
        items = service.resolve_items(list(skus))
        contents = service.sheet_contents(items, with_stars=not plain)
        Path(out).write_bytes(render_sheet_pdf(contents, size, first))
    except DomainError as error:
        _fail(error)
    click.echo(f"{out}: {len(contents)} labels on {size.title} from position {first}.")
