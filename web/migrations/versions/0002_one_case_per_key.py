"""one case per process, province and year: process_instance.unique_key, process_definition.one_case_per

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    # plain ADD COLUMN and a unique index: SQLite's batch mode would rebuild process_instance, and dropping
    # the old table cascades to every task, event and timer of the released cases
    op.add_column("process_instance", sa.Column("unique_key", sa.String(length=255), nullable=True))
    op.create_index("ix_process_instance_unique_key", "process_instance", ["unique_key"], unique=True)
    op.add_column("process_definition", sa.Column("one_case_per", sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.drop_column("one_case_per")
    op.drop_index("ix_process_instance_unique_key", table_name="process_instance")
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_column("unique_key")
