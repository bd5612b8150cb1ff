"""password attempts: the password throttle's counters, shared by every worker

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 16:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "password_attempts",
        sa.Column("bucket", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_ends", sa.DateTime(), nullable=False),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_password_attempts_attempts_not_negative")),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_password_attempts")),
    )


def downgrade():
    op.drop_table("password_attempts")
