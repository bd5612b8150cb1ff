"""int8_sum: an aggregate adding bigints as bigints, for central's reports (pos.models.central.INT8_SUM)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 14:00:00

"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# The statement as of this revision (pos.models.central.INT8_SUM may change later).
INT8_SUM = "CREATE OR REPLACE AGGREGATE int8_sum(bigint) (SFUNC = int8pl, STYPE = bigint)"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(INT8_SUM)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP AGGREGATE IF EXISTS int8_sum(bigint)")
