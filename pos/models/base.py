from typing import Annotated

from sqlalchemy import BigInteger, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class Int64(TypeDecorator):
    """A 64-bit whole number: `bigint` on PostgreSQL; INTEGER on SQLite, which already stores 64 bits (so a
    showroom's tables keep their declared type and are never rebuilt for it). PostgreSQL adds bigints up as
    `numeric`, so a SUM of one would read back as a Decimal: it reads back as an int here (a sum's type is
    its column's)."""

    impl = BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(Integer() if dialect.name == "sqlite" else BigInteger())

    def process_result_value(self, value, dialect):
        return value if value is None or type(value) is int else int(value)


def _in(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# CHECKs named after their column, so a constraint's name and text cannot disagree.
def one_of(column: str, values: tuple) -> CheckConstraint:
    """The column holds one of the values (the module's tuple of them, so the two never differ)."""
    return CheckConstraint(_in(column, values), name=column)


def positive(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} > 0", name=f"{column}_positive")


def not_negative(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} >= 0", name=f"{column}_not_negative")


def not_zero(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} <> 0", name=f"{column}_not_zero")


def between(column: str, low: int, high: int) -> CheckConstraint:
    return CheckConstraint(f"{column} BETWEEN {low} AND {high}", name=column)


# Money (integer đồng) is 64-bit on every database: one sale of three peach trees passes 2^31 - 1 đồng, the
# largest a PostgreSQL `integer` holds (pos.core.limits bounds what is accepted; see SALE_TOTAL_MAX).
Money = Annotated[int, mapped_column(Int64)]
# A count that a ledger adds up without bound (units on hand), 64-bit for the same reason.
Count = Annotated[int, mapped_column(Int64)]


class BusinessContact:
    """How a business (a producer, a showroom) is identified and reached: its tax code (MST), its postal address
    in Vietnam's administrative units and its phone."""

    tax_code: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    address: Mapped[str] = mapped_column(String(300), default="")  # house number and street
    ward: Mapped[str] = mapped_column(String(100), default="")
    district: Mapped[str] = mapped_column(String(100), default="")
    province: Mapped[str] = mapped_column(String(100), default="")

    @property
    def location(self) -> str:
        """Ward, district, province: where it is, without the street."""
        return ", ".join(p for p in (self.ward, self.district, self.province) if p)

    @property
    def full_address(self) -> str:
        return ", ".join(p for p in (self.address, self.location) if p)
