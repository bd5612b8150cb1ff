"""The cash-register invoice as XML (`HDon`, the tax authority's format, `PBan` 2.0.1 or 2.1.0), built from a plain
value, and its check against the strict schemas in pos/einvoice/schema/ (SOURCES.md there says where each rule
comes from).

The builder takes what the invoice says (numbers already worked out by the invoice's own rules) and only writes it:
element order, formats (dates YYYY-MM-DD, amounts in whole đồng, decimals without exponent), empty optional tags
left out. `validate` is what tests and the sender use: the schema, then the cross-field rules XSD 1.0 cannot say."""

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path

from lxml import etree

SCHEMA_DIR = Path(__file__).with_name("schema")
VERSIONS = ("2.0.1", "2.1.0")
RATES = ("0%", "5%", "8%", "10%", "KCT", "KKKNT")
GOODS, PROMOTION, DISCOUNT, NOTE = 1, 2, 3, 4  # HHDVu.TChat
VAT_INVOICE, SALES_INVOICE = 1, 2  # KHMSHDon


@dataclass(frozen=True)
class Party:
    """The seller (name, tax code and address required) or the buyer (only what the buyer asked to have)."""

    name: str = ""  # Ten: a company's or a person's name
    tax_code: str = ""  # MST
    address: str = ""  # DChi
    phone: str = ""  # SDThoai
    id_number: str = ""  # CCCDan (buyer only)
    person: str = ""  # HVTNMHang: the person buying for a company (buyer only)


@dataclass(frozen=True)
class Line:
    no: int  # STT
    name: str  # THHDVu
    kind: int = GOODS  # TChat
    code: str = ""  # MHHDVu (the SKU)
    unit: str = ""  # DVTinh
    quantity: Decimal | int | None = None  # SLuong
    unit_price: Decimal | int | None = None  # DGia: before VAT on a VAT invoice
    discount_percent: Decimal | None = None  # TLCKhau
    discount: int | None = None  # STCKhau
    amount: int | None = None  # ThTien: before VAT on a VAT invoice
    vat_rate: str = ""  # TSuat: one of RATES (VAT invoice only)


@dataclass(frozen=True)
class RateSum:
    rate: str  # TSuat
    amount: int  # ThTien, before VAT
    vat: int  # TThue


@dataclass(frozen=True)
class Related:
    """TTHDLQuan: the invoice this one replaces (1) or adjusts (2)."""

    nature: int  # TCHDon: 1 replaces, 2 adjusts
    form: int
    symbol: str
    number: int
    issued_on: date
    kind: int = 1  # LHDCLQuan: 1 = an invoice under this regime


@dataclass(frozen=True)
class InvoiceDoc:
    form: int  # KHMSHDon: 1 VAT invoice, 2 sales invoice
    symbol: str  # KHHDon, e.g. C26MTH
    number: int  # SHDon
    issued_on: date  # NLap, the local (GMT+7) day
    tax_code: str  # MCCQT, M1-26-A1B2C-00000001968
    seller: Party
    lines: tuple[Line, ...]
    total: int  # TgTTTBSo
    total_words: str  # TgTTTBChu
    buyer: Party | None = None
    rate_sums: tuple[RateSum, ...] = ()  # THTTLTSuat (VAT invoice)
    total_before_vat: int | None = None  # TgTCThue (VAT invoice)
    total_vat: int | None = None  # TgTThue (VAT invoice)
    trade_discount: int | None = None  # TTCKTMai
    version: str = "2.0.1"  # PBan
    title: str = ""  # THDon
    qr_data: str = ""  # DLQRCode: the buyer's look-up link
    related: Related | None = None
    extra: tuple[tuple[str, str, str], ...] = field(default=())  # DLHDon/TTKhac: (TTruong, KDLieu, DLieu)


def number_text(value) -> str:
    """A number as the format wants it: plain digits, '.' and at most 6 decimals, no exponent, no trailing zeros."""
    if isinstance(value, int):
        return str(value)
    return format(Decimal(value).quantize(Decimal("0.000001")).normalize(), "f")


def _escaped(value) -> str:
    if type(value) is str:
        if "&" in value or "<" in value or ">" in value:  # rare: most texts are written as they are
            return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return value
    if type(value) is int:
        return str(value)
    return number_text(value)


