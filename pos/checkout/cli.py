import click
from flask import current_app

from pos.checkout import bp
from pos.checkout.vietqr import vietqr_payload
from pos.errors import DomainError
from pos.printing import PrinterError, print_raster


@bp.cli.command("vietqr")
@click.option("--bin", "bank_bin", required=True, help="The bank's 6-digit BIN, e.g. 970436 (Vietcombank)")
@click.option("--account", required=True, help="Account number")
@click.option("--amount", type=int, help="Amount in đồng; omit for a static QR")
@click.option("--purpose", default="", help="Transfer purpose (ASCII letters, digits, spaces; ≤ 25)")
def vietqr_command(bank_bin, account, amount, purpose):
    """Print a VietQR payload string, to check it with a banking app."""
    try:
        click.echo(vietqr_payload(bank_bin, account, amount, purpose))
    except DomainError as error:
        raise click.ClickException(error.message)


def sample_sale():
    """A made-up sale for a test print; nothing is stored."""
    from types import SimpleNamespace as Obj

    from pos.models.base import utcnow
    lines = [Obj(name_vi="Chè Sen Quảng An hộp 100g", stars=4, quantity=1, unit_price=350_000, discount=0,
                 amount=350_000, vat_rate=8, vat_amount=25_926),
             Obj(name_vi="Xôi vò Phú Thượng", stars=4, quantity=2, unit_price=45_000, discount=10_000,
                 amount=80_000, vat_rate=8, vat_amount=5_926)]
    return Obj(number="TEST-00000000-0000", created_at=utcnow(), cashier=Obj(full_name="In thử", username="test"),
               lines=lines, subtotal=440_000, discount_total=10_000, total=430_000, vat_total=31_852,
               payments=[Obj(method="cash", amount=430_000, tendered=500_000, change=70_000)],
               lookup_code="TESTPRINT")


@bp.cli.command("print-test")
def print_test_command():
    """Print a sample Vietnamese receipt on PRINTER_URL."""
    from pos.checkout.printing import local_showroom
    from pos.checkout.receipts import render_receipt
    config = current_app.config
    image = render_receipt(sample_sale(), local_showroom(), "https://example.invalid/r/TESTPRINT",
                           config["RECEIPT_WIDTH_MM"], "IN THỬ")
    try:
        data = print_raster(image, config["PRINTER_URL"], timeout=config["PRINTER_TIMEOUT_S"])
    except PrinterError as error:
        raise click.ClickException(error.message)
    click.echo(f"Sample receipt sent to {config['PRINTER_URL']}" + (f" ({len(data)} bytes)" if data else "") + ".")
