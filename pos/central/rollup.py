"""The figures of a product rollup row (SalesRollupDaily, ProductDaily, ProductMonthly), as one value.

Ingest adds sale and return lines into it and writes its fields as the rollup's columns; reports read the columns
back into it. Its fields are the columns, by name and in order (ROLLUP_FIGURES, checked below)."""

from dataclasses import dataclass, fields

from pos.models import ROLLUP_FIGURES


@dataclass(slots=True)  # reports make thousands a request: slots make each cheaper to build
class Figures:
    units: int = 0
    revenue: int = 0  # VAT included
    vat: int = 0
    cost: int = 0  # of the lines whose cost is known
    costed_revenue: int = 0  # revenue of those lines, for the margin
    consignment_revenue: int = 0
    commission: int = 0  # the showroom's, on consigned goods

    @classmethod
    def of(cls, row, **others):
        """The figures of a result row (or any object) with the figure columns by name; `others`: a subclass's
        other fields."""
        return cls(**{name: getattr(row, name) for name in ROLLUP_FIGURES}, **others)

    def add_line(self, units: int, revenue: int, vat: int, cost: int | None, consignment: bool, commission: int):
        """One sale line (or, negative, a returned line)."""
        self.units += units
        self.revenue += revenue
        self.vat += vat
        if cost is not None:
            self.cost += cost
            self.costed_revenue += revenue
        if consignment:
            self.consignment_revenue += revenue
            self.commission += commission

    def __iadd__(self, other: "Figures") -> "Figures":
        for name in ROLLUP_FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    def columns(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in ROLLUP_FIGURES}

    @property
    def margin(self) -> int | None:
        """Gross margin of the lines whose cost is known."""
        return self.costed_revenue - self.cost if self.costed_revenue else None

    @property
    def margin_percent(self) -> float | None:
        return 100.0 * self.margin / self.costed_revenue if self.costed_revenue else None

    @property
    def payable(self) -> int:
        """What the producer is owed for consigned goods sold: their revenue less the showroom's commission."""
        return self.consignment_revenue - self.commission


assert tuple(f.name for f in fields(Figures)) == ROLLUP_FIGURES, "Figures and the rollup columns disagree"
