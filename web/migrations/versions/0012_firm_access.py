"""firm access: one-time sign-in codes sent by SMS (hashed, expiring, single use)

Revision ID: 0012_firm_access
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_firm_access"
down_revision = "0010_stage_stays"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "one_time_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mobile", sa.String(length=11), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("salt", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_one_time_code_mobile_created", "one_time_code", ["mobile", "created_at"])
    op.create_index("ix_one_time_code_address_created", "one_time_code", ["address", "created_at"])


def downgrade():
    op.drop_index("ix_one_time_code_address_created", table_name="one_time_code")
    op.drop_index("ix_one_time_code_mobile_created", table_name="one_time_code")
    op.drop_table("one_time_code")
