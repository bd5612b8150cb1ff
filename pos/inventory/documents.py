"""What goods receipts (receipts.py) and transfers (transfers.py) share: how their lines read in the audit log."""


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
