"""Cash-register e-invoices issued with each sale: off by default, settings refused when inconsistent, an
invoice in the sale's transaction numbered without gaps or repeats across tills and years, the buyer's details
only when asked, the amount in Vietnamese words, and an adjustment for a return."""

import json
import re
import uuid
from datetime import datetime
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from pos.auth.service import create_user
from pos.checkout.pricing import Discount, price_cart
from pos.checkout.recorded import RecordedSale
from pos.checkout.returns import record_return
from pos.checkout.sales import record_sale
from pos.checkout.shifts import open_shift
from pos.core.clock import local_today
from pos.core.database import atomic
from pos.core.errors import DomainError, ValidationError
from pos.core.extensions import db as _db
from pos.einvoice.service import content_of, invoice_of_sale, parse_buyer
from pos.einvoice.settings import current_settings, save_settings
from pos.einvoice.words import amount_in_words
from pos.inventory.ledger import find_or_create_lot, move_stock
from pos.models import Einvoice, EinvoiceCounter, Sale
from tests.conftest import PASSWORD, make_app_with_tables, make_product, run_tills, stock

YY = f"{local_today().year % 100:02d}"
CREDENTIALS = {
    "EINVOICE_URL": "http://127.0.0.1:9/PublishService.asmx",
    "EINVOICE_ACCOUNT": "acc",
    "EINVOICE_ACPASS": "acpass",
    "EINVOICE_USERNAME": "user",
    "EINVOICE_PASSWORD": "secret",
}
SETTINGS = {
    "enabled": "on",
    "seller_tax_code": "0101234567",
    "seller_name": "HTX Nông sản Tây Hồ",
    "seller_address": "12 Quảng An, Tây Hồ, Hà Nội",
    "form": "1",
    "symbol": f"C{YY}MTH",
    "block": "A1B2C",
    "provider": "vnpt",
    "spec_version": "2.1.0",
}
MTT_CODE = re.compile(r"M1-\d{2}-A1B2C-\d{11}")


@pytest.fixture
def credentials(monkeypatch):
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)


def enable(**changes):
    return save_settings(SETTINGS | changes)


def sale_body(lines, payments, **extra):
    return {"uuid": str(uuid.uuid4()), "lines": lines, "payments": payments} | extra


def sell(client, shop, **extra):
    body = sale_body(
        [{"product_id": shop["tea"].id, "quantity": 2, "discount": {"kind": "percent", "value": 10}}],
        [{"method": "cash", "amount": 1_000_000}],
        **extra,
    )
    response = client.post("/api/v1/sales", json=body)
    assert response.status_code == 201, response.get_json()
    return body["uuid"], response.get_json()


# --- off by default -------------------------------------------------------------------------------


def test_off_by_default_a_sale_has_no_invoice_and_refuses_buyer_details(cashier_client, shop, db):
    _sale_uuid, _answer = sell(cashier_client, shop)
    assert db.session.scalar(select(func.count(Einvoice.id))) == 0
    refused = cashier_client.post(
        "/api/v1/sales",
        json=sale_body(
            [{"product_id": shop["tea"].id, "quantity": 1}],
            [{"method": "cash", "amount": 350_000}],
            buyer={"name": "Công ty A"},
        ),
    )
    assert refused.status_code == 422 and "buyer" in refused.get_json()["fields"]
    assert db.session.scalar(select(func.count(Sale.id))) == 1  # the refused sale wrote nothing


# --- settings ---------------------------------------------------------------------------------------


def test_settings_refuse_inconsistent_values_field_by_field(app, users, credentials):
    with app.test_request_context(), pytest.raises(ValidationError) as refused:
        enable(
            seller_tax_code="12345",
            form="3",
            symbol=f"C{int(YY) - 1:02d}MTH",
            block="ab",
            spec_version="3.0",
            provider="misa",
            seller_name="",
        )
    assert set(refused.value.fields) == {
        "seller_tax_code",
        "form",
        "symbol",
        "block",
        "spec_version",
        "provider",
        "seller_name",
    }
    assert "year" in refused.value.fields["symbol"]
    with app.test_request_context(), pytest.raises(ValidationError) as refused:
        enable(symbol="1C26MT")  # the form digit belongs in its own field: KHHDon is 6 characters
    assert set(refused.value.fields) == {"symbol"}


