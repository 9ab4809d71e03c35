"""The records that outlive a task: clusters and their rankings, joint actions, meetings and resolutions.

They are written from the data of completed tasks (web/services/records.py) in the same
transaction, so people and reports query tables rather than workflow state.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class Cluster(db.Model):
    """A business cluster of a province, as the latest identification round registered it."""

    __tablename__ = "cluster"
    __table_args__ = (UniqueConstraint("province", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province: Mapped[str] = mapped_column(String(40), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    isic4: Mapped[str | None] = mapped_column(String(20))
    subsector: Mapped[str | None] = mapped_column(String(40))
    counties: Mapped[str | None] = mapped_column(String(500))
    firms_micro: Mapped[int | None] = mapped_column(Integer)
    firms_small: Mapped[int | None] = mapped_column(Integer)
    firms_medium: Mapped[int | None] = mapped_column(Integer)
    employment: Mapped[int | None] = mapped_column(Integer)
    output: Mapped[int | None] = mapped_column(BigInteger)
    value_added: Mapped[int | None] = mapped_column(BigInteger)
    exports: Mapped[float | None] = mapped_column(Float)
    growth_3y: Mapped[float | None] = mapped_column(Float)
    lq: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClusterRanking(db.Model):
    """A cluster's score and rank in one identification round (a process instance)."""

    __tablename__ = "cluster_ranking"
    __table_args__ = (UniqueConstraint("round_id", "cluster_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("cluster.id", ondelete="CASCADE"), index=True)
    year: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    eligible: Mapped[bool | None] = mapped_column(Boolean)
    chosen: Mapped[bool] = mapped_column(Boolean, default=False)


class JointAction(db.Model):
    """A joint action of a cluster case's yearly action plan."""

    __tablename__ = "joint_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id"), index=True)
    plan_year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    pillar: Mapped[str | None] = mapped_column(String(40))
    horizon: Mapped[str | None] = mapped_column(String(20))
    action_type: Mapped[str | None] = mapped_column(String(20))
    lead_institution: Mapped[str | None] = mapped_column(String(200))
    firms_n: Mapped[int | None] = mapped_column(Integer)
    budget_total: Mapped[int | None] = mapped_column(BigInteger)
    budget_isipo: Mapped[int | None] = mapped_column(BigInteger)
    budget_others: Mapped[int | None] = mapped_column(BigInteger)
    kpi: Mapped[str | None] = mapped_column(String(200))
    kpi_baseline: Mapped[float | None] = mapped_column(Float)
    kpi_target: Mapped[float | None] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Meeting(db.Model):
    """A provincial committee or steering council meeting held for a case (or round)."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(String(20))  # committee | council
    meeting_date: Mapped[str | None] = mapped_column(String(10))  # Jalali, as entered
    agenda: Mapped[str | None] = mapped_column(Text)
    decision_mode: Mapped[str | None] = mapped_column(String(20))
    held_on: Mapped[str | None] = mapped_column(String(10))
    present_count: Mapped[int | None] = mapped_column(Integer)
    votes: Mapped[dict | None] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(20))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Resolution(db.Model):
    __tablename__ = "resolution"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(200))
    due: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="open")


class Firm(db.Model):
    """A firm of a cluster, as a feasibility study listed it."""

    __tablename__ = "firm"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    national_id: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[str | None] = mapped_column(String(10))  # micro | small | medium
    contact: Mapped[str | None] = mapped_column(String(200))
    province: Mapped[str | None] = mapped_column(String(40), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
