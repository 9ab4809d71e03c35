"""The inquiries register (the service card's Form 2): each inquiry to another agency and its answer."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class Inquiry(db.Model):
    __tablename__ = "inquiry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    agency: Mapped[str] = mapped_column(String(80), index=True)
    province: Mapped[str] = mapped_column(String(40), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"),
                                                    index=True)
    case_key: Mapped[str | None] = mapped_column(String(120))
    items: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    by_api: Mapped[bool] = mapped_column(Boolean, default=False)    # answered through the agency's integration
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