def test_turning_on_needs_credentials_from_the_environment_or_instance(app, users, monkeypatch, tmp_path):
    for key in CREDENTIALS:
        monkeypatch.delenv(key, raising=False)
    with app.test_request_context(), pytest.raises(ValidationError) as refused:
        enable()
    assert "EINVOICE_PASSWORD" in refused.value.fields["provider"]
    with app.test_request_context():
        enable(enabled="")  # off: saved without credentials
    (tmp_path / "instance").mkdir(exist_ok=True)
    app.instance_path = str(tmp_path / "instance")
    (tmp_path / "instance" / "einvoice.json").write_text(
        json.dumps({key.removeprefix("EINVOICE_").lower(): value for key, value in CREDENTIALS.items()})
    )
    with app.test_request_context():
        assert enable().enabled


def test_the_admin_page_shows_field_errors_and_saves(admin_client, credentials, db):
    page = admin_client.get("/admin/einvoice")
    assert page.status_code == 200 and "KHHDon" in page.get_data(as_text=True)
    refused = admin_client.post("/admin/einvoice", data=SETTINGS | {"seller_tax_code": "01-23"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'name="seller_tax_code" type="text" value="01-23"' in html and "aria-invalid" in html
    saved = admin_client.post("/admin/einvoice", data=SETTINGS, follow_redirects=True)
    assert saved.status_code == 200
    page = saved.get_data(as_text=True)
    assert "A1B2C" in page and "account, acpass, password, url, username" in page
    assert "secret" not in page and "acpass</" not in page  # which credentials were found, never their values


# --- the invoice of a sale ------------------------------------------------------------------------


def test_a_sale_gets_its_invoice_in_its_transaction(app, cashier_client, shop, db, credentials):
    with app.test_request_context():
        enable()
    buyer = {
        "name": "Công ty TNHH Sen Vàng",
        "tax_code": "0312345678",
        "address": "1 Lê Lợi, Q1",
        "phone": "0912 345 678",
    }
    first_uuid, answer = sell(cashier_client, shop, buyer=buyer)
    second_uuid, _ = sell(cashier_client, shop)
    first, second = (db.session.scalar(select(Einvoice).where(Einvoice.uuid == u)) for u in (first_uuid, second_uuid))
    assert (first.form, first.symbol, first.number) == ("1", f"C{YY}MTH", 1)
    assert second.number == 2 and first.status == second.status == "pending"
    assert MTT_CODE.fullmatch(first.authority_code) and first.authority_code.endswith("-00000000001")
    assert second.authority_code.endswith("-00000000002")
    assert first.buyer_name == "Công ty TNHH Sen Vàng" and first.buyer_phone == "0912345678"
    assert second.buyer_name == second.buyer_tax_code == ""
    assert (first.seller_tax_code, first.spec_version, first.provider) == ("0101234567", "2.1.0", "vnpt")
    # 2 × 350.000 less 10 %: 630.000, VAT 8 % inside it
    vat = round(630_000 * 8 / 108)
    assert (first.total, first.vat_total, first.total_before_vat, first.discount_total) == (
        630_000,
        vat,
        630_000 - vat,
        70_000,
    )
    assert first.amount_in_words == "Sáu trăm ba mươi nghìn đồng"
    lines = first.data["lines"]
    assert [(item["kind"], item["unit"], item["quantity"], item["amount"]) for item in lines] == [
        (1, "hộp", 2, 700_000),
        (3, "", None, 70_000),
    ]
    assert lines[0]["vat_amount"] - lines[1]["vat_amount"] == vat
    assert first.data["rates"] == [
        {"vat_rate": 8, "amount": 630_000, "vat_amount": vat, "amount_before_vat": 630_000 - vat}
    ]
    assert first.issued_at == db.session.scalar(select(Sale.created_at).where(Sale.uuid == first_uuid))
    assert answer["einvoice"]["authority_code"] == first.authority_code
    assert answer["einvoice"]["symbol"] == f"1C{YY}MTH" and answer["einvoice"]["number"] == "00000001"


def test_a_refused_sale_takes_no_number(app, cashier_client, shop, db, credentials):
    with app.test_request_context():
        enable()
    sell(cashier_client, shop)
    short = cashier_client.post(
        "/api/v1/sales",
        json=sale_body([{"product_id": shop["flower"].id, "quantity": 9}], [{"method": "cash", "amount": 9_000_000}]),
    )
    assert short.status_code in (409, 422)
    bad_buyer = cashier_client.post(
        "/api/v1/sales",
        json=sale_body(
            [{"product_id": shop["tea"].id, "quantity": 1}],
            [{"method": "cash", "amount": 350_000}],
            buyer={"tax_code": "12345", "phone": "12"},
        ),
    )
    assert bad_buyer.status_code == 422
    assert set(bad_buyer.get_json()["fields"]) == {"buyer.tax_code", "buyer.phone"}
    sell(cashier_client, shop)
    assert db.session.scalars(select(Einvoice.number).order_by(Einvoice.id)).all() == [1, 2]


def test_numbering_restarts_on_the_first_of_january_and_the_code_keeps_rising(
    app, cashier_client, shop, db, credentials, monkeypatch
):
    with app.test_request_context():
        enable()
    sell(cashier_client, shop)
    sell(cashier_client, shop)
    next_year = local_today().year + 1
    # 1 January, 00:30 in Hà Nội is 31 December, 17:30 UTC
    monkeypatch.setattr("pos.checkout.sales.utcnow", lambda: datetime(next_year - 1, 12, 31, 17, 30))
    sale_uuid, _ = sell(cashier_client, shop)
    invoice = db.session.scalar(select(Einvoice).where(Einvoice.uuid == sale_uuid))
    yy = f"{next_year % 100:02d}"
    assert (invoice.symbol, invoice.number) == (f"C{yy}MTH", 1)
    assert invoice.authority_code == f"M1-{yy}-A1B2C-00000000003"


def test_buyer_details_are_checked():
    assert parse_buyer({}) is None and parse_buyer({"name": "  "}) is None
    buyer = parse_buyer({"name": "Nguyễn Văn A", "phone": "+84 912 345 678", "id_number": "001099012345"})
    assert (buyer.phone, buyer.id_number) == ("+84912345678", "001099012345")
    assert parse_buyer({"tax_code": "0101234567-001", "name": "CN Hà Nội", "address": "Hà Nội"}).tax_code
    with pytest.raises(ValidationError) as refused:
        parse_buyer({"tax_code": "0101234567", "id_number": "12-34", "phone": "0012345678", "name": "x" * 201})
    assert set(refused.value.fields) == {
        "buyer.address",
        "buyer.id_number",
        "buyer.phone",
        "buyer.name",
    }
    with pytest.raises(ValidationError):
        parse_buyer(["not", "an", "object"])


# --- amount in words ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (5, "Năm đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (105, "Một trăm lẻ năm đồng"),
        (1_005, "Một nghìn không trăm lẻ năm đồng"),
        (10_500, "Mười nghìn năm trăm đồng"),
        (1_000_005, "Một triệu không trăm lẻ năm đồng"),
        (1_001_000, "Một triệu không trăm lẻ một nghìn đồng"),
        (2_000_000_015, "Hai tỷ không trăm mười lăm đồng"),
        (
            123_456_789_012,
            "Một trăm hai mươi ba tỷ bốn trăm năm mươi sáu triệu bảy trăm tám mươi chín nghìn không trăm mười hai đồng",
        ),
        (100_000_000_000, "Một trăm tỷ đồng"),
        (10**12 + 5, "Một nghìn tỷ không trăm lẻ năm đồng"),
        (10**15, "Một triệu tỷ đồng"),
    ],
)
def test_amounts_in_vietnamese_words(amount, words):
    assert amount_in_words(amount) == words


