"""Integer đồng arithmetic shared by the areas: every amount is a whole number of đồng, rounded half up."""


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers."""
    return (2 * numerator + denominator) // (2 * denominator)


def vat_inside(amount: int, rate: int) -> int:
    """The VAT inside a VAT-inclusive amount at `rate` percent."""
    return round_half_up_div(amount * rate, 100 + rate)
