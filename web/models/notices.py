"""Notices to people (in the app, by e-mail, by SMS) and how each person wants them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime

NOTICE_KINDS = ("task_opened", "task_handed_over", "task_due_soon", "task_overdue", "case_failed")
EMAIL_STATES = ("none", "queued", "digest", "sent", "failed")


class Notice(db.Model):
    """One thing one person should know; shown under the bell until read, e-mailed by the worker.

    The text is not stored: it is made from ``kind`` and ``params`` in the reader's language
    (Persian in e-mails).
    """

    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_username_read_at", "username", "read_at"),
                      Index("ix_notice_task_kind", "task_id", "kind"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    instance_id: Mapped[int | None] = mapped_column(Integer)
    task_id: Mapped[str | None] = mapped_column(String(36))
    params: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email: Mapped[str] = mapped_column(String(12), default="none")
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticePreference(db.Model):
    """A person's e-mail address and how they want notices (absent row: in the app only)."""

    __tablename__ = "notice_preference"

    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254))
    email_on: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)   # one mail a day instead of one per notice
    phone: Mapped[str | None] = mapped_column(String(20))
    sms_on: Mapped[bool] = mapped_column(Boolean, default=False)