# --- returns ----------------------------------------------------------------------------------------


def test_a_return_issues_an_adjustment_of_the_sale_invoice(app, cashier_client, users, shop, db, credentials):
    with app.test_request_context():
        enable()
    buyer = {"name": "Trần Thị B", "id_number": "001099012345"}
    _sale_uuid, answer = sell(cashier_client, shop, buyer=buyer)
    with app.test_request_context():
        record_return(
            answer["number"],
            {
                "uuid": str(uuid.uuid4()),
                "reason": "hộp móp",
                "refund_method": "cash",
                "lines": [{"line_no": 1, "quantity": 1}],
                "approval": {"username": "manager", "password": PASSWORD},
            },
            users["manager"],
        )
    original, adjustment = db.session.scalars(select(Einvoice).order_by(Einvoice.id)).all()
    assert (adjustment.kind, adjustment.related_id, adjustment.number) == ("adjustment", original.id, 2)
    assert adjustment.return_id is not None and adjustment.sale_id == original.sale_id
    assert adjustment.total == 315_000 and adjustment.buyer_id_number == "001099012345"
    assert adjustment.total_before_vat + adjustment.vat_total == adjustment.total
    assert adjustment.data["lines"][0]["quantity"] == 1


# --- the per-rate summary and totals are the sale's and the receipt's -------------------------------

