"""The task projection the inboxes read."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime

TASK_STATUSES = ("open", "completed", "cancelled")


class TaskRecord(db.Model):
    """A user task, open or finished, kept in step with the workflow state in the same transaction."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_inbox", "status", "role", "province"),
        Index("ix_task_assignee", "assignee", "status"),
        Index("ix_task_instance_status", "instance_id", "status"),
        # open tasks per role (the dashboard, the inbox counts), from the index alone (migration 0010)
        Index("ix_task_open_role", "role", "province", "assignee", "due_at", "instance_id",
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    process_id: Mapped[str] = mapped_column(String(255))
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))   # the designer's English name, if given
    role: Mapped[str | None] = mapped_column(String(80))
    province: Mapped[str | None] = mapped_column(String(40))
    firm_id: Mapped[int | None] = mapped_column(Integer, index=True)   # the case's firm (firms' inbox)
    form_id: Mapped[str | None] = mapped_column(String(255))
    assignee: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="open")
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(80))
    data: Mapped[dict | None] = mapped_column(JSON)  # what the completer submitted
