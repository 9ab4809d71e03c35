"""firm representatives: people acting for firms of the register; the firm a case or task is about

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMN and unique indexes: no table rebuild (see 0002)
    op.add_column("user_account", sa.Column("national_id", sa.String(length=10), nullable=True))
    op.add_column("user_account", sa.Column("mobile", sa.String(length=11), nullable=True))
    op.create_index("ix_user_account_national_id", "user_account", ["national_id"], unique=True)
    op.create_index("ix_user_account_mobile", "user_account", ["mobile"], unique=True)
    op.add_column("process_instance", sa.Column("firm_id", sa.Integer(), nullable=True))
    op.create_index("ix_process_instance_firm_id", "process_instance", ["firm_id"])
    op.add_column("task", sa.Column("firm_id", sa.Integer(), nullable=True))
    op.create_index("ix_task_firm_id", "task", ["firm_id"])
    op.create_table(
        "firm_representation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("firm_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("invited_by", sa.String(length=80), nullable=True),
        sa.Column("confirmed_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["firm_id"], ["firm.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "firm_id"),
    )
    op.create_index("ix_firm_representation_user_id", "firm_representation", ["user_id"])
    op.create_index("ix_firm_representation_firm_status", "firm_representation", ["firm_id", "status"])


def downgrade():
    op.drop_index("ix_firm_representation_firm_status", table_name="firm_representation")
    op.drop_index("ix_firm_representation_user_id", table_name="firm_representation")
    op.drop_table("firm_representation")
    op.drop_index("ix_task_firm_id", table_name="task")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("firm_id")
    op.drop_index("ix_process_instance_firm_id", table_name="process_instance")
    with op.batch_alter_table("process_instance") as batch:
        batch.drop_column("firm_id")
    op.drop_index("ix_user_account_mobile", table_name="user_account")
    op.drop_index("ix_user_account_national_id", table_name="user_account")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("mobile")
        batch.drop_column("national_id")
