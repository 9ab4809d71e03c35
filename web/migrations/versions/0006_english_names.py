"""English names of processes and tasks, as the designer gives them (spiffworkflow property name_en)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_en", sa.String(length=255), nullable=True))
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_en", sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("name_en")
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.drop_column("name_en")
