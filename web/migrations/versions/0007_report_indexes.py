"""indexes for reports and lists at scale

The dashboard's time in stage reads the ``stage_changed`` events of each case in
order; the case list pages by start or update time (within a province for
provincial supervisors); the service card counts a process's cases started in a
period.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_event_action_instance_at", "event", ["action", "instance_id", "at", "id"]),
    ("ix_process_instance_started_at", "process_instance", ["started_at"]),
    ("ix_process_instance_updated_at", "process_instance", ["updated_at"]),
    ("ix_process_instance_province_started", "process_instance", ["province", "started_at"]),
    ("ix_process_instance_process_started", "process_instance", ["process_id", "started_at"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
