"""The append-only history users read."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class Event(db.Model):
    """Who did what, when, with what data. Rows are only ever added."""

    __tablename__ = "event"
    # the dashboard reads each case's stage changes in order (migration 0007)
    __table_args__ = (Index("ix_event_action_instance_at", "action", "instance_id", "at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)
    actor: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StageStay(db.Model):
    """One stay of a case in a stage: from entering it to entering the next one, or to the case's end.

    Kept in the transaction that records the ``stage_changed`` event (web.services.stage_stays), so the
    dashboard's time in stage is one aggregate over this table. ``left_at`` is empty while the case is in the
    stage; ``province`` and ``process_id`` are the case's, copied here so the figures filter without a join.
    """

    __tablename__ = "stage_stay"
    __table_args__ = (Index("ix_stage_stay_entered_at", "entered_at"),
                      Index("ix_stage_stay_instance_left", "instance_id", "left_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    process_id: Mapped[str] = mapped_column(String(255))
    province: Mapped[str | None] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(80))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
