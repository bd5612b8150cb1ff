"""customer displays: a screen facing the shopper, paired with one till by a short code

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 20:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_displays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_token_hash", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=6), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(), nullable=True),
        sa.Column("requested_from", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("till_token_hash", sa.String(length=64), nullable=True),
        sa.Column("paired_at", sa.DateTime(), nullable=True),
        sa.Column("paired_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("state", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["paired_by_id"], ["users.id"], name=op.f("fk_customer_displays_paired_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_displays")),
        sa.UniqueConstraint("code", name=op.f("uq_customer_displays_code")),
        sa.UniqueConstraint("display_token_hash", name=op.f("uq_customer_displays_display_token_hash")),
        sa.UniqueConstraint("till_token_hash", name=op.f("uq_customer_displays_till_token_hash")),
    )


def downgrade():
    op.drop_table("customer_displays")
