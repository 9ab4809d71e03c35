"""Appending to the history (the ``event`` table): rows are only ever added, one statement each, in call order."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..models import Event

# a plain table insert, built once: no ORM object to track and flush for a row that is never changed
_APPEND = insert(Event.__table__)


def append_event(session: Session, instance_id: int | None, action: str, at: datetime, *, actor: str | None = None,
                 task_id: str | None = None, data: dict[str, Any] | None = None) -> None:
    """Add one history event now, in the session's transaction (the case's row must be in the database)."""
    session.execute(_APPEND, {"instance_id": instance_id, "task_id": task_id, "actor": actor, "action": action,
                              "data": data, "at": at})
