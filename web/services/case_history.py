"""A case's history as its pages show it: the events, the name of the task each one is about, who by name."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Event
from .case_records import CaseRecords


@dataclass
class CaseHistory:
    events: list[Event] = field(default_factory=list)
    task_names: dict[str, str] = field(default_factory=dict)   # task id -> its name
    people: dict[str, str] = field(default_factory=dict)       # user name -> full name (actors, hand-over targets)


def case_history(records: CaseRecords) -> CaseHistory:
    """Every event of the case, oldest first, with what the history needs to name tasks and people."""
    own = records.instance.id
    return CaseHistory(records.own_events(), {t.id: t.name for t in records.tasks if t.instance_id == own},
                       records.people)

