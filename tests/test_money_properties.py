"""Money rules that must hold for any cart (hypothesis)."""

from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from pos.checkout.pricing import Discount, price_cart
from pos.checkout.sales import _settle
from pos.core.money import CASH_ROUNDING_STEPS, round_cash, vat_inside

products = st.builds(
    lambda price, rate: SimpleNamespace(price=price, vat_rate=rate, name_vi="x"),
    st.integers(0, 5_000_000),
    st.sampled_from([0, 5, 8, 10]),
)
line_discounts = st.one_of(st.just(Discount()), st.builds(Discount, st.just("percent"), st.integers(0, 100)))
items = st.lists(st.tuples(products, st.integers(1, 50), line_discounts, st.none()), min_size=1, max_size=12)
order_discounts = st.one_of(st.just(Discount()), st.builds(Discount, st.just("percent"), st.integers(0, 100)))


@settings(max_examples=300, deadline=None)
@given(items, order_discounts)
def test_lines_add_up_to_the_total_and_vat_per_rate_to_the_vat_total(cart_items, order_discount):
    cart = price_cart(cart_items, order_discount)
    assert sum(line.amount for line in cart.lines) == cart.total
    assert cart.subtotal - cart.discount_total == cart.total
    assert sum(line.vat_amount for line in cart.lines) == cart.vat_total == sum(cart.vat_by_rate.values())
    for rate, vat in cart.vat_by_rate.items():
        assert vat == vat_inside(sum(line.amount for line in cart.lines if line.vat_rate == rate), rate)
    assert all(line.amount >= 0 and line.vat_amount >= 0 for line in cart.lines)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 10_000_000),
    st.lists(st.tuples(st.sampled_from(["cash", "card", "vietqr"]), st.integers(1, 5_000_000)), min_size=1, max_size=4),
    st.sampled_from(CASH_ROUNDING_STEPS),
)
def test_change_is_never_negative_and_payments_cover_exactly_the_total_and_its_cash_rounding(total, raw, step):
    payments = [{"method": m, "amount": a, "reference": "r"} for m, a in raw]
    non_cash = sum(a for m, a in raw if m != "cash")
    paying_cash = any(m == "cash" for m, _ in raw)
    try:
        settled, rounding = _settle(payments, total, step)
    except Exception:
        cash_due = round_cash(total - non_cash, step) if paying_cash else total - non_cash
        assert non_cash > total or sum(a for _, a in raw) < non_cash + cash_due
        return
    assert abs(rounding) <= step // 2 and (paying_cash or rounding == 0)
    assert (total + rounding - non_cash) % step == 0 if step and paying_cash else True  # cash pays whole steps
    assert all(p.change >= 0 and p.amount > 0 for p in settled)
    assert sum(p.amount for p in settled) == total + rounding
    handed_back = sum(a for m, a in raw if m == "cash") - sum(p.amount for p in settled if p.method == "cash")
    assert sum(p.change for p in settled) <= handed_back  # a tender that paid nothing is handed back whole
