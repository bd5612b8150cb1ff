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
    """A made-up sale for a test print, as the same value a real receipt prints (so the sample can never miss what
    the receipt prints); nothing is stored."""
    from pos.checkout.recorded import RecordedLine, RecordedPayment, RecordedSale
    from pos.core.clock import utcnow
    from pos.core.money import vat_inside

    def line(line_no, sku, name_vi, quantity, unit_price, discount):
        amount = quantity * unit_price - discount
        return RecordedLine(
            line_no=line_no,
            product_id=0,
            sku=sku,
            name_vi=name_vi,
            quantity=quantity,
            unit_price=unit_price,
            discount=discount,
            amount=amount,
            vat_rate=8,
            vat_amount=vat_inside(amount, 8),
            stars=4,
            potential_5_star=False,
            unit_cost=None,
            consignment=False,
            gtin="",
            producer="",
            producer_tax_code="",
            ocop_group="food",
            commission=0,
        )

    lines = (
        line(1, "SAMPLE-1", "Chè Sen Quảng An hộp 100g", 1, 350_000, 0),
        line(2, "SAMPLE-2", "Xôi vò Phú Thượng", 2, 45_000, 10_000),
    )
    total = sum(line.amount for line in lines)
    return RecordedSale(
        0,
        "",
        "TEST-00000000-0000",
        "TESTPRINT",
        0,
        "test",
        "In thử",
        utcnow(),
        sum(line.quantity * line.unit_price for line in lines),
        sum(line.discount for line in lines),
        total,
        sum(line.vat_amount for line in lines),
        0,
        lines,
        (RecordedPayment("cash", total, 500_000, 500_000 - total, ""),),
    )


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
