"""Running and finished process instances, and what they wait for."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime

STATUSES = ("running", "completed", "suspended", "terminated")


class ProcessInstance(db.Model):
    """A case (or round): its serialized workflow and what supervisors filter on.

    ``lock_version`` is the optimistic lock: a second writer that read an older
    version fails at commit instead of overwriting the first.
    """

    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_process_instance_status_province", "status", "province"),
        # reports and the case list at scale (migration 0007)
        Index("ix_process_instance_started_at", "started_at"),
        Index("ix_process_instance_updated_at", "updated_at"),
        Index("ix_process_instance_province_started", "province", "started_at"),
        Index("ix_process_instance_process_started", "process_id", "started_at"),
        # the dashboard's counts from an index alone (migration 0010)
        Index("ix_process_instance_status_figures", "status", "process_id", "province", "stage", "started_at"),
        Index("ix_process_instance_started_firms", "started_at", "province", "process_id", "firms"),
        # the case list of a province narrowed to a stage, newest changes first (migration 0010)
        Index("ix_process_instance_province_stage", "province", "stage", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(255), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    # the serialized workflow: deferred, so lists, reports and inboxes never read it; the paths that
    # restore a workflow ask for it (``undefer``), anything else touching it loads it on first access
    state: Mapped[str] = mapped_column(Text, deferred=True)
    serializer_version: Mapped[str] = mapped_column(String(16))
    province: Mapped[str | None] = mapped_column(String(40))
    cluster_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # the firm a case is about (a firm's survey answers, its registration for a joint action...): firm
    # representatives see only the cases of their own firms
    firm_id: Mapped[int | None] = mapped_column(Integer, index=True)
    stage: Mapped[str | None] = mapped_column(String(80))
    # the firms a case serves, as its process states them (data variable ``firms_count``), for reports
    firms: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(String(255))
    started_by: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # ids of the diagram's elements the case has passed through (kept here: the live state is compacted)
    visited: Mapped[list | None] = mapped_column(JSON)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    # "<process>|<province>|<value>..." for processes that allow one case per such key (start event property
    # ``one_case_per``), while the case runs or after it completed; cleared when it is terminated. Unique, so
    # two concurrent starts cannot both succeed.
    unique_key: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)

    __mapper_args__ = {"version_id_col": lock_version}

    version = relationship("ProcessVersion")


TIMER_STATUSES = ("waiting", "failed")


class Timer(db.Model):
    """The next due time of each waiting timer, for the workers.

    A worker claims a due row by setting ``lease_until``/``claimed_by``; a
    claim whose lease has passed (the worker died) is taken again. A failing
    timer is tried again at ``run_at`` (growing delays) until ``attempts``
    reaches the limit; then its ``status`` is ``failed`` until a supervisor
    retries the case. ``sync`` writes fresh rows whenever the instance changes.
    """

    __tablename__ = "timer"
    __table_args__ = (Index("ix_timer_status_run_at", "status", "run_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the due time, later after failures
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(Text)


class MessageWait(db.Model):
    """A message an instance waits for, with the correlation values it must carry."""

    __tablename__ = "message_wait"
    __table_args__ = (Index("ix_message_wait_name_correlation", "name", "correlation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    correlation: Mapped[str] = mapped_column(String(1000))  # canonical JSON of {key: value}
