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
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unique_key", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint("uq_process_instance_unique_key", ["unique_key"])
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("one_case_per", sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.drop_column("one_case_per")
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_constraint("uq_process_instance_unique_key", type_="unique")
        batch_op.drop_column("unique_key")
