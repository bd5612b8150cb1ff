"""Receipts drawn as a 1-bit raster with a font that covers Vietnamese, so every ESC/POS printer prints the
diacritics right. Sized to the paper: 384 dots for 58 mm, 576 for 80 mm."""

from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from pos.checkout.recorded import RecordedSale
from pos.core.config import BASE_DIR
from pos.core.formatting import format_local, format_vnd
from pos.core.printer import paper_dots
from pos.models import Showroom

FONT_DIR = Path(BASE_DIR) / "static" / "fonts"
METHOD_NAMES = {"cash": "Tiền mặt", "card": "Thẻ", "vietqr": "Chuyển khoản VietQR"}


def _money(amount: int) -> str:
    """Receipts are in Vietnamese whatever the page's language: 1.234.567 ₫, with a plain space before the sign."""
    return format_vnd(amount, "vi").replace("\u00a0", " ")


def _signed(amount: int) -> str:
    """A correction with its sign: +500 ₫ or -250 ₫."""
    return ("+" if amount > 0 else "") + _money(amount)


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


class _Canvas:
    def __init__(self, width: int):
        self.width, self.margin = width, 8
        self.size = 22 if width >= 576 else 17
        self.image = Image.new("1", (width, 4000), 1)
        self.draw = ImageDraw.Draw(self.image)
        self.y = 6

    def text(self, text: str, *, bold=False, align="left", size=None):
        font = _font(size or self.size, bold)
        for line in self._wrap(text, font):
            w = self.draw.textlength(line, font=font)
            x = {"left": self.margin, "center": (self.width - w) / 2, "right": self.width - self.margin - w}[align]
            self.draw.text((x, self.y), line, font=font, fill=0)
            self.y += int(font.size * 1.3)

    def pair(self, left: str, right: str, *, bold=False):
        font = _font(self.size, bold)
        right_w = self.draw.textlength(right, font=font)
        lines = self._wrap(left, font, self.width - 2 * self.margin - right_w - 10)
        for i, line in enumerate(lines):
            self.draw.text((self.margin, self.y), line, font=font, fill=0)
            if i == len(lines) - 1:
                self.draw.text((self.width - self.margin - right_w, self.y), right, font=font, fill=0)
            self.y += int(font.size * 1.3)

    def rule(self):
        self.y += 4
        self.draw.line((self.margin, self.y, self.width - self.margin, self.y), fill=0, width=2)
        self.y += 8

    def qr(self, data: str):
        qr = qrcode.QRCode(
            error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4 if self.width >= 576 else 3, border=4
        )
        qr.add_data(data)
        img = qr.make_image().get_image().convert("1")
        self.image.paste(img, ((self.width - img.width) // 2, self.y))
        self.y += img.height + 4

    def _wrap(self, text: str, font, width: int | None = None) -> list[str]:
        width = width or self.width - 2 * self.margin
        lines, current = [], ""
        for word in str(text).split():
            candidate = f"{current} {word}".strip()
            if self.draw.textlength(candidate, font=font) <= width or not current:
                current = candidate
            else:
                lines.append(current)
                current = word
        return [*lines, current] if current else lines or [""]

    def finish(self) -> Image.Image:
        return self.image.crop((0, 0, self.width, self.y + 16))


def _heading(c: _Canvas, showroom, title: str, copy_note: str = "", *, with_address: bool = True, seller=None) -> None:
    """The seller (name, address, tax code) and the document's title, as every customer slip starts. With an
    e-invoice, the seller is the one it was issued by, as registered."""
    if seller is not None:
        c.text(seller.seller_name, bold=True, align="center", size=c.size + 2)
        c.text(seller.seller_address, align="center")
        c.text(f"MST: {seller.seller_tax_code}", align="center")
    else:
        c.text(showroom.name, bold=True, align="center", size=c.size + 2)
        if with_address:
            c.text(showroom.full_address, align="center")
        c.text(f"MST: {showroom.tax_code}", align="center")
    c.rule()
    c.text(title, bold=True, align="center", size=c.size + 2)
    if copy_note:
        c.text(copy_note, align="center")


def _signature(c: _Canvas, caption: str) -> None:
    """A caption and blank paper to sign on."""
    c.text(caption, align="center")
    c.y += 60


INVOICE_TITLES = {"1": "HÓA ĐƠN GIÁ TRỊ GIA TĂNG", "2": "HÓA ĐƠN BÁN HÀNG"}  # by KHMSHDon
BUYER_LINES = (
    ("buyer_name", "Người mua:"),
    ("buyer_tax_code", "MST người mua:"),
    ("buyer_address", "Địa chỉ:"),
    ("buyer_phone", "Điện thoại:"),
    ("buyer_id_number", "CCCD/Hộ chiếu:"),
)


def _invoice_block(c: _Canvas, invoice) -> None:
    """The e-invoice's number and tax-authority code, and the buyer when they asked to be on it."""
    symbol, number = invoice.code_parts
    c.pair("Ký hiệu:", symbol)
    c.pair("Số hóa đơn:", number)
    c.pair("Mã CQT:", invoice.authority_code)
    for field, caption in BUYER_LINES:
        if value := getattr(invoice, field):
            c.pair(caption, value)


def render_receipt(
    sale: RecordedSale, showroom: Showroom, receipt_url: str, width_mm: int = 80, copy_note: str = "", einvoice=None
) -> Image.Image:
    """The receipt as a 1-bit image, exactly what the printer will print. With the sale's e-invoice it is the
    invoice's copy for the buyer (its number, tax-authority code, buyer and amount in words); without one it is
    a sales slip and claims no invoice."""
    c = _Canvas(paper_dots(width_mm))
    if einvoice is not None:
        _heading(c, showroom, INVOICE_TITLES[einvoice.form], copy_note, seller=einvoice)
        c.text("(Khởi tạo từ máy tính tiền)", align="center")
        _invoice_block(c, einvoice)
    else:
        _heading(c, showroom, "PHIẾU BÁN HÀNG", copy_note)
    c.pair("Số:", sale.number)
    c.pair("Ngày:", format_local(sale.created_at, "%d/%m/%Y %H:%M"))
    c.pair("Thu ngân:", sale.cashier_name)
    c.rule()
    for line in sale.lines:
        stars = f" {'★' * line.stars}" if line.stars else ""
        c.text(f"{line.name_vi}{stars}", bold=True)
        c.pair(f"  {line.quantity} × {_money(line.unit_price)}", _money(line.quantity * line.unit_price))
        if line.serial:
            c.text(f"  Sê-ri {line.serial}")
        if line.discount:
            c.pair("  Giảm giá", "-" + _money(line.discount))
    c.rule()
    if sale.discount_total:
        c.pair("Tổng tiền hàng", _money(sale.subtotal))
        c.pair("Chiết khấu", "-" + _money(sale.discount_total))
    c.pair("TỔNG CỘNG", _money(sale.total), bold=True)
    for rate, amount, vat in sale.vat_by_rate:
        c.pair(f"  Thuế GTGT {rate}% (trên {_money(amount)})", _money(vat))
    if sale.cash_rounding:  # the goods carry the VAT; the rounding is only what cash could pay
        c.pair("Làm tròn tiền mặt", _signed(sale.cash_rounding))
        c.pair("KHÁCH TRẢ", _money(sale.paid), bold=True)
    c.rule()
    for payment in sale.payments:
        reference = f" {payment.reference[:16]}" if payment.method == "card" and payment.reference else ""
        c.pair(METHOD_NAMES[payment.method] + reference, _money(payment.tendered or payment.amount))
        if payment.change:
            c.pair("Tiền thừa trả khách", _money(payment.change))
    if einvoice is not None:
        c.text(f"Bằng chữ: {einvoice.amount_in_words}")
    c.rule()
    # Without an e-invoice no symbol and no "invoice": a slip must not pass itself off as one.
    c.text(f"Mã tra cứu: {sale.lookup_code}", align="center")
    c.text("Tra cứu hóa đơn điện tử:" if einvoice is not None else "Xem lại phiếu:", align="center")
    c.qr(receipt_url)
    c.text("Cảm ơn quý khách! Sản phẩm OCOP Việt Nam", align="center")
    return c.finish()


def render_z_report(shift, showroom, width_mm: int = 80) -> Image.Image:
    """A closed shift's Z report on receipt paper, to keep with the counted cash."""
    c = _Canvas(paper_dots(width_mm))
    report = shift.z_report
    c.text(showroom.name, bold=True, align="center", size=c.size + 2)
    c.text(f"BÁO CÁO Z (CHỐT CA) #{shift.id}", bold=True, align="center", size=c.size + 2)
    c.pair("Mở ca:", format_local(shift.opened_at, "%d/%m/%Y %H:%M"))
    c.pair("Đóng ca:", format_local(shift.closed_at, "%d/%m/%Y %H:%M"))
    if shift.closed_by:
        c.pair("Người đóng ca:", shift.closed_by.full_name or shift.closed_by.username)
    c.rule()
    c.pair(f"Đơn bán ({report['sales_count']})", _money(report["sales_total"]))
    if report.get("cash_rounding"):
        c.pair("Làm tròn tiền mặt", _signed(report["cash_rounding"]))
    for method, amount in report["by_method"].items():
        c.pair(f"  {METHOD_NAMES.get(method, method)}", _money(amount))
    c.pair("Hoàn tiền", _money(report["refunds_total"]))
    c.pair("Tiền đầu ca", _money(report["opening_float"]))
    c.pair("Thu/chi tiền mặt", _money(report["cash_movements"]))
    c.rule()
    c.pair("Tiền mặt theo sổ", _money(report["expected_cash"]), bold=True)
    for note, count in sorted((shift.denominations or {}).items(), key=lambda item: -int(item[0])):
        c.pair(f"  {_money(int(note))} × {count}", _money(int(note) * count))
    c.pair("Tiền mặt đếm được", _money(report["counted_cash"]), bold=True)
    c.pair("Chênh lệch", _money(report["difference"]), bold=True)
    c.rule()
    _signature(c, "Chữ ký thu ngân / quản lý")
    return c.finish()


def render_return_slip(sale_return, showroom, width_mm: int = 80, copy_note: str = "", einvoice=None) -> Image.Image:
    """The refund slip: for the buyer, and a copy for the drawer beside the cash that went out. With the
    adjustment e-invoice the return issued, its number and tax-authority code."""
    c = _Canvas(paper_dots(width_mm))
    _heading(c, showroom, "PHIẾU TRẢ HÀNG", copy_note, with_address=False)
    c.pair("Số:", sale_return.number)
    c.pair("Đơn bán gốc:", sale_return.sale.number)
    if einvoice is not None:
        c.text("Hóa đơn điều chỉnh giảm", bold=True)
        _invoice_block(c, einvoice)
        related_symbol, related_number = einvoice.related.code_parts
        c.pair("Điều chỉnh cho HĐ:", f"{related_symbol} {related_number}")
    c.pair("Ngày:", format_local(sale_return.created_at, "%d/%m/%Y %H:%M"))
    c.pair("Quản lý duyệt:", sale_return.approved_by)
    c.rule()
    for line in sale_return.lines:
        c.text(line.sale_line.name_vi, bold=True)
        c.pair(f"{line.quantity} × {_money(line.sale_line.unit_price)}", _money(line.amount))
    c.rule()
    c.pair("HOÀN TIỀN", _money(sale_return.total), bold=True)
    c.pair("Trong đó thuế GTGT", _money(sale_return.vat_total))
    if sale_return.cash_rounding:
        c.pair("Làm tròn tiền mặt", _signed(sale_return.cash_rounding))
        c.pair("TRẢ KHÁCH", _money(sale_return.refunded), bold=True)
    c.pair("Hình thức:", METHOD_NAMES[sale_return.refund_method])
    c.text(f"Lý do: {sale_return.reason}")
    c.rule()
    _signature(c, "Chữ ký khách hàng")
    return c.finish()
