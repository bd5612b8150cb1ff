"""outbox: the 'serials' event (a showroom's serials issued with its labels, for central)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 08:15:00

"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('sale', 'return', 'shift_close')"
NEW_KINDS = "kind IN ('sale', 'return', 'shift_close', 'serials')"


def upgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_outbox_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_outbox_kind"), NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM outbox WHERE kind = 'serials'")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_outbox_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_outbox_kind"), OLD_KINDS)
