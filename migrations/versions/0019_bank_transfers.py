"""bank transfers: each provider notice stored once, and the VietQR each till showed for a sale

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 21:00:00

"""

import sqlalchemy as sa
from alembic import op

from pos.models.base import Int64

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bank_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=8), nullable=False),
        sa.Column("provider_ref", sa.String(length=64), nullable=False),
        sa.Column("bank_reference", sa.String(length=64), nullable=False),
        sa.Column("account_number", sa.String(length=32), nullable=False),
        sa.Column("amount", Int64(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("content", sa.String(length=500), nullable=False),
        sa.Column("order_code", sa.BigInteger(), nullable=True),
        sa.Column("transacted_at", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("showroom_code", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("sale_uuid", sa.String(length=36), nullable=True),
        sa.Column("sale_number", sa.String(length=32), nullable=False),
        sa.Column("problem", sa.String(length=200), nullable=False),
        sa.Column("handled_by", sa.String(length=64), nullable=False),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_bank_transfers_amount_positive")),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_bank_transfers_direction")),
        sa.CheckConstraint(
            "status IN ('received', 'ignored', 'matched', 'attached', 'unmatched', 'handled')",
            name=op.f("ck_bank_transfers_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_transfers")),
        sa.UniqueConstraint("provider", "provider_ref", name=op.f("uq_bank_transfers_provider_provider_ref")),
    )
    op.create_index("ix_bank_transfers_status", "bank_transfers", ["status"])
    op.create_index(op.f("ix_bank_transfers_sale_uuid"), "bank_transfers", ["sale_uuid"])
    op.create_table(
        "vietqr_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sale_uuid", sa.String(length=36), nullable=False),
        sa.Column("sale_number", sa.String(length=32), nullable=False),
        sa.Column("amount", Int64(), nullable=False),
        sa.Column("provider", sa.String(length=8), nullable=False),
        sa.Column("order_code", sa.BigInteger(), nullable=True),
        sa.Column("payment_link_id", sa.String(length=64), nullable=False),
        sa.Column("qr_payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_vietqr_requests_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vietqr_requests")),
        sa.UniqueConstraint("order_code", name=op.f("uq_vietqr_requests_order_code")),
    )
    op.create_index(op.f("ix_vietqr_requests_sale_uuid"), "vietqr_requests", ["sale_uuid"])


def downgrade():
    op.drop_index(op.f("ix_vietqr_requests_sale_uuid"), table_name="vietqr_requests")
    op.drop_table("vietqr_requests")
    op.drop_index(op.f("ix_bank_transfers_sale_uuid"), table_name="bank_transfers")
    op.drop_index("ix_bank_transfers_status", table_name="bank_transfers")
    op.drop_table("bank_transfers")
