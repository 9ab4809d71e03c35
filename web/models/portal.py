"""What firms do in the portal, kept in tables: survey answers, joint-action registrations, delivery and
feedback, and the CDA's announcements to a cluster case's firms.

Written in the transaction of the task that carries them (web/services/firms/participation.py) or of the
CDA's action, so the portal, the CDA's counts and the service card query tables, never workflow state.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class Announcement(db.Model):
    """A CDA's announcement to the firms of a cluster case."""

    __tablename__ = "announcement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    posted_by: Mapped[str] = mapped_column(String(80))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SurveyResponse(db.Model):
    """A firm's answers to a cluster case's diagnostic survey (``case_id``: the cluster case)."""

    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("survey_case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    survey_case_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    answers: Mapped[dict] = mapped_column(JSON)
    answered_by: Mapped[str | None] = mapped_column(String(80))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JointActionRegistration(db.Model):
    """A firm taking part in a joint action, with its share of the cost (rials; None: no share)."""

    __tablename__ = "joint_action_registration"
    __table_args__ = (UniqueConstraint("joint_action_id", "firm_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    joint_action_id: Mapped[int] = mapped_column(ForeignKey("joint_action.id", ondelete="CASCADE"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    participants: Mapped[int | None] = mapped_column(Integer)
    cost_share: Mapped[int | None] = mapped_column(BigInteger)
    registered_by: Mapped[str | None] = mapped_column(String(80))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class JointActionDelivery(db.Model):
    """A joint action the CDA marked done: when, and what it left (a report, the documents given out)."""

    __tablename__ = "joint_action_delivery"

    joint_action_id: Mapped[int] = mapped_column(ForeignKey("joint_action.id", ondelete="CASCADE"),
                                                 primary_key=True)
    report: Mapped[str | None] = mapped_column(Text)
    # a document given to the firms (an attachment of the cluster case, read by its registered firms)
    attachment_id: Mapped[str | None] = mapped_column(String(32))
    done_by: Mapped[str] = mapped_column(String(80))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class JointActionFeedback(db.Model):
    """A firm's feedback on a joint action it took part in, with a satisfaction score from 1 to 5."""

    __tablename__ = "joint_action_feedback"
    __table_args__ = (UniqueConstraint("joint_action_id", "firm_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    joint_action_id: Mapped[int] = mapped_column(ForeignKey("joint_action.id", ondelete="CASCADE"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    satisfaction: Mapped[int] = mapped_column(Integer)
    feedback: Mapped[str | None] = mapped_column(Text)
    given_by: Mapped[str | None] = mapped_column(String(80))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
