"""sessions end together: a session generation per user; sign-in failures by user and address

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_login_attempt_username_address_at", ["username", "address", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("login_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempt_username_address_at")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("session_generation")
