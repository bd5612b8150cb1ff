"""Drawing labels: one PNG (Pillow) or A4 PDF sheets (reportlab). Both draw the same layout:
the QR code on the left (quiet zone of 4 modules kept), the text on the right.

Expensive things are cached: the fonts, and each URL's QR matrix (a sheet repeats a URL many times)."""

from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode import LUT, util
from qrcode import base as qrbase
from qrcode.constants import ERROR_CORRECT_M

from pos.core.config import BASE_DIR

FONT_DIR = BASE_DIR / "static" / "fonts"
QUIET_ZONE = 4  # modules, as ISO/IEC 18004 asks
MM_PER_INCH = 25.4
A4_MM = (210.0, 297.0)
LABEL_MARGIN_MM = 1.5  # inside each label, from its die-cut edge
SHEET_SAFE_MM = 4.0  # office printers clip up to about 4 mm from the paper's edges: no ink there


@dataclass(frozen=True)
class Preset:
    key: str
    columns: int
    rows: int
    width_mm: float
    height_mm: float
    left_mm: float
    top_mm: float
    gap_x_mm: float = 0.0
    gap_y_mm: float = 0.0

    def corner_mm(self, row: int, column: int) -> tuple[float, float]:
        """The top left corner of the label at (row, column), from the sheet's left and top edges."""
        left = self.left_mm + column * (self.width_mm + self.gap_x_mm)
        top = self.top_mm + row * (self.height_mm + self.gap_y_mm)
        return left, top

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    def insets_mm(self, row: int, column: int) -> tuple[float, float, float, float]:
        """(left, right, top, bottom) space inside the label at (row, column) kept free of ink: the label margin,
        more where the label lies within SHEET_SAFE_MM of the sheet's edge (a 3×8 sheet has no border)."""
        left, top = self.corner_mm(row, column)
        right_gap = A4_MM[0] - left - self.width_mm
        bottom_gap = A4_MM[1] - top - self.height_mm
        return tuple(max(LABEL_MARGIN_MM, SHEET_SAFE_MM - gap) for gap in (left, right_gap, top, bottom_gap))

    @property
    def title(self) -> str:
        return f"{self.columns}×{self.rows} · {self.width_mm:g}×{self.height_mm:g} mm"


PRESETS = {
    "3x8": Preset("3x8", 3, 8, 70, 37, left_mm=0, top_mm=0.5),
    "2x7": Preset("2x7", 2, 7, 99, 38, left_mm=5, top_mm=15.5, gap_x_mm=2),
}
DEFAULT_PRESET = "3x8"


@dataclass(frozen=True)
class LabelContent:
    """What one label shows. `stars` is None when the label is printed without the OCOP mark."""

    url: str
    name: str
    price: str
    gtin: str
    stars: int | None = None
    stars_text: str = ""  # "4 sao OCOP"
    lot_line: str = ""  # "Lô L2406 · HSD 30/06/2027"
    serial_line: str = ""  # "Sê-ri 7KQ2M9XH4T": a serialized unit's own label


SERIAL_MASK = 0  # the mask pattern of a serialized unit's QR code (see qr_matrix)


