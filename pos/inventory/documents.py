"""What the stock documents share: goods receipts (receipts.py), transfers (transfers.py) and count sheets
(counts.py) are thrown away alike while drafts, and receipts and transfers list their lines alike in the audit log;
statements (consignment.py, valuation.py) total their rows alike."""

from sqlalchemy import delete

from pos.core.audit import record_audit
from pos.core.extensions import db


class RowTotal:
    """A document's total of one figure of its rows: `units = RowTotal("on_hand")` sums row.on_hand."""

    def __init__(self, figure: str):
        self.figure = figure

    def __get__(self, document, owner=None) -> int:
        return sum(getattr(row, self.figure) for row in document.rows)


def lines_snapshot(lines, *extra: str) -> list[dict]:
    """Each line as the audit log keeps it: product code, lot, quantity, cost and expiry, then `extra` fields."""
    return [
        {
            "sku": line.product.sku,
            "lot_code": line.lot_code,
            "quantity": line.quantity,
            "unit_cost": line.unit_cost,
            "expiry_date": line.expiry_date.isoformat() if line.expiry_date else None,
            **{name: getattr(line, name) for name in extra},
        }
        for line in lines
    ]


def delete_document(document, lines_column, entity: str, before: dict, user) -> str:
    """Throw a draft document away with its lines (`lines_column`: the lines' column naming it, such as
    TransferLine.transfer_id); the audit log keeps `before`. Inside atomic(); returns its number."""
    number, model = document.number, type(document)
    db.session.execute(delete(lines_column.class_).where(lines_column == document.id))
    db.session.execute(delete(model).where(model.id == document.id))
    db.session.expunge(document)
    record_audit("delete", entity, number, before=before, user=user)
    return number
