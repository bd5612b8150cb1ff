"""serials: products.serialized, the serials issued with labels, the serial on a sale line (one sold at a time),
serial scans per day; central's remote_serials and their scans

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 07:28:24

"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "remote_serial_scans_daily",
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("showroom_id", sa.Integer(), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.CheckConstraint("scans >= 0", name=op.f("ck_remote_serial_scans_daily_scans_not_negative")),
        sa.ForeignKeyConstraint(
            ["showroom_id"], ["showrooms.id"], name=op.f("fk_remote_serial_scans_daily_showroom_id_showrooms")
        ),
        sa.PrimaryKeyConstraint("serial", "day", "showroom_id", name=op.f("pk_remote_serial_scans_daily")),
    )
    op.create_table(
        "remote_serials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.Column("sku", sa.String(length=40), nullable=False),
        sa.Column("lot_code", sa.String(length=20), nullable=False),
        sa.Column("issued_showroom_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=True),
        sa.Column("sold_showroom_id", sa.Integer(), nullable=True),
        sa.Column("sold_at", sa.DateTime(), nullable=True),
        sa.Column("sale_uuid", sa.String(length=36), nullable=True),
        sa.Column("flag", sa.String(length=20), nullable=False),
        sa.Column("flagged_showroom_id", sa.Integer(), nullable=True),
        sa.Column("flagged_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "flag = '' OR flag IN ('sold_elsewhere', 'scanned_elsewhere', 'sold_not_issued')",
            name=op.f("ck_remote_serials_flag"),
        ),
        sa.ForeignKeyConstraint(
            ["flagged_showroom_id"], ["showrooms.id"], name=op.f("fk_remote_serials_flagged_showroom_id_showrooms")
        ),
        sa.ForeignKeyConstraint(
            ["issued_showroom_id"], ["showrooms.id"], name=op.f("fk_remote_serials_issued_showroom_id_showrooms")
        ),
        sa.ForeignKeyConstraint(
            ["sold_showroom_id"], ["showrooms.id"], name=op.f("fk_remote_serials_sold_showroom_id_showrooms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remote_serials")),
        sa.UniqueConstraint("serial", name=op.f("uq_remote_serials_serial")),
    )
    with op.batch_alter_table("remote_serials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_remote_serials_issued_showroom_id"), ["issued_showroom_id"], unique=False)

    op.create_table(
        "serials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("lot_code", sa.String(length=20), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("receipt_line_id", sa.Integer(), nullable=False),
        sa.Column("showroom", sa.String(length=10), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_serials_issued_by_id_users")),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_serials_lot_id_lots")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_serials_product_id_products")),
        sa.ForeignKeyConstraint(
            ["receipt_id"], ["goods_receipts.id"], name=op.f("fk_serials_receipt_id_goods_receipts")
        ),
        sa.ForeignKeyConstraint(
            ["receipt_line_id"], ["goods_receipt_lines.id"], name=op.f("fk_serials_receipt_line_id_goods_receipt_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serials")),
        sa.UniqueConstraint("serial", name=op.f("uq_serials_serial")),
    )
    with op.batch_alter_table("serials", schema=None) as batch_op:
        batch_op.create_index("ix_serials_product_receipt", ["product_id", "receipt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_serials_receipt_id"), ["receipt_id"], unique=False)

    with op.batch_alter_table("label_scans_daily", schema=None) as batch_op:
        batch_op.add_column(sa.Column("serial", sa.String(length=20), server_default="", nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_label_scans_daily_product_id_lot_code_day"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_label_scans_daily_product_id_lot_code_serial_day"),
            ["product_id", "lot_code", "serial", "day"],
        )

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("serialized", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("remote_sale_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("serial", sa.String(length=20), nullable=True))

    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("serial", sa.String(length=20), nullable=True))
        batch_op.create_index(
            "uq_sale_lines_serial_sold",
            ["serial"],
            unique=True,
            sqlite_where=sa.text("serial IS NOT NULL AND returned_quantity = 0"),
            postgresql_where=sa.text("serial IS NOT NULL AND returned_quantity = 0"),
        )


def downgrade():
    with op.batch_alter_table("sale_lines", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sale_lines_serial_sold",
            sqlite_where=sa.text("serial IS NOT NULL AND returned_quantity = 0"),
            postgresql_where=sa.text("serial IS NOT NULL AND returned_quantity = 0"),
        )
        batch_op.drop_column("serial")

    with op.batch_alter_table("remote_sale_lines", schema=None) as batch_op:
        batch_op.drop_column("serial")

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("serialized")

    with op.batch_alter_table("label_scans_daily", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_label_scans_daily_product_id_lot_code_serial_day"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_label_scans_daily_product_id_lot_code_day"), ["product_id", "lot_code", "day"]
        )
        batch_op.drop_column("serial")

    with op.batch_alter_table("serials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_serials_receipt_id"))
        batch_op.drop_index("ix_serials_product_receipt")

    op.drop_table("serials")
    with op.batch_alter_table("remote_serials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_remote_serials_issued_showroom_id"))

    op.drop_table("remote_serials")
    op.drop_table("remote_serial_scans_daily")
