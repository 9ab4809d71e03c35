"""The permits register (the service card's Form 1): each permit a case holds, and each request about it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime

PERMIT_TYPES = ("issue", "renewal", "amendment", "cancellation")


class Permit(db.Model):
    """A permit a case was granted: its number, validity and state (active, expired, cancelled)."""

    __tablename__ = "permit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    province: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    case_key: Mapped[str | None] = mapped_column(String(120), index=True)
    number: Mapped[str | None] = mapped_column(String(80))
    issued_on: Mapped[str | None] = mapped_column(String(10))      # Jalali YYYY/MM/DD
    valid_until: Mapped[str | None] = mapped_column(String(10))    # Jalali YYYY/MM/DD
    status: Mapped[str] = mapped_column(String(20), default="active")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PermitRequest(db.Model):
    """One request about a permit (issue, renewal, amendment or cancellation) and its outcome, with the time it
    took: what Form 1 measures."""

    __tablename__ = "permit_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    permit_id: Mapped[int | None] = mapped_column(ForeignKey("permit.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(20))
    province: Mapped[str] = mapped_column(String(40), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"),
                                                    index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))        # granted / refused
    electronic: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict | None] = mapped_column(JSON)