products = st.builds(
    lambda price, rate: SimpleNamespace(id=1, sku="S", price=price, vat_rate=rate, name_vi="x"),
    st.integers(0, 5_000_000),
    st.sampled_from([0, 5, 8, 10]),
)
discounts = st.one_of(
    st.just(Discount()),
    st.builds(Discount, st.just("percent"), st.integers(0, 100)),
    st.builds(Discount, st.just("amount"), st.integers(0, 3_000)),
)
carts = st.lists(st.tuples(products, st.integers(1, 50), discounts, st.none()), min_size=1, max_size=12)


def _lines_of(cart):
    return [
        {
            "product_id": 1,
            "sku": "S",
            "name_vi": "x",
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "amount": line.amount,
            "vat_rate": line.vat_rate,
            "vat_amount": line.vat_amount,
        }
        for line in cart.lines
    ]


def _check_adds_up(content, total, vat_by_rate):
    rates = content["rates"]
    assert {r["vat_rate"]: r["vat_amount"] for r in rates} == vat_by_rate
    assert sum(r["amount"] for r in rates) == total
    for rate in rates:
        goods = [i for i in content["lines"] if i["vat_rate"] == rate["vat_rate"]]
        signed = [(1 if i["kind"] == 1 else -1) for i in goods]
        assert sum(s * i["amount"] for s, i in zip(signed, goods, strict=True)) == rate["amount"]
        assert sum(s * i["vat_amount"] for s, i in zip(signed, goods, strict=True)) == rate["vat_amount"]
        assert rate["amount_before_vat"] + rate["vat_amount"] == rate["amount"]
    assert all(i["amount"] >= 0 and i["vat_amount"] >= 0 and i["amount_before_vat"] >= 0 for i in content["lines"])


@settings(max_examples=300, deadline=None)
@given(carts, discounts)
def test_invoice_summary_and_totals_equal_the_cart_for_any_cart(cart_items, order_discount):
    try:
        cart = price_cart(cart_items, order_discount)
    except ValidationError:
        return  # a discount over the line: refused before any invoice
    content = content_of(_lines_of(cart), {})
    _check_adds_up(content, cart.total, dict(cart.vat_by_rate.items()))


@pytest.fixture
def many(app, users, db):
    """An open shift and four products at each rate, plenty of stock."""
    open_shift(users["cashier"], 0)
    found = [
        make_product(sku=f"P{rate}", price=price, vat_rate=rate)
        for rate, price in ((0, 12_345), (5, 99_999), (8, 350_000), (10, 7))
    ]
    for product in found:
        stock(product, 100_000)
    return found


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(1, 9), discounts), min_size=1, max_size=6),
    discounts,
)
def test_a_recorded_sale_invoice_equals_the_sale_and_its_receipt(app, users, many, credentials, picks, order_discount):
    app.config["DISCOUNT_LIMIT_PERCENT"] = 100  # no manager's approval (a slow password check) for a discount
    with app.test_request_context():
        if current_settings() is None:
            enable()
        body = {
            "uuid": str(uuid.uuid4()),
            "lines": [
                {"product_id": many[i].id, "quantity": q, "discount": {"kind": d.kind, "value": d.value}}
                for i, q, d in picks
            ],
            "discount": {"kind": order_discount.kind, "value": order_discount.value},
            "payments": [{"method": "cash", "amount": 10**11}],
        }
        try:
            recorded, _ = record_sale(body, users["cashier"])
        except DomainError:
            return
        sale = RecordedSale.of(_db.session.get(Sale, recorded.id))  # what the receipt is printed from
        invoice = invoice_of_sale(sale.id)
        receipt_rates = {rate: vat for rate, _amount, vat in sale.vat_by_rate}  # what the receipt prints
        _check_adds_up(invoice.data, sale.total, receipt_rates)
        assert [(r["vat_rate"], r["amount"], r["vat_amount"]) for r in invoice.data["rates"]] == sale.vat_by_rate
        assert (invoice.total, invoice.vat_total, invoice.discount_total) == (
            sale.total,
            sale.vat_total,
            sale.discount_total,
        )


# --- several tills --------------------------------------------------------------------------------

TILLS, SALES_PER_TILL = 6, 5


