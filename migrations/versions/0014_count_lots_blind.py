"""count sheets: a line per lot, and blind counts

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 17:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("stock_counts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blind", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("stock_count_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lot_id", sa.Integer(), nullable=True))
        batch_op.drop_constraint("uq_stock_count_lines_count_id_product_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_stock_count_lines_count_id_product_id_lot_id"), ["count_id", "product_id", "lot_id"]
        )
        batch_op.create_foreign_key(batch_op.f("fk_stock_count_lines_lot_id_lots"), "lots", ["lot_id"], ["id"])


def downgrade():
    with op.batch_alter_table("stock_count_lines", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_stock_count_lines_lot_id_lots"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_stock_count_lines_count_id_product_id_lot_id"), type_="unique")
        batch_op.create_unique_constraint("uq_stock_count_lines_count_id_product_id", ["count_id", "product_id"])
        batch_op.drop_column("lot_id")
    with op.batch_alter_table("stock_counts", schema=None) as batch_op:
        batch_op.drop_column("blind")
