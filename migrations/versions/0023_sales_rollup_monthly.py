"""sales_rollup_monthly: the per-showroom rollup summed per month, filled from the daily rollup

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

FIGURES = ("units", "revenue", "vat", "cost", "costed_revenue", "consignment_revenue", "commission")


def upgrade():
    op.create_table(
        "sales_rollup_monthly",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("showroom_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("potential_5_star", sa.Boolean(), nullable=False),
        *[sa.Column(name, sa.BigInteger(), nullable=False) for name in FIGURES],
        sa.ForeignKeyConstraint(
            ["product_id"], ["remote_products.id"], name=op.f("fk_sales_rollup_monthly_product_id_remote_products")
        ),
        sa.ForeignKeyConstraint(
            ["showroom_id"], ["showrooms.id"], name=op.f("fk_sales_rollup_monthly_showroom_id_showrooms")
        ),
        sa.PrimaryKeyConstraint(
            "month", "showroom_id", "product_id", "stars", "potential_5_star", name=op.f("pk_sales_rollup_monthly")
        ),
    )
    with op.batch_alter_table("sales_rollup_monthly", schema=None) as batch_op:
        batch_op.create_index("ix_sales_rollup_monthly_showroom_month", ["showroom_id", "month"], unique=False)
    # What central already holds: the daily rollup summed per month (the first day of the month, on either engine).
    month = (
        "date_trunc('month', day)::date"
        if op.get_bind().dialect.name == "postgresql"
        else "date(day, 'start of month')"
    )
    op.execute(
        f"INSERT INTO sales_rollup_monthly (month, showroom_id, product_id, stars, potential_5_star, "
        f"{', '.join(FIGURES)}) SELECT {month}, showroom_id, product_id, stars, potential_5_star, "
        f"{', '.join(f'sum({c})' for c in FIGURES)} FROM sales_rollup_daily GROUP BY 1, 2, 3, 4, 5"
    )


def downgrade():
    with op.batch_alter_table("sales_rollup_monthly", schema=None) as batch_op:
        batch_op.drop_index("ix_sales_rollup_monthly_showroom_month")
    op.drop_table("sales_rollup_monthly")
