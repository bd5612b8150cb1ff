"""stock_movements.average_cost_after: the weighted-average cost each costed movement left, so valuation as of a
date finds it (and each product's quantity) through one covering index instead of replaying the ledger

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 17:45:00

"""

import sqlalchemy as sa
from alembic import op

from pos.models.base import Int64

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

BATCH = 10_000


def upgrade():
    op.add_column("stock_movements", sa.Column("average_cost_after", Int64()))
    _fill_average_cost_after()
    op.drop_index("ix_stock_movements_product_at", table_name="stock_movements")
    op.create_index(
        "ix_stock_movements_product_at",
        "stock_movements",
        ["product_id", "at", "quantity", "average_cost_after"],
    )


def downgrade():
    op.drop_index("ix_stock_movements_product_at", table_name="stock_movements")
    op.create_index("ix_stock_movements_product_at", "stock_movements", ["product_id", "at"])
    op.drop_column("stock_movements", "average_cost_after")


def _fill_average_cost_after():
    """The ledger replayed once in its order (movement id), by move_stock's rule: goods in at a cost move the
    product's weighted average, round((q × a + n × c) / (q + n)); everything else moves only the quantity."""
    bind = op.get_bind()
    on_hand: dict[int, int] = {}
    average: dict[int, int] = {}
    costed = []
    rows = bind.execute(sa.text("SELECT id, product_id, quantity, unit_cost FROM stock_movements ORDER BY id"))
    for movement_id, product_id, quantity, unit_cost in rows:
        held = on_hand.get(product_id, 0)
        if quantity > 0 and unit_cost is not None:
            average[product_id] = round((held * average.get(product_id, 0) + quantity * unit_cost) / (held + quantity))
            costed.append({"id": movement_id, "average": average[product_id]})
        on_hand[product_id] = held + quantity
    update = sa.text("UPDATE stock_movements SET average_cost_after = :average WHERE id = :id")
    for start in range(0, len(costed), BATCH):
        bind.execute(update, costed[start : start + BATCH])
