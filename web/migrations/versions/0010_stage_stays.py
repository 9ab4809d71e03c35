"""stage stays (the dashboard's time in stage) and indexes that answer the dashboard from an index alone

Each case's stays in its stages (``stage_stay``), kept with the stage changes,
are back-filled from the ``stage_changed`` events: a stay runs from the event
that entered a stage to the next change, or to the case's completion or
termination; the last one of a running or suspended case stays open. A stage a case held
before its first recorded change counts from the case's start.

The indexes let PostgreSQL answer the dashboard's counts from an index alone
(index-only scans), without reading the cases' rows and their serialized state:
running cases per stage (and how long they have run), cases started per month
with their firms, and the open tasks per role (a partial index: open tasks
only), which the inbox counts on every page read too.
The case list of a province narrowed to a stage finds its cases by (province, stage).

Revision ID: 0010_stage_stays
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_stage_stays"
down_revision = "0009"
branch_labels = None
depends_on = None

BACKFILL = """
WITH changes AS (
    SELECT e.instance_id, {src} AS src, {dst} AS dst, e.at,
           row_number() OVER (PARTITION BY e.instance_id ORDER BY e.at, e.id) AS rn,
           lead(e.at) OVER (PARTITION BY e.instance_id ORDER BY e.at, e.id) AS next_at
    FROM event e WHERE e.action = 'stage_changed' AND e.instance_id IS NOT NULL
)
INSERT INTO stage_stay (instance_id, process_id, province, stage, entered_at, left_at)
SELECT p.id, p.process_id, p.province, c.src, p.started_at, {later}(c.at, p.started_at)
FROM changes c JOIN process_instance p ON p.id = c.instance_id
WHERE c.rn = 1 AND c.src IS NOT NULL AND c.src <> ''
UNION ALL
SELECT p.id, p.process_id, p.province, c.dst, c.at,
       CASE WHEN c.next_at IS NOT NULL THEN {later}(c.next_at, c.at)
            WHEN p.status IN ('completed', 'terminated') AND p.completed_at IS NOT NULL
                THEN {later}(p.completed_at, c.at)
       END
FROM changes c JOIN process_instance p ON p.id = c.instance_id
WHERE c.dst IS NOT NULL AND c.dst <> ''
"""


INDEXES = [
    ("ix_process_instance_status_figures", "process_instance", ["status", "process_id", "province", "stage", "started_at"]),
    ("ix_process_instance_started_firms", "process_instance", ["started_at", "province", "process_id", "firms"]),
    ("ix_process_instance_province_stage", "process_instance", ["province", "stage", "updated_at"]),
]
OPEN_TASKS = ("ix_task_open_role", "task", ["role", "province", "assignee", "due_at", "instance_id"])


def upgrade():
    op.create_table(
        "stage_stay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.String(length=255), nullable=False),
        sa.Column("province", sa.String(length=40), nullable=True),
        sa.Column("stage", sa.String(length=80), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        sql = BACKFILL.format(src="e.data->>'from'", dst="e.data->>'to'", later="greatest")
    else:
        sql = BACKFILL.format(src="json_extract(e.data, '$.from')", dst="json_extract(e.data, '$.to')",
                              later="max")
    op.execute(sql)
    op.create_index("ix_stage_stay_entered_at", "stage_stay", ["entered_at"])
    op.create_index("ix_stage_stay_instance_left", "stage_stay", ["instance_id", "left_at"])
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    name, table, columns = OPEN_TASKS
    op.create_index(name, table, columns, postgresql_where=sa.text("status = 'open'"),
                    sqlite_where=sa.text("status = 'open'"))


def downgrade():
    op.drop_index(OPEN_TASKS[0], table_name=OPEN_TASKS[1])
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_index("ix_stage_stay_instance_left", table_name="stage_stay")
    op.drop_index("ix_stage_stay_entered_at", table_name="stage_stay")
    op.drop_table("stage_stay")
