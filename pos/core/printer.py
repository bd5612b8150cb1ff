"""The printer adapter, chosen by PRINTER_URL: tcp://HOST:9100, usb://VID:PID, file:///path, or preview.

PRINTER_PROFILE names the python-escpos profile of the printer (what it can do: its dots per line, whether it
has a cutter); PRINTER_CUT=auto cuts when that profile has a cutter, yes always sends the cut, no never does.
Printing always happens after the business data is committed; a PrinterError is reported to the user and never
undoes anything."""

from urllib.parse import urlsplit

from escpos.capabilities import NotSupported, get_profile
from escpos.constants import PAPER_FULL_CUT
from escpos.printer import Dummy, File, Network, Usb
from flask import current_app, has_app_context
from PIL import Image

from pos.core.errors import DomainError

# Dots per line for common paper widths at 203 dpi, and the profile used when PRINTER_PROFILE is not set.
PAPER_DOTS = {58: 384, 80: 576}
DEFAULT_PROFILES = {58: "POS-5890", 80: "TM-T20II"}
COMMON_PROFILES = ("TM-T20II", "TM-T88V", "POS-5890", "RP-F10-58mm")
CUT_MODES = ("auto", "yes", "no")


class PrinterError(DomainError, code="printer_error", status=503): ...


def _known_profile(name: str):
    try:
        return get_profile(name)
    except (NotSupported, KeyError):  # python-escpos raises KeyError for a name it has never heard of
        raise PrinterError(
            "Unknown printer profile '%(name)s' (PRINTER_PROFILE; common ones: %(known)s).",
            name=name[:40],
            known=", ".join(COMMON_PROFILES),
        ) from None


def _configured_profile() -> str:
    return (current_app.config.get("PRINTER_PROFILE") or "") if has_app_context() else ""


def paper_dots(width_mm: int, profile: str | None = None) -> int:
    """Dots per line to draw for this paper on this printer: 384 (58 mm) or 576 (80 mm) at 203 dpi, fewer on a
    180 dpi printer (a TM-T88V prints 512 on 80 mm paper) and never more than the profile says it can print.
    `profile` None means PRINTER_PROFILE; an unknown profile draws the nominal width (printing then says why)."""
    dots = PAPER_DOTS.get(width_mm, PAPER_DOTS[80])
    name = _configured_profile() if profile is None else profile
    if not name:
        return dots
    try:
        media = _known_profile(name).profile_data.get("media", {})
    except PrinterError:
        return dots
    dpi = media.get("dpi")
    if isinstance(dpi, int) and dpi != 203:
        dots = round(dots * dpi / 203 / 8) * 8
    pixels = media.get("width", {}).get("pixels")
    return min(dots, pixels) if isinstance(pixels, int) else dots


def printer_options(config) -> dict:
    """print_raster's keyword arguments from the app's configuration."""
    return {
        "url": config["PRINTER_URL"],
        "timeout": config["PRINTER_TIMEOUT_S"],
        "profile": config.get("PRINTER_PROFILE") or None,
        "cut_mode": config.get("PRINTER_CUT") or "auto",
    }


def profile_for(image_width: int, profile: str | None) -> str:
    """PRINTER_PROFILE when set (refused when python-escpos does not know it), else the default for the paper."""
    if profile:
        _known_profile(profile)
        return profile
    return DEFAULT_PROFILES[58] if image_width <= PAPER_DOTS[58] else DEFAULT_PROFILES[80]


def cuts(profile: str, cut_mode: str = "auto") -> bool:
    """Whether a document ends with a cut: PRINTER_CUT yes/no, or auto: when the profile has a cutter."""
    if cut_mode not in CUT_MODES:
        raise PrinterError("PRINTER_CUT must be auto, yes or no, not '%(value)s'.", value=str(cut_mode)[:20])
    if cut_mode != "auto":
        return cut_mode == "yes"
    features = _known_profile(profile).profile_data.get("features", {})
    return bool(features.get("paperFullCut") or features.get("paperPartCut"))


def open_printer(url: str, timeout: float = 5.0, profile: str = DEFAULT_PROFILES[80]):
    """An escpos printer for PRINTER_URL; `preview` gives a Dummy that only collects the bytes."""
    parts = urlsplit(url or "preview")
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
    except Exception as error:
        raise PrinterError("Printer %(url)s is not reachable: %(error)s", url=url, error=str(error)) from error
    raise PrinterError("Unknown printer address '%(url)s' (use tcp://, usb://, file:// or preview).", url=url)


def print_raster(
    image: Image.Image,
    url: str,
    *,
    timeout: float = 5.0,
    cut: bool = True,
    open_drawer: bool = False,
    profile: str | None = None,
    cut_mode: str = "auto",
) -> bytes:
    """Send a 1-bit image (already sized to the paper with paper_dots) and, when `cut` and the printer's
    profile or PRINTER_CUT allow it, a cut. Returns the bytes sent to a preview printer.
    Raises PrinterError when the printer is off, out of reach, unknown or refuses the job."""
    profile = profile_for(image.width, profile)
    with_cut = cut and cuts(profile, cut_mode)
    printer = open_printer(url, timeout, profile)
    try:
        printer.hw("INIT")
        printer.image(image.convert("1"), impl="bitImageRaster", center=False)
        if open_drawer:
            printer.cashdraw(2)
        if with_cut and cuts(profile):
            printer.cut()
        elif with_cut:  # PRINTER_CUT=yes on a printer its profile says has no cutter: python-escpos would skip it
            printer.print_and_feed(6)
            printer._raw(PAPER_FULL_CUT)
        data = printer.output if isinstance(printer, Dummy) else b""
        if not isinstance(printer, Dummy):
            printer.close()
        return data
    except PrinterError:
        raise
    except Exception as error:
        raise PrinterError("Printing to %(url)s failed: %(error)s", url=url, error=str(error)) from error
