"""Official letters: each issued letter with its number, and the per-province, per-year numbering."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class LetterSequence(db.Model):
    """The last number given to a letter of a province in a Jalali year (rows are locked to number)."""

    __tablename__ = "letter_sequence"

    province: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Letter(db.Model):
    """An issued letter: its number, what it says (the rendered HTML, fixed at issue) and its public code.

    The PDF is made from ``html`` on request, so the stored letter is the one that was issued even when
    its template changes later.
    """

    __tablename__ = "letter"
    __table_args__ = (UniqueConstraint("province", "year", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    province: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(255))   # the issuing company, as the letterhead names it
    html: Mapped[str] = mapped_column(Text)
    verify_code: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="SET NULL"),
                                                    index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    issued_by: Mapped[str | None] = mapped_column(String(80))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def reference(self) -> str:
        """The letter number as written on it: number/year (the province is on the letterhead)."""
        return f"{self.number}/{self.year}"