@lru_cache(maxsize=4096)
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules for a URL, quiet zone included (error correction M).

    A serialized unit's URL (…/21/{serial}) is drawn once, never again from the cache, and a sheet has hundreds:
    its code gets a fixed mask pattern instead of the one of eight with the lowest penalty, which qrcode finds by
    drawing all eight (8× the work). ISO/IEC 18004 leaves the choice to the encoder and every reader reads any mask;
    the label tests decode every serial on a sheet."""
    if "/21/" not in url:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, box_size=1)
        code.add_data(url)
        code.make(fit=True)
        return tuple(tuple(row) for row in code.get_matrix())
    # A receipt's serial URLs differ only in their serial: the same segments (mode and length each), so the same
    # QR version, found once (qrcode's fitting encodes the data twice over).
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, box_size=1, mask_pattern=SERIAL_MASK)
    code.add_data(url)
    segments = tuple((data.mode, len(data.data)) for data in code.data_list)
    version = _SERIAL_VERSIONS.get(segments)
    if version is not None:
        code.version = version
        code.data_cache = codewords(code.data_list, version)
    code.make(fit=version is None)
    _SERIAL_VERSIONS.setdefault(segments, code.version)
    return tuple(tuple(row) for row in code.get_matrix())


_SERIAL_VERSIONS: dict[tuple, int] = {}  # a serial URL's segments (mode, length) → its QR version


def codewords(data_list, version: int, error_correction: int = ERROR_CORRECT_M) -> list[int] | None:
    """qrcode.util.create_data(version, error_correction, data_list): the code's data and error-correction bytes,
    computed with the bit stream as one integer and a table-driven Reed-Solomon division rather than qrcode's
    bit-by-bit buffer and polynomial objects (half a serial's code here). None, so qrcode computes them itself, for
    a mode other than numeric, alphanumeric and byte, or data that does not fit. tests/test_serials.py checks the
    bytes equal qrcode's."""
    bits, length = 0, 0  # the bit stream, as one integer and its length in bits

    def put(value, width):
        nonlocal bits, length
        bits, length = (bits << width) | value, length + width

    for data in data_list:
        put(data.mode, 4)
        put(len(data.data), util.length_in_bits(data.mode, version))
        if data.mode == util.MODE_8BIT_BYTE:
            put(int.from_bytes(data.data, "big"), 8 * len(data.data))
        elif data.mode == util.MODE_ALPHA_NUM:
            for i in range(0, len(data.data), 2):
                pair = data.data[i : i + 2]
                if len(pair) == 2:
                    put(util.ALPHA_NUM.find(pair[0:1]) * 45 + util.ALPHA_NUM.find(pair[1:2]), 11)
                else:
                    put(util.ALPHA_NUM.find(pair), 6)
        elif data.mode == util.MODE_NUMBER:
            for i in range(0, len(data.data), 3):
                chars = data.data[i : i + 3]
                put(int(chars), util.NUMBER_LENGTH[len(chars)])
        else:
            return None
    blocks = qrbase.rs_blocks(version, error_correction)
    limit = sum(block.data_count for block in blocks) * 8
    if length > limit:
        return None
    pad = min(limit - length, 4)  # the terminator, then zeros to a whole byte, then the pad bytes
    bits, length = bits << pad, length + pad
    bits, length = bits << (-length % 8), length + (-length % 8)
    stream = list(bits.to_bytes(length // 8, "big"))
    stream += [util.PAD0 if i % 2 == 0 else util.PAD1 for i in range(limit // 8 - len(stream))]
    data_blocks, ec_blocks, offset = [], [], 0
    for block in blocks:
        data = stream[offset : offset + block.data_count]
        offset += block.data_count
        data_blocks.append(data)
        ec_blocks.append(_reed_solomon(data, block.total_count - block.data_count))
    out = []
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            out.extend(b[i] for b in group if i < len(b))
    return out


def _reed_solomon(data: list[int], ec_count: int) -> list[int]:
    """A block's error-correction bytes: the remainder of data·x^ec_count by the generator polynomial, in GF(256)."""
    generator = [qrbase.LOG_TABLE[c] for c in LUT.rsPoly_LUT[ec_count][1:]]  # logs of its coefficients but the first
    exp = qrbase.EXP_TABLE
    remainder = [0] * ec_count
    for byte in data:
        factor = byte ^ remainder[0]
        remainder = [*remainder[1:], 0]
        if factor:
            log = qrbase.LOG_TABLE[factor]
            for i, g in enumerate(generator):
                remainder[i] ^= exp[(g + log) % 255]
    return remainder


@lru_cache(maxsize=4096)
def qr_image(url: str) -> Image.Image:
    """One pixel per module (1 = white): scaled up with NEAREST it stays crisp."""
    matrix = qr_matrix(url)
    size = len(matrix)
    data = bytes(0 if dark else 255 for row in matrix for dark in row)
    return Image.frombytes("L", (size, size), data)


@lru_cache(maxsize=64)
def pil_font(size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size_px)


def wrap(text: str, fits, max_lines: int) -> list[str]:
    """Greedy word wrap; the last line is shortened with … if the text does not fit."""
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if fits(candidate) or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += "…"
    for i, text_line in enumerate(lines):
        while not fits(text_line) and len(text_line) > 1:
            text_line = text_line[:-2] + "…"
        lines[i] = text_line
    return lines


def text_lines(content: LabelContent) -> list[tuple[str, str, float]]:
    """(kind, text, relative size) from top to bottom; the name is wrapped by the caller."""
    lines = []
    if content.stars:
        lines.append(("stars", "★" * content.stars + "☆" * (5 - content.stars), 1.35))
        lines.append(("bold", content.stars_text, 0.9))
    lines.append(("price", content.price, 1.25))
    lines.append(("small", content.gtin, 0.8))
    if content.lot_line:
        lines.append(("small", content.lot_line, 0.8))
    if content.serial_line:
        lines.append(("bold", content.serial_line, 0.8))
    return lines


# --- PNG ------------------------------------------------------------------------------------------


def render_png_image(
    content: LabelContent, width_mm: float = 70, height_mm: float = 37, dpi: float = 300
) -> Image.Image:
    """The label as a greyscale image, `dpi` dots per inch."""
    px = dpi / MM_PER_INCH
    width, height = round(width_mm * px), round(height_mm * px)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    margin = round(1.5 * px)
    qr = qr_image(content.url)
    modules = qr.size[0]
    scale = max(1, (height - 2 * margin) // modules)
    qr_size = scale * modules
    image.paste(qr.resize((qr_size, qr_size), Image.NEAREST), (margin, (height - qr_size) // 2))
    x = margin + qr_size + round(1 * px)
    text_width = width - x - margin
    base = max(10, round(height / 12))
    name_font = pil_font(round(base * 1.05), True)
    lines = text_lines(content)
    name_lines = wrap(
        content.name, lambda t: draw.textlength(t, font=name_font) <= text_width, 3 if len(lines) <= 3 else 2
    )
    y = margin
    for line in name_lines:
        draw.text((x, y), line, font=name_font, fill=0)
        y += round(base * 1.25)
    y += round(base * 0.25)
    for kind, text, rel in lines:
        size = round(base * rel)
        font = pil_font(size, kind in ("bold", "price"))
        while draw.textlength(text, font=font) > text_width and size > 8:
            size -= 1
            font = pil_font(size, kind in ("bold", "price"))
        for part in wrap(text, lambda t, f=font: draw.textlength(t, font=f) <= text_width, 2):
            draw.text((x, y), part, font=font, fill=0)
            y += round(size * 1.2)
    return image


def render_png(content: LabelContent, **kwargs) -> bytes:
    """1-bit PNG: label and thermal printers print black or nothing, and it encodes faster (docs/benchmarks.md)."""
    buffer = BytesIO()
    image = render_png_image(content, **kwargs).convert("1", dither=Image.Dither.NONE)
    image.save(buffer, "PNG", compress_level=1, dpi=(kwargs.get("dpi", 300),) * 2)
    return buffer.getvalue()


# --- PDF ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def pdf_fonts() -> tuple[str, str]:
    from reportlab import rl_config
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    # Page streams compressed, not also ASCII85-encoded (reportlab's default, in pure Python): a sheet of distinct
    # QR codes (serialized labels) compresses little, and encoding it took longer than drawing it. PDF readers take
    # binary streams; the files are 20 % smaller.
    rl_config.useA85 = 0

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    return "DejaVuSans", "DejaVuSans-Bold"


def _qr_runs(url: str) -> list[tuple[int, int, int]]:
    """Dark modules as horizontal runs (row, start, length): far fewer rectangles to draw."""
    return _qr_runs_cached(url)


@lru_cache(maxsize=4096)
def _qr_runs_cached(url: str):
    runs = []
    for y, row in enumerate(qr_matrix(url)):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return runs


def draw_pdf_label(
    canvas,
    content: LabelContent,
    x: float,
    y: float,
    width: float,
    height: float,
    insets_mm: tuple[float, float, float, float] = (LABEL_MARGIN_MM,) * 4,
) -> None:
    """One label with its bottom-left corner at (x, y), in points, nothing drawn within `insets_mm`
    (left, right, top, bottom) of its edges."""
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    regular, bold = pdf_fonts()
    left, right, top, bottom = (inset * mm for inset in insets_mm)
    modules = len(qr_matrix(content.url))
    qr_size = height - top - bottom
    module = qr_size / modules
    qr_x, qr_top = x + left, y + height - top
    path = canvas.beginPath()
    for row, start, length in _qr_runs(content.url):
        # a hair of overlap so no white seams appear between rows in viewers
        path.rect(qr_x + start * module, qr_top - (row + 1) * module, length * module, module * 1.02)
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)
    text_x = qr_x + qr_size + 1 * mm
    text_width = x + width - right - text_x
    base = height / 12
    lines = text_lines(content)
    name_size = base * 1.05
    name_lines = wrap(
        content.name, lambda t: stringWidth(t, bold, name_size) <= text_width, 3 if len(lines) <= 3 else 2
    )
    cursor = y + height - top
    for line in name_lines:
        cursor -= name_size
        canvas.setFont(bold, name_size)
        canvas.drawString(text_x, cursor, line)
        cursor -= base * 0.25
    cursor -= base * 0.25
    for kind, text, rel in lines:
        font = bold if kind in ("bold", "price") else regular
        size = base * rel
        while stringWidth(text, font, size) > text_width and size > 5:
            size -= 0.5
        canvas.setFont(font, size)
        # still too wide at the smallest size (a long lot code): on two lines, never over the label's edge
        for part in wrap(text, lambda t, f=font, z=size: stringWidth(t, f, z) <= text_width, 2):
            cursor -= size
            canvas.drawString(text_x, cursor, part)
            cursor -= size * 0.2


def render_sheet_pdf(labels: list[LabelContent], preset: Preset, start: int = 1, title: str = "") -> bytes:
    """A4 pages of `preset`, the first label at cell `start` (1-based, row by row)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(title or "OCOP labels")
    _page_width, page_height = A4
    cell = start - 1
    for content in labels:
        if cell == preset.per_page:
            canvas.showPage()
            cell = 0
        row, column = divmod(cell, preset.columns)
        left_mm, top_mm = preset.corner_mm(row, column)
        x = left_mm * mm
        top = page_height - top_mm * mm
        draw_pdf_label(
            canvas,
            content,
            x,
            top - preset.height_mm * mm,
            preset.width_mm * mm,
            preset.height_mm * mm,
            preset.insets_mm(row, column),
        )
        cell += 1
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
