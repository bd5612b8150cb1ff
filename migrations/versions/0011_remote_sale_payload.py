"""remote_sales.payload: the event as received, for a restored showroom to take back

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 16:55:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("remote_sales", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("remote_sales", schema=None) as batch_op:
        batch_op.drop_column("payload")
