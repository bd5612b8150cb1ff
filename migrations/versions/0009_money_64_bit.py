"""money and unbounded counts are 64-bit

A 2.400.000.000 ₫ sale (three peach trees at Tết) does not fit PostgreSQL's `integer` (at most
2.147.483.647): every money column, and every count a ledger adds up, becomes `bigint`. SQLite's INTEGER
already holds 64 bits, so a showroom's SQLite database is left as it is (the models keep the name INTEGER
there: pos.models.base.Money), and none of its tables is rebuilt.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:30:00
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = {
    "products": ("price",),
    "lots": ("on_hand",),
    "stock_levels": ("on_hand", "average_cost"),
    "stock_movements": ("unit_cost", "amount"),
    "goods_receipt_lines": ("unit_cost",),
    "stock_count_lines": ("expected", "unit_cost", "counted"),
    "transfer_lines": ("unit_cost",),
    "consignment_settlements": ("units", "revenue", "commission", "payable"),
    "shifts": ("opening_float", "counted_cash", "expected_cash"),
    "cash_movements": ("amount",),
    "sales": ("subtotal", "discount_total", "total", "vat_total"),
    "sale_lines": ("unit_price", "discount", "amount", "vat_amount", "unit_cost"),
    "payments": ("amount", "tendered", "change"),
    "sale_returns": ("total", "vat_total"),
    "sale_return_lines": ("amount", "vat_amount"),
    "remote_sales": ("total", "vat_total"),
    "remote_sale_lines": ("amount", "vat_amount", "cost", "commission"),
}


def _alter(type_: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        # One statement per table: PostgreSQL rewrites the table once, not once per column.
        op.execute(f"ALTER TABLE {table} " + ", ".join(f'ALTER COLUMN "{c}" TYPE {type_}' for c in columns))


def upgrade():
    _alter("BIGINT")


def downgrade():
    _alter("INTEGER")  # fails, changing nothing, if a stored figure no longer fits