def _tills_issue_gapless_numbers(app):
    with app.app_context():
        cashier = create_user("till", "a-long-password", "cashier")
        open_shift(cashier, 0)
        product = make_product(sku="MANY", price=10_000)
        with atomic():
            lot = find_or_create_lot(product.id, "A")
            move_stock(product.id, lot.id, 10_000, "receipt", unit_cost=5_000)
        with app.test_request_context():
            enable()
        product_id = product.id
        _db.session.remove()

    def sell(user, n, k):
        body = {
            "uuid": str(uuid.uuid4()),
            "lines": [{"product_id": product_id, "quantity": 1 + (n + k) % 3}],
            "payments": [{"method": "cash", "amount": 100_000}],
        }
        record_sale(body, user)

    errors = run_tills(app, TILLS, SALES_PER_TILL, sell)
    with app.app_context():
        assert errors == []
        invoices = _db.session.execute(select(Einvoice.number, Einvoice.authority_code, Einvoice.sale_id)).all()
        sales = _db.session.scalar(select(func.count(Sale.id)))
        assert sales == TILLS * SALES_PER_TILL == len(invoices) == len({sale for _, _, sale in invoices})
        assert sorted(number for number, _, _ in invoices) == list(range(1, sales + 1))
        assert sorted(int(code[-11:]) for _, code, _ in invoices) == list(range(1, sales + 1))
        assert _db.session.scalar(select(EinvoiceCounter.last).where(EinvoiceCounter.key.like("shdon:%"))) == sales
        _db.session.remove()
        _db.engine.dispose()


def test_several_tills_number_without_gaps_or_repeats(database, credentials):
    _tills_issue_gapless_numbers(make_app_with_tables(database))


# --- the receipt and the buyer's page -------------------------------------------------------------


@pytest.fixture
def printed(monkeypatch):
    """Every text the receipt renderer draws, in order."""
    from pos.checkout import receipts

    drawn = []
    text, pair = receipts._Canvas.text, receipts._Canvas.pair

    def record_text(canvas, value, **kwargs):
        drawn.append(str(value))
        return text(canvas, value, **kwargs)

    def record_pair(canvas, left, right, **kwargs):
        drawn.append(f"{left} {right}")
        return pair(canvas, left, right, **kwargs)

    monkeypatch.setattr(receipts._Canvas, "text", record_text)
    monkeypatch.setattr(receipts._Canvas, "pair", record_pair)
    return drawn


def test_without_e_invoicing_the_receipt_claims_no_invoice(cashier_client, shop, printed):
    _sale_uuid, answer = sell(cashier_client, shop)
    assert answer["einvoice"] is None
    assert cashier_client.get(f"/sales/{answer['number']}/receipt.png").status_code == 200
    receipt = "\n".join(printed)
    assert "PHIẾU BÁN HÀNG" in receipt and "HÓA ĐƠN" not in receipt.upper() and "Ký hiệu" not in receipt
    assert "hóa đơn" not in receipt.lower()


def test_the_receipt_and_the_buyers_page_show_the_invoice(app, cashier_client, client, shop, db, credentials, printed):
    with app.test_request_context():
        enable()
    buyer = {"name": "Công ty TNHH Sen Vàng", "tax_code": "0312345678", "address": "1 Lê Lợi, Q1"}
    sale_uuid, answer = sell(cashier_client, shop, buyer=buyer)
    invoice = db.session.scalar(select(Einvoice).where(Einvoice.uuid == sale_uuid))
    assert cashier_client.get(f"/sales/{answer['number']}/receipt.png").status_code == 200
    receipt = "\n".join(printed)
    for expected in (
        "HÓA ĐƠN GIÁ TRỊ GIA TĂNG",
        f"Ký hiệu: 1C{YY}MTH",
        "Số hóa đơn: 00000001",
        f"Mã CQT: {invoice.authority_code}",
        "Người mua: Công ty TNHH Sen Vàng",
        "MST người mua: 0312345678",
        "HTX Nông sản Tây Hồ",
        "Bằng chữ: Sáu trăm ba mươi nghìn đồng",
    ):
        assert expected in receipt
    page = client.get(f"/r/{answer['lookup_code']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for expected in (invoice.authority_code, f"1C{YY}MTH", "00000001", "Công ty TNHH Sen Vàng", "0312345678"):
        assert expected in html
    assert "Sáu trăm ba mươi nghìn đồng" in html
