import click
from flask import current_app

from pos.checkout import bp
from pos.checkout.vietqr import vietqr_payload
from pos.core.errors import DomainError
from pos.core.printer import CUT_MODES, PrinterError, cuts, print_raster, printer_options, profile_for


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
        raise click.ClickException(error.message) from None


def sample_sale():
    """A made-up sale for a test print, built from the same models a real receipt reads (so the sample can never
    miss what the receipt prints); it is never added to the session, so nothing is stored."""
    from pos.core.clock import utcnow
    from pos.core.money import vat_inside
    from pos.models import Payment, Sale, SaleLine, User

    lines = [
        SaleLine(
            line_no=1,
            sku="SAMPLE-1",
            name_vi="Chè Sen Quảng An hộp 100g",
            stars=4,
            quantity=1,
            unit_price=350_000,
            discount=0,
            amount=350_000,
            vat_rate=8,
        ),
        SaleLine(
            line_no=2,
            sku="SAMPLE-2",
            name_vi="Xôi vò Phú Thượng",
            stars=4,
            quantity=2,
            unit_price=45_000,
            discount=10_000,
            amount=80_000,
            vat_rate=8,
        ),
    ]
    for line in lines:
        line.vat_amount = vat_inside(line.amount, line.vat_rate)
    total = sum(line.amount for line in lines)
    sale = Sale(
        number="TEST-00000000-0000",
        lookup_code="TESTPRINT",
        created_at=utcnow(),
        cashier=User(username="test", full_name="In thử"),
        lines=lines,
        subtotal=sum(line.quantity * line.unit_price for line in lines),
        discount_total=sum(line.discount for line in lines),
        total=total,
        payments=[Payment(method="cash", amount=total, tendered=500_000, change=500_000 - total, reference="")],
    )
    sale.vat_total = sum(vat for _rate, _amount, vat in sale.vat_by_rate)
    return sale


@bp.cli.command("print-test")
@click.option("--width", type=click.Choice(["58", "80"]), help="Paper width in mm (default RECEIPT_WIDTH_MM).")
@click.option("--printer", "url", help="Printer address (default PRINTER_URL), e.g. tcp://192.168.1.50:9100.")
@click.option("--profile", help="python-escpos printer profile (default PRINTER_PROFILE), e.g. TM-T20II.")
@click.option("--cut", type=click.Choice(CUT_MODES), help="auto, yes or no (default PRINTER_CUT).")
def print_test_command(width, url, profile, cut):
    """Print a sample Vietnamese receipt on PRINTER_URL (the options try other settings for this one print)."""
    from pos.checkout.printing import local_showroom
    from pos.checkout.receipts import render_receipt

    config = current_app.config
    # this command's process prints once: its options stand in for the environment's settings
    config.update(
        {
            key: value
            for key, value in (
                ("RECEIPT_WIDTH_MM", width and int(width)),
                ("PRINTER_URL", url),
                ("PRINTER_PROFILE", profile),
                ("PRINTER_CUT", cut),
            )
            if value
        }
    )
    options = printer_options(config)
    try:
        image = render_receipt(
            sample_sale(), local_showroom(), "https://example.invalid/r/TESTPRINT", config["RECEIPT_WIDTH_MM"], "IN THỬ"
        )
        data = print_raster(image, **options)
        profile_name = profile_for(image.width, options["profile"])
        cut_note = "with a cut" if cuts(profile_name, options["cut_mode"]) else "no cut"
    except PrinterError as error:
        raise click.ClickException(error.message) from None
    click.echo(
        f"Sample receipt ({config['RECEIPT_WIDTH_MM']} mm, {image.width} dots, profile {profile_name}, "
        f"{cut_note}) sent to {options['url']}" + (f" ({len(data)} bytes)" if data else "") + "."
    )
