"""Integer đồng arithmetic shared by the areas: every amount is a whole number of đồng, rounded half up."""


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def vat_inside(amount: int, rate: int) -> int:
    """The VAT inside a VAT-inclusive amount at `rate` percent."""
    return round_half_up_div(amount * rate, 100 + rate)


CASH_ROUNDING_STEPS = (0, 100, 500, 1000)


def round_cash(amount: int, step: int) -> int:
    """What is handed over in cash for `amount` đồng: to the nearest `step` (100, 500 or 1.000 ₫), half up;
    0 leaves it exact. 191.250 → 191.000 and 332.500 → 333.000 at 1.000 ₫."""
    if not step:
        return amount
    return (amount + step // 2) // step * step
