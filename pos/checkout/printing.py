"""Printing a sale's receipt after it is committed; a failure is recorded and offered for reprint."""

from io import BytesIO

from flask import current_app
from sqlalchemy import select

from pos.checkout.receipts import render_receipt, render_return_slip, render_z_report
from pos.checkout.recorded import RecordedSale, receipt_url
from pos.core.database import atomic
from pos.core.extensions import db
from pos.core.printer import PrinterError, print_raster, printer_options
from pos.einvoice.service import invoice_of_return, invoice_of_sale
from pos.models import PrintJob, SaleReturn, Shift, Showroom

REPRINT_NOTE = "BẢN IN LẠI"  # printed under the title of a copy


def local_showroom() -> Showroom:
    code = current_app.config["SHOWROOM_CODE"]
    return db.session.scalar(select(Showroom).where(Showroom.code == code)) or Showroom(code=code, name=code)


def receipt_image(sale: RecordedSale, copy_note: str = ""):
    return render_receipt(
        sale,
        local_showroom(),
        receipt_url(sale),
        current_app.config["RECEIPT_WIDTH_MM"],
        copy_note,
        einvoice=invoice_of_sale(sale.id),
    )


def receipt_png(sale: RecordedSale) -> bytes:
    buffer = BytesIO()
    receipt_image(sale).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _to_printer(image, *, open_drawer: bool = False) -> None:
    """Send a rendered slip to PRINTER_URL; raises PrinterError when it does not print."""
    print_raster(image, **printer_options(current_app.config), open_drawer=open_drawer)


def print_receipt(sale: RecordedSale, *, reprint: bool = False) -> PrintJob:
    """Send the receipt to PRINTER_URL. Never raises for a printer fault: the job says what happened."""
    try:
        _to_printer(
            receipt_image(sale, REPRINT_NOTE if reprint else ""),
            open_drawer=not reprint and any(p.method == "cash" for p in sale.payments),
        )
        status, error = "printed", ""
    except PrinterError as failure:
        status, error = "failed", failure.message[:500]
    with atomic():
        job = PrintJob(sale_id=sale.id, printer=current_app.config["PRINTER_URL"], status=status, error=error)
        db.session.add(job)
    return job


def print_z_report(shift: Shift) -> None:
    """Send a closed shift's Z report to PRINTER_URL; a PrinterError says what went wrong (nothing to undo)."""
    _to_printer(render_z_report(shift, local_showroom(), current_app.config["RECEIPT_WIDTH_MM"]))


def print_return_slip(sale_return: SaleReturn, *, reprint: bool = False) -> None:
    """Send the refund slip, opening the drawer for a cash refund the first time. The return is already
    committed: a PrinterError only says the slip did not print."""
    _to_printer(
        render_return_slip(
            sale_return,
            local_showroom(),
            current_app.config["RECEIPT_WIDTH_MM"],
            REPRINT_NOTE if reprint else "",
            einvoice=invoice_of_return(sale_return.id),
        ),
        open_drawer=not reprint and sale_return.refund_method == "cash",
    )
