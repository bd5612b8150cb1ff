"""The printer adapter, chosen by PRINTER_URL: tcp://HOST:9100, usb://VID:PID, file:///path, or preview.

Printing always happens after the business data is committed; a PrinterError is reported to the
user and never undoes anything."""
from urllib.parse import urlsplit

from escpos.printer import Dummy, File, Network, Usb
from PIL import Image

from pos.errors import DomainError

# Dots per line for common paper widths, and a python-escpos profile of that width (it refuses wider images).
PAPER_DOTS = {58: 384, 80: 576}
PAPER_PROFILES = {58: "POS-5890", 80: "TM-T20II"}


class PrinterError(DomainError):
    code = "printer_error"
    status = 503


def open_printer(url: str, timeout: float = 5.0, paper_mm: int = 80):
    """An escpos printer for PRINTER_URL; `preview` gives a Dummy that only collects the bytes."""
    parts = urlsplit(url or "preview")
    profile = PAPER_PROFILES.get(paper_mm, PAPER_PROFILES[80])
    try:
        if parts.scheme in ("", "preview") or url == "preview":
            return Dummy(profile=profile)
        if parts.scheme == "tcp":
            return Network(parts.hostname, port=parts.port or 9100, timeout=timeout, profile=profile)
        if parts.scheme == "usb":
            vendor, product = (int(x, 16) for x in parts.netloc.split(":"))
            return Usb(vendor, product, timeout=int(timeout * 1000), profile=profile)
        if parts.scheme == "file":
            return File(parts.path, profile=profile)
    except Exception as error:  # noqa: BLE001 - a printer can fail in many library-specific ways
        raise PrinterError("Printer %(url)s is not reachable: %(error)s", url=url, error=str(error)) from error
    raise PrinterError("Unknown printer address '%(url)s' (use tcp://, usb://, file:// or preview).", url=url)


def print_raster(image: Image.Image, url: str, *, timeout: float = 5.0, cut: bool = True,
                 open_drawer: bool = False) -> bytes:
    """Send a 1-bit image (already sized to the paper) and a cut. Returns the bytes sent.
    Raises PrinterError when the printer is off, out of reach or refuses the job."""
    paper_mm = 58 if image.width <= PAPER_DOTS[58] else 80
    printer = open_printer(url, timeout, paper_mm)
    try:
        printer.hw("INIT")
        printer.image(image.convert("1"), impl="bitImageRaster", center=False)
        if open_drawer:
            printer.cashdraw(2)
        if cut:
            printer.cut()
        data = printer.output if isinstance(printer, Dummy) else b""
        if not isinstance(printer, Dummy):
            printer.close()
        return data
    except PrinterError:
        raise
    except Exception as error:  # noqa: BLE001
        raise PrinterError("Printing to %(url)s failed: %(error)s", url=url, error=str(error)) from error
