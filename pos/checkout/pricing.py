"""Server-side prices, discounts and VAT. The browser never sets a price.

VAT is inside the price: per rate, VAT = round-half-up(sum of line amounts × rate / (100 + rate)), computed
once per rate so the receipt's parts add up exactly; it is then shared out over that rate's lines
(remainder on the largest) so each line carries its part. An order discount is spread over the lines in
proportion to their amounts, the remainder on the largest line."""

from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from pos.core.errors import ValidationError
from pos.core.formatting import format_amount, format_vnd
from pos.core.limits import DISCOUNT_MAX, LINE_TOTAL_MAX, SALE_TOTAL_MAX, bounded
from pos.core.money import round_half_up_div, vat_inside


@dataclass
class Discount:
    kind: str = "amount"  # amount | percent
    value: int = 0

    def of(self, gross: int) -> int:
        if self.kind == "percent":
            return round_half_up_div(gross * self.value, 100)
        return self.value


class Priceable(Protocol):
    """What pricing reads of a product: the cart API prices ORM Products, the sale writer its SaleProducts."""

    @property
    def name_vi(self) -> str: ...

    @property
    def price(self) -> int: ...

    @property
    def vat_rate(self) -> int: ...


P = TypeVar("P", bound=Priceable)


@dataclass
class PricedLine(Generic[P]):
    product: P
    quantity: int
    unit_price: int
    line_discount: int
    order_discount: int = 0
    vat_amount: int = 0
    lot_code: str | None = None

    @property
    def gross(self) -> int:
        return self.quantity * self.unit_price

    @property
    def discount(self) -> int:
        return self.line_discount + self.order_discount

    @property
    def amount(self) -> int:
        return self.gross - self.discount

    @property
    def vat_rate(self) -> int:
        return self.product.vat_rate


@dataclass
class PricedCart(Generic[P]):
    lines: list[PricedLine[P]]
    subtotal: int
    discount_total: int
    total: int
    vat_by_rate: dict[int, int] = field(default_factory=dict)

    @property
    def vat_total(self) -> int:
        return sum(self.vat_by_rate.values())

    @property
    def discount_percent(self) -> float:
        return 100 * self.discount_total / self.subtotal if self.subtotal else 0.0


def parse_discount(data, field_name: str) -> Discount:
    if not data:
        return Discount()
    if not isinstance(data, dict) or data.get("kind", "amount") not in ("amount", "percent"):
        raise ValidationError(
            "A discount is {kind: amount|percent, value: whole number}.", fields={field_name: "invalid discount"}
        )
    value = bounded(data.get("value", 0), 0, DISCOUNT_MAX)
    if value is None:
        raise ValidationError(
            "A discount value is a whole number from 0 to %(max)s.",
            max=format_amount(DISCOUNT_MAX),
            fields={field_name: "invalid discount"},
        )
    if data.get("kind") == "percent" and value > 100:
        raise ValidationError("A percent discount is at most 100.", fields={field_name: "over 100%"})
    return Discount(data.get("kind", "amount"), value)


def _share(total: int, weights: list[int]) -> list[int]:
    """Split `total` in proportion to `weights`, the remainder on the largest weight."""
    whole = sum(weights)
    if not weights or whole == 0 or total == 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    shares[max(range(len(weights)), key=lambda i: weights[i])] += total - sum(shares)
    return shares


def price_cart(items: list[tuple[P, int, Discount, str | None]], order_discount: Discount) -> PricedCart[P]:
    """items: (product, quantity, line discount, lot code) → every amount the receipt shows."""
    lines: list[PricedLine[P]] = []
    for index, (product, quantity, discount, lot_code) in enumerate(items):
        gross = quantity * product.price
        if gross > LINE_TOTAL_MAX:
            raise ValidationError(
                "%(quantity)d × %(name)s is more than one sale line may hold (%(max)s).",
                quantity=quantity,
                name=product.name_vi,
                max=format_vnd(LINE_TOTAL_MAX),
                fields={f"lines[{index}].quantity": "line total over the limit"},
            )
        line_discount = discount.of(gross)
        if line_discount > gross:
            raise ValidationError(
                "The discount on %(name)s is more than the line is worth.",
                name=product.name_vi,
                fields={f"lines[{index}].discount": "more than the line amount"},
            )
        lines.append(PricedLine(product, quantity, product.price, line_discount, lot_code=lot_code))
    if sum(line.gross for line in lines) > SALE_TOTAL_MAX:
        raise ValidationError(
            "The sale is more than one sale may hold (%(max)s); split it in two.",
            max=format_vnd(SALE_TOTAL_MAX),
            fields={"lines": "sale total over the limit"},
        )
    after_lines = sum(line.amount for line in lines)
    order_amount = order_discount.of(after_lines)
    if order_amount > after_lines:
        raise ValidationError(
            "The order discount is more than the order is worth.", fields={"discount": "more than the total"}
        )
    for line, share in zip(lines, _share(order_amount, [line.amount for line in lines]), strict=False):
        line.order_discount = share
    vat_by_rate: dict[int, int] = {}
    for rate in sorted({line.vat_rate for line in lines}):
        rate_lines = [line for line in lines if line.vat_rate == rate]
        vat = vat_inside(sum(line.amount for line in rate_lines), rate)
        vat_by_rate[rate] = vat
        for line, part in zip(rate_lines, _share(vat, [line.amount for line in rate_lines]), strict=False):
            line.vat_amount = part
    subtotal = sum(line.gross for line in lines)
    total = sum(line.amount for line in lines)
    return PricedCart(lines, subtotal, subtotal - total, total, vat_by_rate)
