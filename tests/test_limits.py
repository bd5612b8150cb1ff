"""The one table of limits and its two checks: whole numbers within bounds, text a database can store."""

import pytest

from pos.core import limits
from pos.core.limits import OutOfLimits, bounded, check_text, first_unstorable, unstorable, whole_number


@pytest.mark.parametrize("value", [True, False, 1.0, "1", None, [], {}])
def test_json_whole_numbers_are_ints_only(value):
    with pytest.raises(OutOfLimits, match="whole number"):
        whole_number(value, 0, 10)


def test_bounds_are_inclusive_and_say_which_side():
    assert whole_number(0, 0, 10) == 0 and whole_number(10, 0, 10) == 10
    with pytest.raises(OutOfLimits, match="at least 1"):
        whole_number(0, 1, 10)
    with pytest.raises(OutOfLimits, match="at most 10"):
        whole_number(11, 1, 10)
    assert bounded(2**63, 0, limits.MONEY_MAX) is None and bounded(5, 0, 9) == 5


@pytest.mark.parametrize(
    "text, number",
    [
        ("1.500.000", 1_500_000),
        ("2,000,000", 2_000_000),
        (" 12 ", 12),
        ("1 000", 1000),
        ("1\u00a0000", 1000),
        ("-3", -3),
        ("-1.000", -1000),
        (7.0, 7),
    ],
)
def test_form_text_reads_as_a_number(text, number):
    assert whole_number(text, -(10**7), 10**7, from_text=True) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "1e3",
        "²",
        "١٢",
        "--1",
        "1-",
        "9" * 40,
        "\x00",
        1.5,
        "1,5",
        "1.5",
        "1.500,000",
        "1.50.000",
        "1,0000",
        ".500",
    ],
)
def test_form_text_that_is_no_number(text):
    with pytest.raises(OutOfLimits, match="whole number"):
        whole_number(text, -10, 10**50, from_text=True)


@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "x\udfff", "\x00"])
def test_text_a_database_cannot_store_is_refused(text):
    assert unstorable(text)
    with pytest.raises(OutOfLimits, match="cannot be stored"):
        check_text(text, 100)


def test_storable_text_is_stripped_and_bounded():
    assert not unstorable("Chè Shan tuyết 🍵 \t\n")
    assert check_text("  Mật ong  ", 8) == "Mật ong"
    assert check_text(None, 5) == ""
    with pytest.raises(OutOfLimits, match="at most 3"):
        check_text("abcd", 3)
    with pytest.raises(OutOfLimits, match="required"):
        check_text("   ", 3, required=True)
    with pytest.raises(OutOfLimits, match="must be text"):
        check_text(12, 3)


def test_first_unstorable_names_the_field_in_nested_json():
    body = {"lines": [{"lot": "L1"}, {"lot": "ok", "note": ["x", "\ud800"]}], "name": "fine"}
    assert first_unstorable(body) == "lines[1].note[1]"
    assert first_unstorable({"a\x00": 1}) == "body"
    assert first_unstorable({"ok": [1, 2.5, None, True, "ý"]}) is None


def test_the_largest_sale_fits_in_64_bits_with_room_to_add_up():
    assert limits.QUANTITY_MAX * limits.UNIT_PRICE_MAX * limits.SALE_LINES_MAX < 2**63 // 1000
    assert limits.SALE_TOTAL_MAX > 2**31 and limits.LINE_TOTAL_MAX <= limits.SALE_TOTAL_MAX <= limits.MONEY_MAX
    assert limits.LIMITS["SALE_TOTAL_MAX"] == limits.SALE_TOTAL_MAX and "OutOfLimits" not in limits.LIMITS


def test_the_sync_document_states_the_bounds_central_applies():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "sync-payloads.md").read_text()
    assert f"`QUANTITY_MAX` ({limits.QUANTITY_MAX})" in doc
    assert f"`SALE_TOTAL_MAX` ({limits.SALE_TOTAL_MAX:,} ₫)".replace(",", ".") in doc
    assert f"`sku` {limits.SKU_MAX}, `name_vi` and `producer` {limits.NAME_MAX}" in doc


def test_text_limits_fit_their_columns():
    """A limit wider than its column would pass the check and then fail in PostgreSQL (value too long)."""
    from pos.models import Lot, Payment, Producer, Product, RemoteProduct, RemoteSaleLine, SaleLine, User

    pairs = [
        (limits.SKU_MAX, Product.sku),
        (limits.NAME_MAX, Product.name_vi),
        (limits.NAME_MAX, Producer.name),
        (limits.TAX_CODE_MAX, Producer.tax_code),
        (limits.ADDRESS_MAX, Producer.address),
        (limits.PLACE_MAX, Producer.ward),
        (limits.PHONE_MAX, Producer.phone),
        (limits.LOT_MAX, Lot.code),
        (limits.NAME_MAX, SaleLine.name_vi),
        (limits.USERNAME_MAX, User.username),
        (limits.FULL_NAME_MAX, User.full_name),
        (limits.PAYMENT_REFERENCE_MAX, Payment.reference),
        (limits.SKU_MAX, RemoteProduct.sku),
        (limits.NAME_MAX, RemoteProduct.name_vi),
        (limits.GTIN_MAX, RemoteProduct.gtin),
    ]
    assert [(column.key, limit) for limit, column in pairs if limit > column.type.length] == []
    assert RemoteSaleLine.amount.type.__class__.__name__ == "Int64"
