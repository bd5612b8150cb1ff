"""einvoice_xml: each invoice's built XML in a table of its own, so the queue's rows stay narrow

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 13:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "einvoice_xml",
        sa.Column("einvoice_id", sa.Integer(), nullable=False),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["einvoice_id"], ["einvoices.id"], name=op.f("fk_einvoice_xml_einvoice_id_einvoices")),
        sa.PrimaryKeyConstraint("einvoice_id", name=op.f("pk_einvoice_xml")),
    )
    as_bytes = "convert_to(xml, 'UTF8')" if _postgresql() else "CAST(xml AS BLOB)"
    op.execute(f"INSERT INTO einvoice_xml (einvoice_id, xml) SELECT id, {as_bytes} FROM einvoices WHERE xml != ''")
    # ALTER TABLE … DROP COLUMN in place (SQLite 3.35+), not a batch: that would copy einvoices into a new
    # table and drop the old one under einvoice_xml's foreign key
    op.drop_column("einvoices", "xml")


def downgrade():
    op.add_column("einvoices", sa.Column("xml", sa.Text(), nullable=False, server_default=""))
    as_text = "convert_from(x.xml, 'UTF8')" if _postgresql() else "CAST(x.xml AS TEXT)"
    op.execute(
        f"UPDATE einvoices SET xml = (SELECT {as_text} FROM einvoice_xml x WHERE x.einvoice_id = einvoices.id)"
        " WHERE id IN (SELECT einvoice_id FROM einvoice_xml)"
    )
    op.drop_table("einvoice_xml")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"
