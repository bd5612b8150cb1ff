"""e-invoice sending: each invoice's XML as built and checked once, and the counts central shows per showroom

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 07:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("einvoices") as batch:
        batch.add_column(sa.Column("xml", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("showroom_keys") as batch:
        batch.add_column(sa.Column("einvoices_pending", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("einvoices_refused", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("einvoices_unsent_today", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("status_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("showroom_keys") as batch:
        batch.drop_column("status_at")
        batch.drop_column("einvoices_unsent_today")
        batch.drop_column("einvoices_refused")
        batch.drop_column("einvoices_pending")
    with op.batch_alter_table("einvoices") as batch:
        batch.drop_column("xml")
