"""Process designers' drafts: process files being edited, not yet deployed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class DesignDraft(db.Model):
    """A designer's saved work: a whole set of files ({name: XML text}), by name per designer."""

    __tablename__ = "design_draft"
    __table_args__ = (UniqueConstraint("saved_by", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    files: Mapped[dict] = mapped_column(JSON)
    # the deployed version the draft was opened from, if any (its files are the "before" of a compare)
    based_on: Mapped[int | None] = mapped_column(ForeignKey("process_version.id"))
    saved_by: Mapped[str] = mapped_column(String(80), index=True)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
