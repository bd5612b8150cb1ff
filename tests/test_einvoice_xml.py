"""The invoice XML against the strict schemas of pos/einvoice/schema/ (rules and sources: SOURCES.md there)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from pos.einvoice import xml as x
from pos.einvoice.provider import Submission
from pos.einvoice.vnpt import dialect, parse_ok

SELLER = x.Party("HTX Chè Tân Cương", "4600123456", "Xóm 3, xã Tân Cương, TP Thái Nguyên")


def vat_invoice(**changes) -> x.InvoiceDoc:
    doc = x.InvoiceDoc(
        form=1,
        symbol="C26MTH",
        number=42,
        issued_on=date(2026, 12, 2),
        tax_code="M1-26-A1B2C-00000001968",
        seller=SELLER,
        buyer=x.Party(name="Công ty TNHH ABC", tax_code="0101234567-001", address="12 Hàng Bài, Hà Nội"),
        lines=(
            x.Line(
                1,
                "Chè búp Tân Cương",
                code="CHE-01",
                unit="gói",
                quantity=2,
                unit_price=Decimal("324074.074074"),
                amount=648148,
                vat_rate="8%",
            ),
            x.Line(2, "Chiết khấu", kind=x.DISCOUNT, amount=18519, vat_rate="8%"),
            x.Line(
                3, "Hoa đào", code="HOA-1", unit="cành", quantity=1, unit_price=428571, amount=428571, vat_rate="5%"
            ),
        ),
        rate_sums=(x.RateSum("5%", 428571, 21429), x.RateSum("8%", 629629, 50371)),
        total_before_vat=1_058_200,
        total_vat=71_800,
        total=1_130_000,
        total_words="Một triệu một trăm ba mươi nghìn đồng",
        title="Hóa đơn giá trị gia tăng",
    )
    return replace(doc, **changes)


def sales_invoice(**changes) -> x.InvoiceDoc:
    doc = vat_invoice(
        form=2,
        tax_code="M2-26-A1B2C-00000001969",
        lines=(x.Line(1, "Chè búp", unit="gói", quantity=1, unit_price=350000, amount=350000),),
        rate_sums=(),
        total_before_vat=None,
        total_vat=None,
        total=350000,
        total_words="Ba trăm năm mươi nghìn đồng",
    )
    return replace(doc, **changes)


@pytest.mark.parametrize("version", x.VERSIONS)
@pytest.mark.parametrize("make", [vat_invoice, sales_invoice])
def test_both_forms_in_both_versions_pass(make, version):
    root = x.validate(x.build(make(version=version)))
    assert root.findtext("DLHDon/TTChung/PBan") == version


def test_the_document_is_written_in_the_format_order_without_empty_tags():
    root = x.validate(x.build(vat_invoice(buyer=x.Party(name="Nguyễn Văn A"))))
    assert [child.tag for child in root] == ["DLHDon", "MCCQT"]  # no QR data given: left out
    assert [c.tag for c in root.find("DLHDon/TTChung")] == ["PBan", "THDon", "KHMSHDon", "KHHDon", "SHDon", "NLap"]
    assert [c.tag for c in root.find("DLHDon/NDHDon")] == ["NBan", "NMua", "DSHHDVu", "TToan"]
    assert [c.tag for c in root.find("DLHDon/NDHDon/NMua")] == ["Ten"]
    first, discount = root.findall("DLHDon/NDHDon/DSHHDVu/HHDVu")[:2]
    assert [c.tag for c in first] == [
        "TChat", "STT", "MHHDVu", "THHDVu", "DVTinh", "SLuong", "DGia", "ThTien", "TSuat"
    ]  # fmt: skip
    assert first.findtext("DGia") == "324074.074074" and first.findtext("NLap") is None
    assert [c.tag for c in discount] == ["TChat", "STT", "THHDVu", "ThTien", "TSuat"]
    totals = root.find("DLHDon/NDHDon/TToan")
    assert [c.tag for c in totals] == ["THTTLTSuat", "TgTCThue", "TgTThue", "TgTTTBSo", "TgTTTBChu"]
    assert root.findtext("DLHDon/TTChung/NLap") == "2026-12-02"
    no_buyer = x.validate(x.build(vat_invoice(buyer=None)))
    assert no_buyer.find("DLHDon/NDHDon/NMua") is None


def _mutate(xml: bytes, path: str, action, value=None) -> bytes:
    root = etree.fromstring(xml)
    element = root.find(path)
    if action == "text":
        element.text = value
    elif action == "drop":
        element.getparent().remove(element)
    elif action == "swap":  # with the next sibling: the order changes
        element.addprevious(element.getnext())
    elif action == "add":
        etree.SubElement(element, value[0]).text = value[1]
    return etree.tostring(root, encoding="utf-8")


BAD = [
    ("rate 7%", "DLHDon/NDHDon/DSHHDVu/HHDVu/TSuat", "text", "7%"),
    ("rate as a number", "DLHDon/NDHDon/DSHHDVu/HHDVu/TSuat", "text", "10"),
    ("rate KHAC", "DLHDon/NDHDon/DSHHDVu/HHDVu/TSuat", "text", "KHAC:03.50%"),
    ("SHDon of 9 digits", "DLHDon/TTChung/SHDon", "text", "123456789"),
    ("SHDon 0", "DLHDon/TTChung/SHDon", "text", "0"),
    ("SHDon zero-padded", "DLHDon/TTChung/SHDon", "text", "00000042"),
    ("date as dd/mm/yyyy", "DLHDon/TTChung/NLap", "text", "02/12/2026"),
    ("date with time", "DLHDon/TTChung/NLap", "text", "2026-12-02T10:00:00"),
    ("PBan 2.0.0", "DLHDon/TTChung/PBan", "text", "2.0.0"),
    ("form 3", "DLHDon/TTChung/KHMSHDon", "text", "3"),
    ("symbol not a cash register's", "DLHDon/TTChung/KHHDon", "text", "C26TTH"),
    ("symbol of 7 characters", "DLHDon/TTChung/KHHDon", "text", "C26MTHX"),
    ("MCCQT malformed", "MCCQT", "text", "M1-26-A1B2C-1968"),
    ("MCCQT of another form", "MCCQT", "text", "M2-26-A1B2C-00000001968"),
    ("MCCQT of another year", "MCCQT", "text", "M1-25-A1B2C-00000001968"),
    ("amount with decimals", "DLHDon/NDHDon/TToan/TgTTTBSo", "text", "1130000.5"),
    ("amount negative", "DLHDon/NDHDon/TToan/TgTThue", "text", "-1"),
    ("amount with grouping", "DLHDon/NDHDon/TToan/TgTTTBSo", "text", "1.130.000"),
    ("quantity with 7 decimals", "DLHDon/NDHDon/DSHHDVu/HHDVu/SLuong", "text", "1.0000001"),
    ("quantity in exponent form", "DLHDon/NDHDon/DSHHDVu/HHDVu/SLuong", "text", "2E0"),
    ("seller's name too long", "DLHDon/NDHDon/NBan/Ten", "text", "x" * 401),
    ("goods name too long", "DLHDon/NDHDon/DSHHDVu/HHDVu/THHDVu", "text", "x" * 501),
    ("amount in words too long", "DLHDon/NDHDon/TToan/TgTTTBChu", "text", "x" * 256),
    ("empty tag", "DLHDon/NDHDon/NBan/DChi", "text", ""),
    ("blank tag", "DLHDon/NDHDon/NBan/DChi", "text", "   "),
    ("seller's tax code of 9 digits", "DLHDon/NDHDon/NBan/MST", "text", "460012345"),
    ("seller without a tax code", "DLHDon/NDHDon/NBan/MST", "drop"),
    ("no NLap", "DLHDon/TTChung/NLap", "drop"),
    ("no amount in words", "DLHDon/NDHDon/TToan/TgTTTBChu", "drop"),
    ("no per-rate summary", "DLHDon/NDHDon/TToan/THTTLTSuat", "drop"),
    ("no MCCQT", "MCCQT", "drop"),
    ("goods without a unit", "DLHDon/NDHDon/DSHHDVu/HHDVu/DVTinh", "drop"),
    ("goods without a rate", "DLHDon/NDHDon/DSHHDVu/HHDVu/TSuat", "drop"),
    ("KHHDon before KHMSHDon", "DLHDon/TTChung/KHMSHDon", "swap"),
    ("NMua before NBan", "DLHDon/NDHDon/NBan", "swap"),
    ("TgTThue before TgTCThue", "DLHDon/NDHDon/TToan/TgTCThue", "swap"),
    ("an undeclared element", "DLHDon/TTChung", "add", ("MaSoBiMat", "1")),
    ("a rate summarised twice", "DLHDon/NDHDon/TToan/THTTLTSuat/LTSuat/TSuat", "text", "8%"),
]


@pytest.mark.parametrize("case", BAD, ids=[case[0] for case in BAD])
def test_the_schema_refuses(case):
    _, path, action, *value = case
    good = x.build(vat_invoice())
    with pytest.raises(x.InvalidInvoice):
        x.validate(_mutate(good, path, action, *value))


def test_a_sales_invoice_shows_no_vat():
    good = x.build(sales_invoice())
    x.validate(good)
    with pytest.raises(x.InvalidInvoice):
        x.validate(_mutate(good, "DLHDon/NDHDon/DSHHDVu/HHDVu", "add", ("TSuat", "8%")))
    vat_one = _mutate(x.build(vat_invoice()), "DLHDon/TTChung/KHMSHDon", "text", "2")
    with pytest.raises(x.InvalidInvoice):  # rates and VAT totals are a VAT invoice's
        x.validate(_mutate(vat_one, "MCCQT", "text", "M2-26-A1B2C-00000001968"))


def test_numbers_are_written_plainly():
    assert x.number_text(Decimal("30555.5555555")) == "30555.555556"
    assert x.number_text(Decimal("50000.000000")) == "50000"
    assert x.number_text(Decimal("1E+3")) == "1000"
    assert x.price_before_vat(33_000, 8) == Decimal("30555.555556")
    assert x.price_before_vat(55_000, 10) == Decimal("50000")


def test_vnpt_dialect_adds_its_key_and_currency_and_numbers_its_rates():
    body = x.build(vat_invoice())
    listed = etree.fromstring(dialect([Submission("3f1c-key", body, 1, "C26MTH", 42, "M1-26-A1B2C-00000001968")] * 2))
    assert listed.tag == "DSHDon" and len(listed) == 2 and etree.tostring(listed[0]) == etree.tostring(listed[1])
    sent = listed[0]
    assert sent[0].tag == "key" and sent[0].text == "3f1c-key"
    general = sent.find("DLHDon/TTChung")
    assert [c.tag for c in general][-2:] == ["NLap", "DVTTe"] and general.findtext("DVTTe") == "VND"
    assert [r.text for r in sent.iter("TSuat")] == ["8", "8", "5", "5", "8"]
    answer = "OK:1;C26MTH-0a1b2c3d-0000-4000-8000-000000000001_42_M1-26-A1B2C-00000001968,k2_43_M1-26-A1B2C-00000001969"
    outcomes = parse_ok(answer)
    assert outcomes["0a1b2c3d-0000-4000-8000-000000000001"].number == "42"
    assert outcomes["k2"].code == "M1-26-A1B2C-00000001969"


_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x00\ud800\udfff"),
    min_size=1,
    max_size=60,
).filter(lambda text: text.strip() and text == text.strip())


@st.composite
def invoices(draw):
    form = draw(st.sampled_from((1, 2)))
    lines = []
    for no in range(1, draw(st.integers(1, 8)) + 1):
        rate = draw(st.sampled_from(x.RATES))
        if draw(st.booleans()):
            quantity = draw(st.integers(1, 999))
            price = draw(st.integers(1, 1_000_000_000))
            lines.append(
                x.Line(no, draw(_TEXT), unit=draw(_TEXT), quantity=quantity,
                       unit_price=x.price_before_vat(price, 10) if form == 1 else price,
                       amount=quantity * price, vat_rate=rate if form == 1 else "")
            )  # fmt: skip
        else:
            lines.append(
                x.Line(no, draw(_TEXT), kind=x.DISCOUNT, amount=draw(st.integers(0, 10**11)),
                       vat_rate=rate if form == 1 else "")
            )  # fmt: skip
    rates = sorted({line.vat_rate for line in lines}) if form == 1 else []
    return replace(
        vat_invoice(),
        form=form,
        tax_code=f"M{form}-26-A1B2C-{draw(st.integers(0, 10**11 - 1)):011d}",
        number=draw(st.integers(1, 99_999_999)),
        seller=x.Party(draw(_TEXT), "0101234567", draw(_TEXT)),
        buyer=x.Party(name=draw(_TEXT)) if draw(st.booleans()) else None,
        lines=tuple(lines),
        rate_sums=tuple(x.RateSum(rate, draw(st.integers(0, 10**11)), draw(st.integers(0, 10**10))) for rate in rates),
        total_before_vat=draw(st.integers(0, 10**11)) if form == 1 else None,
        total_vat=draw(st.integers(0, 10**10)) if form == 1 else None,
        total=draw(st.integers(0, 10**11)),
        total_words=draw(_TEXT),
    )


@settings(max_examples=100, deadline=None)
@given(invoices())
def test_any_invoice_the_builder_writes_passes_the_schema_and_reads_back_the_same(doc):
    root = x.validate(x.build(doc))
    assert root.findtext("DLHDon/NDHDon/NBan/Ten") == doc.seller.name
    items = root.findall("DLHDon/NDHDon/DSHHDVu/HHDVu")
    assert [item.findtext("THHDVu") for item in items] == [line.name for line in doc.lines]
    assert [item.findtext("ThTien") for item in items] == [str(line.amount) for line in doc.lines]
    assert root.findtext("DLHDon/NDHDon/TToan/TgTTTBSo") == str(doc.total)
    assert root.findtext("DLHDon/NDHDon/TToan/TgTTTBChu") == doc.total_words
