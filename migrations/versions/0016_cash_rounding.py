"""cash rounding: a sale's and a return's own figure for rounding what is paid in cash

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 16:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sales", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cash_rounding", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("sale_returns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cash_rounding", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("sale_returns", schema=None) as batch_op:
        batch_op.drop_column("cash_rounding")
    with op.batch_alter_table("sales", schema=None) as batch_op:
        batch_op.drop_column("cash_rounding")
