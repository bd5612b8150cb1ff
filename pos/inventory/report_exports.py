"""The stock pages' downloads (pos.core.exports.Report): headers, values and the title block in the page's
language, times in local time, a totals row where the page sums."""

from datetime import date

from flask_babel import gettext as _

from pos.core.exports import Column, Report, this_showroom
from pos.core.formatting import format_date
from pos.inventory.counts import describe_scope


def _here(*lines: tuple[str, str]) -> list[tuple[str, str]]:
    return [(_("Showroom"), this_showroom()), *lines]


def _period(start: date, end: date) -> str:
    return f"{format_date(start)} – {format_date(end)}"


def _stock_columns() -> list[Column]:
    return [
        Column("SKU"),
        Column(_("Product")),
        Column(_("On hand"), "count", total=True),
        Column(_("Average cost"), "money"),
        Column(_("Value"), "money", total=True),
    ]


def stock(rows, term: str) -> Report:
    """rows: (product, stock level or None)."""
    return Report(
        _("Stock on hand"),
        _stock_columns(),
        [
            [
                p.sku,
                p.name_vi,
                lvl.on_hand if lvl else 0,
                lvl.average_cost if lvl else 0,
                lvl.on_hand * lvl.average_cost if lvl else 0,
            ]
            for p, lvl in rows
        ],
        "stock",
        _here((_("Search"), f"“{term}”" if term else _("none"))),
    )


def expiring(lots, days: int) -> Report:
    return Report(
        _("Expired and expiring lots"),
        [
            Column("SKU"),
            Column(_("Product")),
            Column(_("Lot")),
            Column(_("Expires"), "date"),
            Column(_("On hand"), "count", total=True),
        ],
        [[lot.product.sku, lot.product.name_vi, lot.code, lot.expiry_date, lot.on_hand] for lot in lots],
        "expiring-lots",
        _here((_("Expiring within"), _("%(n)s days", n=days))),
    )


def count_sheet(count, lines, hidden: bool) -> Report:
    """A blind count still open shows neither what the books hold nor the variance."""
    columns = [Column("SKU"), Column(_("Product")), Column(_("Lot")), Column(_("Expires"), "date")]
    if not hidden:
        columns.append(Column(_("On the books"), "count", total=True))
    columns.append(Column(_("Counted"), "count", total=True))
    if not hidden:
        columns += [Column(_("Variance"), "count", total=True), Column(_("Value"), "money", total=True)]
    rows = []
    for line in lines:
        row = [
            line.product.sku,
            line.product.name_vi,
            line.lot.code if line.lot else "",
            line.lot and line.lot.expiry_date,
        ]
        row += [] if hidden else [line.expected]
        row.append(line.counted)
        row += [] if hidden else [line.variance, None if line.variance is None else line.variance * line.unit_cost]
        rows.append(row)
    return Report(
        f"{_('Count sheet')} {count.number}",
        columns,
        rows,
        count.number,
        _here((_("Scope"), str(describe_scope(count.scope)))),
    )


def low_stock(rows) -> Report:
    return Report(
        _("Low stock"),
        [
            Column("SKU"),
            Column(_("Product")),
            Column(_("On hand"), "count"),
            Column(_("Reorder point"), "count"),
            Column(_("Sold per day (30 days)"), "decimal"),
            Column(_("Days left"), "decimal"),
        ],
        [
            [
                r["product"].sku,
                r["product"].name_vi,
                r["on_hand"],
                r["product"].reorder_point,
                r["per_day"],
                r["days_left"],
            ]
            for r in rows
        ],
        "low-stock",
        _here(),
    )


def _direction(code: str) -> str:
    return _("Out") if code == "out" else _("In")


def _status(code: str) -> str:
    return _("Posted") if code == "posted" else _("Draft")


def transfers(rows) -> Report:
    return Report(
        _("Transfers between showrooms"),
        [
            Column(_("Number")),
            Column(_("Direction")),
            Column(_("Showroom")),
            Column(_("Their number")),
            Column(_("Status")),
            Column(_("Lines"), "count", total=True),
            Column(_("Units"), "count", total=True),
            Column(_("Created"), "datetime"),
            Column(_("Posted"), "datetime"),
        ],
        [
            [
                t.number,
                _direction(t.direction),
                t.other_showroom,
                t.their_number or "",
                _status(t.status),
                len(t.lines),
                sum(line.quantity for line in t.lines),
                t.created_at,
                t.posted_at,
            ]
            for t in rows
        ],
        "transfers",
        _here(),
    )


def transfer(t) -> Report:
    return Report(
        f"{_('Transfer note')} {t.number}",
        [
            Column("SKU"),
            Column(_("Product")),
            Column(_("Lot")),
            Column(_("Expires"), "date"),
            Column(_("Quantity"), "count", total=True),
            Column(_("Unit cost"), "money"),
        ],
        [
            [line.product.sku, line.product.name_vi, line.lot_code, line.expiry_date, line.quantity, line.unit_cost]
            for line in t.lines
        ],
        t.number,
        _here(
            (_("Direction"), _direction(t.direction)),
            (_("Other showroom"), t.other_showroom),
            (_("Status"), _status(t.status)),
        ),
    )


def _statement(title: str, filename: str, rows, about) -> Report:
    return Report(
        title,
        [
            Column("SKU"),
            Column(_("Product")),
            Column(_("Commission rate"), "percent"),
            Column(_("Units sold"), "count", total=True),
            Column(_("Revenue"), "money", total=True),
            Column(_("Commission"), "money", total=True),
            Column(_("Payable"), "money", total=True),
        ],
        [
            [r.product.sku, r.product.name_vi, r.commission_rate, r.units, r.revenue, r.commission, r.payable]
            for r in rows
        ],
        filename,
        about,
    )


def consignment(statement) -> Report:
    return _statement(
        _("Consignment settlement"),
        f"consignment-{statement.producer.id}-{statement.date_from}-{statement.date_to}",
        statement.rows,
        _here(
            (_("Producer"), statement.producer.name),
            (_("Period"), _period(statement.date_from, statement.date_to)),
        ),
    )


def settlement(s, rows) -> Report:
    return _statement(
        f"{_('Consignment settlement')} {s.number}",
        s.number,
        rows,
        _here((_("Producer"), s.producer.name), (_("Period"), _period(s.period_from, s.period_to))),
    )


def settlements(rows, producer_name: str | None) -> Report:
    return Report(
        _("Consignment settlements"),
        [
            Column(_("Number")),
            Column(_("Producer")),
            Column(_("From"), "date"),
            Column(_("To"), "date"),
            Column(_("Units sold"), "count", total=True),
            Column(_("Revenue"), "money", total=True),
            Column(_("Commission"), "money", total=True),
            Column(_("Payable"), "money", total=True),
            Column(_("Settled by")),
            Column(_("Settled"), "datetime"),
        ],
        [
            [
                s.number,
                s.producer.name,
                s.period_from,
                s.period_to,
                s.units,
                s.revenue,
                s.commission,
                s.payable,
                s.settled_by.username,
                s.settled_at,
            ]
            for s in rows
        ],
        "consignment-settlements",
        _here((_("Producer"), producer_name or _("All"))),
    )


def valuation(result) -> Report:
    return Report(
        _("Stock valuation at weighted-average cost"),
        _stock_columns(),
        [[r.product.sku, r.product.name_vi, r.on_hand, r.average_cost, r.value] for r in result.rows],
        f"valuation-{result.as_of.isoformat() if result.as_of else 'now'}",
        _here((_("As of"), format_date(result.as_of) if result.as_of else _("now"))),
    )
