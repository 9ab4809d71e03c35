"""Deployed versions of the process files."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime


class ProcessVersion(db.Model):
    """One deployment: a self-contained set of BPMN/DMN files. ``id`` is the version number."""

    __tablename__ = "process_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    # {file name: XML text}; deferred: requests need only the hash while the parsed specs are cached
    files: Mapped[dict] = mapped_column(JSON, deferred=True)
    serializer_version: Mapped[str] = mapped_column(String(16))
    deployed_by: Mapped[str | None] = mapped_column(String(80))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)

    definitions: Mapped[list["ProcessDefinition"]] = relationship(back_populates="version", cascade="all, delete-orphan")


class ProcessDefinition(db.Model):
    """A process a version makes startable; the newest version of a process id is the one new cases take."""

    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("process_id", "version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))   # the designer's English name, if given
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    # the message a start event of the process catches: a thrown message of that name starts a new instance
    start_message: Mapped[str | None] = mapped_column(String(255), index=True)
    # started by hand: by holders of this role (the start event's lane), with this start form
    manual_start: Mapped[bool] = mapped_column(Boolean, default=False)
    starter_role: Mapped[str | None] = mapped_column(String(80))
    start_form: Mapped[str | None] = mapped_column(String(255))
    # start-data names allowing one case per process, province and their values ("year"); comma-separated
    one_case_per: Mapped[str | None] = mapped_column(String(255))

    version: Mapped[ProcessVersion] = relationship(back_populates="definitions")
