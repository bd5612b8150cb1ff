"""e-invoices: settings, the invoice issued with each sale or return, and the counters numbering them

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 20:55:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # Money: 64-bit (pos.models.base.Int64)


def upgrade():
    op.create_table(
        "einvoice_counters",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("last", BIG, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_einvoice_counters")),
    )
    op.create_table(
        "einvoice_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("seller_tax_code", sa.String(length=14), nullable=False),
        sa.Column("seller_name", sa.String(length=400), nullable=False),
        sa.Column("seller_address", sa.String(length=400), nullable=False),
        sa.Column("form", sa.String(length=1), nullable=False),
        sa.Column("symbol", sa.String(length=6), nullable=False),
        sa.Column("block", sa.String(length=5), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("spec_version", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("form IN ('1', '2')", name=op.f("ck_einvoice_settings_form")),
        sa.CheckConstraint("spec_version IN ('2.0.1', '2.1.0')", name=op.f("ck_einvoice_settings_spec_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_einvoice_settings")),
    )
    op.create_table(
        "einvoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("sale_id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=True),
        sa.Column("related_id", sa.Integer(), nullable=True),
        sa.Column("form", sa.String(length=1), nullable=False),
        sa.Column("symbol", sa.String(length=6), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("authority_code", sa.String(length=23), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("spec_version", sa.String(length=8), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("seller_tax_code", sa.String(length=14), nullable=False),
        sa.Column("seller_name", sa.String(length=400), nullable=False),
        sa.Column("seller_address", sa.String(length=400), nullable=False),
        sa.Column("buyer_name", sa.String(length=400), nullable=False),
        sa.Column("buyer_tax_code", sa.String(length=14), nullable=False),
        sa.Column("buyer_address", sa.String(length=400), nullable=False),
        sa.Column("buyer_phone", sa.String(length=20), nullable=False),
        sa.Column("buyer_id_number", sa.String(length=12), nullable=False),
        sa.Column("discount_total", BIG, nullable=False),
        sa.Column("total_before_vat", BIG, nullable=False),
        sa.Column("vat_total", BIG, nullable=False),
        sa.Column("total", BIG, nullable=False),
        sa.Column("amount_in_words", sa.String(length=400), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("provider_reply", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('original', 'adjustment', 'replacement')", name=op.f("ck_einvoices_kind")),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'refused')", name=op.f("ck_einvoices_status")),
        sa.CheckConstraint("number >= 1 AND number <= 99999999", name=op.f("ck_einvoices_number_range")),
        sa.ForeignKeyConstraint(["related_id"], ["einvoices.id"], name=op.f("fk_einvoices_related_id_einvoices")),
        sa.ForeignKeyConstraint(["return_id"], ["sale_returns.id"], name=op.f("fk_einvoices_return_id_sale_returns")),
        sa.ForeignKeyConstraint(["sale_id"], ["sales.id"], name=op.f("fk_einvoices_sale_id_sales")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_einvoices")),
        sa.UniqueConstraint("authority_code", name=op.f("uq_einvoices_authority_code")),
        sa.UniqueConstraint("form", "symbol", "number", name=op.f("uq_einvoices_form_symbol_number")),
        sa.UniqueConstraint("return_id", name=op.f("uq_einvoices_return_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_einvoices_uuid")),
    )
    op.create_index("ix_einvoices_issued_at", "einvoices", ["issued_at"], unique=False)
    op.create_index("ix_einvoices_sale_id", "einvoices", ["sale_id"], unique=False)
    op.create_index("ix_einvoices_status_next", "einvoices", ["status", "next_attempt_at"], unique=False)


def downgrade():
    op.drop_index("ix_einvoices_status_next", table_name="einvoices")
    op.drop_index("ix_einvoices_sale_id", table_name="einvoices")
    op.drop_index("ix_einvoices_issued_at", table_name="einvoices")
    op.drop_table("einvoices")
    op.drop_table("einvoice_settings")
    op.drop_table("einvoice_counters")
