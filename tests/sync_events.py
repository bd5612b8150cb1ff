"""Sale and return events as a showroom sends them (docs/sync-payloads.md), for the central tests and the sync
benchmark: a line from what was sold, a sale from its lines (its totals and one cash payment summed from them), a
return of a sale's first line. VAT is 8 %, inside the amount; discounts are none."""

import uuid


def sale_line(line_no, sku, name_vi, producer, ocop_group, quantity, unit_price, **facts) -> dict:
    """`facts`: stars (None: sold unrated), potential_5_star, unit_cost (None: unknown), consignment and
    commission_percent (of the amount, the showroom's on consigned goods)."""
    amount = quantity * unit_price
    consignment = facts.get("consignment", False)
    return {
        "line_no": line_no,
        "sku": sku,
        "gtin": "",
        "name_vi": name_vi,
        "producer": producer,
        "producer_tax_code": "",
        "ocop_group": ocop_group,
        "stars": facts.get("stars"),
        "potential_5_star": facts.get("potential_5_star", False),
        "quantity": quantity,
        "unit_price": unit_price,
        "discount": 0,
        "amount": amount,
        "vat_rate": 8,
        "vat_amount": amount * 8 // 108,
        "unit_cost": facts.get("unit_cost"),
        "consignment": consignment,
        "commission": amount * facts.get("commission_percent", 0) // 100 if consignment else 0,
    }


def sale_event(showroom: str, number: str, created_at: str, lines: list[dict], *, uuid_text: str = "") -> dict:
    """`created_at`: UTC, as '2026-11-23T03:12:09Z'."""
    total = sum(line["amount"] for line in lines)
    return {
        "version": 1,
        "kind": "sale",
        "uuid": uuid_text or str(uuid.uuid4()),
        "showroom": showroom,
        "number": number,
        "created_at": created_at,
        "cashier": "c",
        "shift_id": 1,
        "total": total,
        "vat_total": sum(line["vat_amount"] for line in lines),
        "discount_total": 0,
        "lines": lines,
        "payments": [{"method": "cash", "amount": total}],
    }


def return_event(sale: dict, created_at: str, *, quantity=None, amount=None, vat_amount=None) -> dict:
    """Units of the sale's first line brought back: all of them unless `quantity` says, refunded at its unit price
    with the VAT inside, unless `amount` and `vat_amount` say otherwise."""
    line = sale["lines"][0]
    quantity = line["quantity"] if quantity is None else quantity
    amount = line["unit_price"] * quantity if amount is None else amount
    vat_amount = amount * 8 // 108 if vat_amount is None else vat_amount
    return {
        "version": 1,
        "kind": "return",
        "uuid": str(uuid.uuid4()),
        "showroom": sale["showroom"],
        "sale_uuid": sale["uuid"],
        "sale_number": sale["number"],
        "number": "R-1",
        "created_at": created_at,
        "reason": "lỗi",
        "approved_by": "m",
        "refund_method": "cash",
        "total": amount,
        "vat_total": vat_amount,
        "lines": [{"line_no": 1, "sku": line["sku"], "quantity": quantity, "amount": amount, "vat_amount": vat_amount}],
    }