class _Writer:
    """XML text, written in order: the builder runs once per invoice sent, and building an lxml tree then
    writing it out cost three times as much."""

    def __init__(self):
        self.parts: list[str] = []

    def open(self, tag: str) -> None:
        self.parts.append(f"<{tag}>")

    def close(self, tag: str) -> None:
        self.parts.append(f"</{tag}>")

    def add(self, tag: str, value) -> None:
        """A child element, left out when there is nothing to say."""
        if value is None or value == "":
            return
        self.parts.append(f"<{tag}>{_escaped(value)}</{tag}>")


def _party(w: _Writer, tag: str, party: Party, *, buyer: bool) -> None:
    w.open(tag)
    w.add("Ten", party.name.strip())
    w.add("MST", party.tax_code.strip())
    w.add("DChi", party.address.strip())
    w.add("SDThoai", party.phone.strip())
    if buyer:
        w.add("CCCDan", party.id_number.strip())
        w.add("HVTNMHang", party.person.strip())
    w.close(tag)


def build(doc: InvoiceDoc) -> bytes:
    """The invoice as UTF-8 XML text, `HDon` (no declaration: providers wrap it in their own envelope)."""
    if doc.version not in VERSIONS:
        raise ValueError(f"PBan must be one of {', '.join(VERSIONS)}, not {doc.version!r}")
    vat = doc.form == VAT_INVOICE
    w = _Writer()
    w.open("HDon")
    w.open("DLHDon")
    w.open("TTChung")
    w.add("PBan", doc.version)
    w.add("THDon", doc.title)
    w.add("KHMSHDon", str(doc.form))
    w.add("KHHDon", doc.symbol)
    w.add("SHDon", doc.number)
    w.add("NLap", doc.issued_on.isoformat())
    if doc.related:
        w.open("TTHDLQuan")
        w.add("TCHDon", str(doc.related.nature))
        w.add("LHDCLQuan", str(doc.related.kind))
        w.add("KHMSHDCLQuan", str(doc.related.form))
        w.add("KHHDCLQuan", doc.related.symbol)
        w.add("SHDCLQuan", doc.related.number)
        w.add("NLHDCLQuan", doc.related.issued_on.isoformat())
        w.close("TTHDLQuan")
    w.close("TTChung")
    w.open("NDHDon")
    _party(w, "NBan", doc.seller, buyer=False)
    if doc.buyer and any(vars(doc.buyer).values()):
        _party(w, "NMua", doc.buyer, buyer=True)
    w.open("DSHHDVu")
    for line in doc.lines:
        w.open("HHDVu")
        w.add("TChat", str(line.kind))
        w.add("STT", line.no)
        w.add("MHHDVu", line.code)
        w.add("THHDVu", line.name)
        w.add("DVTinh", line.unit)
        w.add("SLuong", line.quantity)
        w.add("DGia", line.unit_price)
        w.add("TLCKhau", line.discount_percent)
        w.add("STCKhau", line.discount)
        w.add("ThTien", line.amount)
        if vat:
            w.add("TSuat", line.vat_rate)
        w.close("HHDVu")
    w.close("DSHHDVu")
    w.open("TToan")
    if vat:
        w.open("THTTLTSuat")
        for rate_sum in doc.rate_sums:
            w.open("LTSuat")
            w.add("TSuat", rate_sum.rate)
            w.add("ThTien", rate_sum.amount)
            w.add("TThue", rate_sum.vat)
            w.close("LTSuat")
        w.close("THTTLTSuat")
        w.add("TgTCThue", doc.total_before_vat)
        w.add("TgTThue", doc.total_vat)
    w.add("TTCKTMai", doc.trade_discount)
    w.add("TgTTTBSo", doc.total)
    w.add("TgTTTBChu", doc.total_words)
    w.close("TToan")
    w.close("NDHDon")
    if doc.extra:
        w.open("TTKhac")
        for name, kind, value in doc.extra:
            w.open("TTin")
            w.add("TTruong", name)
            w.add("KDLieu", kind)
            w.add("DLieu", value)
            w.close("TTin")
        w.close("TTKhac")
    w.close("DLHDon")
    w.add("DLQRCode", doc.qr_data)
    w.add("MCCQT", doc.tax_code)
    w.close("HDon")
    return "".join(w.parts).encode()


# --- checking ----------------------------------------------------------------------------------------


class InvalidInvoice(ValueError):
    """The XML breaks the schema or a cross-field rule; the message says where."""


