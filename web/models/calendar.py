"""Days the office is closed by an administrator's decision (air pollution, national mourning)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class Closure(db.Model):
    """A one-off day off, on top of the official holidays; who declared it and why."""

    __tablename__ = "closure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)       # the Tehran calendar day
    reason: Mapped[str] = mapped_column(Text)
    declared_by: Mapped[str] = mapped_column(String(80))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime)
