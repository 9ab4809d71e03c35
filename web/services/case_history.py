"""A case's history as its pages show it: the events, the name of the task each one is about, who by name."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Event, TaskRecord
from .case_file import display_names


@dataclass
class CaseHistory:
    events: list[Event] = field(default_factory=list)
    task_names: dict[str, str] = field(default_factory=dict)   # task id -> its name
    people: dict[str, str] = field(default_factory=dict)       # user name -> full name (actors, hand-over targets)


def case_history(session: Session, instance_id: int) -> CaseHistory:
    """Every event of the case, oldest first, with what the history needs to name tasks and people."""
    events = list(session.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.id)))
    names = dict(session.execute(select(TaskRecord.id, TaskRecord.name).where(
        TaskRecord.instance_id == instance_id)).tuples().all())
    people = display_names(session, {e.actor for e in events} | {(e.data or {}).get("to") for e in events})
    return CaseHistory(events, names, people)