@cache
def schema(form: int) -> etree.XMLSchema:
    name = "mtt_vat.xsd" if form == VAT_INVOICE else "mtt_sales.xsd"
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / name)))


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse(xml: bytes) -> etree._Element:
    try:
        return etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as error:
        raise InvalidInvoice(f"not well-formed XML: {error}") from None


def validate(xml: bytes | etree._Element) -> etree._Element:
    """Check an `HDon` against its form's schema and the cross-field rules; returns the parsed element, or raises
    InvalidInvoice naming the first problem."""
    root = parse(xml) if isinstance(xml, bytes) else xml
    form_text = root.findtext("DLHDon/TTChung/KHMSHDon")
    form = SALES_INVOICE if form_text == "2" else VAT_INVOICE
    checker = schema(form)
    if not checker.validate(root):
        error = checker.error_log.last_error
        raise InvalidInvoice(f"line {error.line}: {error.message}")
    cross_checks(root, form)
    return root


_WRAPPER = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
  <xs:include schemaLocation="{name}"/>
  <xs:element name="DSHDon"><xs:complexType><xs:sequence>
    <xs:element ref="HDon" maxOccurs="unbounded"/>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>"""


@cache
def batch_schema(form: int) -> etree.XMLSchema:
    """The form's schema around a list of invoices (`DSHDon` of `HDon`), compiled once: a batch is checked in one
    call (bench/einvoice.py measures it, docs/benchmarks.md)."""
    name = "mtt_vat.xsd" if form == VAT_INVOICE else "mtt_sales.xsd"
    text = _WRAPPER.format(name=name).encode()
    return etree.XMLSchema(etree.fromstring(text, base_url=str(SCHEMA_DIR / "batch.xsd")))


def problems(xmls: list[bytes], form: int) -> list[str]:
    """Each invoice of one form checked as `validate` checks it: "" when it passes, else its first problem. The
    whole list is checked at once; only when something fails is each checked alone, to say which."""
    try:
        batch = etree.fromstring(b"<DSHDon>" + b"".join(xmls) + b"</DSHDon>", _PARSER)
        passed = batch_schema(form).validate(batch)
    except etree.XMLSyntaxError:
        passed = False
    if passed:
        found = [""] * len(xmls)
        for root in _cross_offenders(form)(batch):  # rare: only these are looked at one by one
            try:
                cross_checks(root, form)
            except InvalidInvoice as problem:
                found[int(root.xpath("count(preceding-sibling::HDon)"))] = str(problem)
        return found
    found = []
    for xml in xmls:
        try:
            validate(xml)
            found.append("")
        except InvalidInvoice as problem:
            found.append(str(problem))
    return found


@cache
def _cross_offenders(form: int) -> etree.XPath:
    """The invoices of a batch breaking a rule of `cross_checks`, found in one XPath pass (C speed) instead of a
    Python walk over every line."""
    goods = "not(DVTinh) or not(SLuong) or not(DGia) or not(ThTien)" + (" or not(TSuat)" if form == VAT_INVOICE else "")
    items = "DLHDon/NDHDon/DSHHDVu/HHDVu"
    return etree.XPath(
        f"HDon[substring(MCCQT, 2, 1) != '{form}'"
        " or substring(MCCQT, 4, 2) != substring(DLHDon/TTChung/KHHDon, 2, 2)"
        f" or {items}[TChat = '1'][{goods}] or {items}[TChat = '3'][not(ThTien)]]"
    )


def cross_checks(root: etree._Element, form: int) -> None:
    """The rules of SOURCES.md that relate two fields (XSD 1.0 cannot). Runs after the schema, so the elements
    are where the schema puts them."""
    data, code = root[0], root.find("MCCQT").text
    symbol = data[0].find("KHHDon").text
    if code[1] != str(form):
        raise InvalidInvoice(f"MCCQT {code} is of form {code[1]}, the invoice of form {form}")
    if code[3:5] != symbol[1:3]:
        raise InvalidInvoice(f"MCCQT {code} is of year {code[3:5]}, the symbol {symbol} of year {symbol[1:3]}")
    needed = {"DVTinh", "SLuong", "DGia", "ThTien"} | ({"TSuat"} if form == VAT_INVOICE else set())
    for item in data[1].find("DSHHDVu"):
        tags = {child.tag: child.text for child in item}
        if tags["TChat"] == "1":
            missing = needed - tags.keys()
            if missing:
                raise InvalidInvoice(f"line {tags.get('STT', '?')}: goods need {', '.join(sorted(missing))}")
        elif tags["TChat"] == "3" and "ThTien" not in tags:
            raise InvalidInvoice(f"line {tags.get('STT', '?')}: a discount line needs ThTien")


# --- from a stored invoice --------------------------------------------------------------------------

TITLES = {VAT_INVOICE: "Hóa đơn giá trị gia tăng", SALES_INVOICE: "Hóa đơn bán hàng"}
NATURE = {"replacement": 1, "adjustment": 2}  # TTHDLQuan.TCHDon
_SIX = Decimal("0.000001")


def rate_text(percent: int) -> str:
    return f"{percent}%"


@lru_cache(maxsize=4096)
def price_before_vat(price: int, percent: int) -> Decimal:
    """A VAT-included unit price without its VAT, to 6 decimals (DGia on a VAT invoice). Cached: a showroom's
    invoices repeat the same few hundred prices."""
    return (Decimal(price) * 100 / (100 + percent)).quantize(_SIX)


def document(invoice, qr_data: str = "") -> InvoiceDoc:
    """A stored invoice (pos.models.Einvoice) as the plain value the builder takes. Its `content` holds the lines
    and per-rate sums as issued, VAT included unless `_before_vat` (see the model's docstring): a VAT invoice
    (form 1) shows amounts before VAT with the rate, a sales invoice (form 2) the amounts paid."""
    from pos.core.clock import LOCAL_TZ

    form = int(invoice.form)
    vat = form == VAT_INVOICE
    content = json.loads(invoice.content)
    lines = []
    for line in content["lines"]:
        rate = int(line["vat_rate"])
        goods = int(line["kind"]) == GOODS
        price = line.get("unit_price")
        lines.append(
            Line(
                no=int(line["no"]),
                name=line["name"],
                kind=int(line["kind"]),
                code=line.get("sku") or "",
                unit=(line.get("unit") or "") if goods else "",
                quantity=line.get("quantity") if goods else None,
                unit_price=(price_before_vat(price, rate) if vat else price) if goods and price is not None else None,
                amount=int(line["amount_before_vat"] if vat else line["amount"]),
                vat_rate=rate_text(rate) if vat else "",
            )
        )
    related = None
    if invoice.related_id is not None:
        # the sender's rows carry the related invoice's fields (related_form, …); a model instance its `related`
        original = invoice.related if hasattr(invoice, "related") else None
        related = Related(
            nature=NATURE.get(invoice.kind, 2),
            form=int(original.form if original else invoice.related_form),
            symbol=original.symbol if original else invoice.related_symbol,
            number=original.number if original else invoice.related_number,
            issued_on=_local_day(original.issued_at if original else invoice.related_issued_at, LOCAL_TZ),
        )
    buyer = Party(
        name=invoice.buyer_name or "",
        tax_code=invoice.buyer_tax_code or "",
        address=invoice.buyer_address or "",
        phone=invoice.buyer_phone or "",
        id_number=invoice.buyer_id_number or "",
    )
    return InvoiceDoc(
        form=form,
        symbol=invoice.symbol,
        number=invoice.number,
        issued_on=_local_day(invoice.issued_at, LOCAL_TZ),
        tax_code=invoice.authority_code,
        seller=Party(name=invoice.seller_name, tax_code=invoice.seller_tax_code, address=invoice.seller_address),
        buyer=buyer,
        lines=tuple(lines),
        rate_sums=tuple(
            RateSum(rate_text(int(r["vat_rate"])), int(r["amount_before_vat"]), int(r["vat_amount"]))
            for r in content.get("rates", ())
        )
        if vat
        else (),
        total_before_vat=invoice.total_before_vat if vat else None,
        total_vat=invoice.vat_total if vat else None,
        total=invoice.total,
        total_words=invoice.amount_in_words,
        version=invoice.spec_version,
        title=TITLES[form],
        qr_data=qr_data,
        related=related,
    )


def _local_day(moment, zone) -> date:
    """The local (GMT+7) day of a naive UTC time. The zone's offset is looked up once a month of dates: converting
    each time through the zone cost more than building the whole invoice."""
    return (moment + _offset(zone, moment.year, moment.month)).date()


@cache
def _offset(zone, year: int, month: int):
    return datetime(year, month, 1, tzinfo=zone).utcoffset()
