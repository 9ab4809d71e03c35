"""What a case's pages read from the projection tables, loaded once per page.

The task page and the case page show the case file (``case_file``) and the history
(``case_history``); both are built from the same rows: the case's tasks and events, those of
the cases that started it, their files and letters, and the full names of the people in them.
Each is read here with one query, so a page costs the same few queries however it is built.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, exists, or_, select
from sqlalchemy.orm import Session

from ..models import Attachment, Event, Letter, ProcessInstance, TaskRecord, User
from ..runtime import Runtime
from .actors import Actor
from .attachments import may_see_case

MAX_ANCESTORS = 5
STEP_ACTIONS = ("instance_started", "task_completed", "stage_changed")


@dataclass
class CaseRecords:
    """The rows a case's pages need; ``instance`` is the case, ``family`` it and the cases that started it."""

    instance: ProcessInstance
    family: list[ProcessInstance]                                # oldest first, the case last
    tasks: list[TaskRecord] = field(default_factory=list)        # every task of the case, completed ones of the rest
    events: list[Event] = field(default_factory=list)            # every event of the case, steps of the rest; by id
    attachments: list[Attachment] = field(default_factory=list)  # the family's files, by upload time
    letters: list[Letter] = field(default_factory=list)          # the family's letters, oldest first
    people: dict[str, str] = field(default_factory=dict)         # user name -> full name, for everyone named above
    process_names: dict[str, str] = field(default_factory=dict)  # process id -> name; "start_form:<id>" -> form id

    def own_events(self) -> list[Event]:
        return [e for e in self.events if e.instance_id == self.instance.id]

    def own_attachments(self) -> list[Attachment]:
        return [a for a in self.attachments if a.instance_id == self.instance.id]


# Built once (statements are dear to build and to key for the compiled cache); only the parameters change.
_OWN = bindparam("own")
_OTHERS = bindparam("others", expanding=True)   # the cases that started this one (often none)
_FAMILY = bindparam("family", expanding=True)
_TASKS = select(TaskRecord).where(or_(TaskRecord.instance_id == _OWN, and_(
    TaskRecord.instance_id.in_(_OTHERS), TaskRecord.status == "completed")))
_EVENTS = select(Event).where(or_(Event.instance_id == _OWN, and_(
    Event.instance_id.in_(_OTHERS), Event.action.in_(STEP_ACTIONS)))).order_by(Event.id)
# with the actor's user name and full name when the actor is a user (the names of most people a page shows)
_EVENTS_ACTORS = (_EVENTS.add_columns(User.username, User.display_name)
                  .outerjoin(User, User.username == Event.actor))
# whether there is anything to read at all: most cases have no files or letters yet; asked along with the tasks
# (a case has at least one as a rule), on its own when there are none
_PRESENT_COLUMNS = (exists().where(Attachment.instance_id.in_(_FAMILY)), exists().where(Letter.instance_id.in_(_FAMILY)))
_PRESENT = select(*_PRESENT_COLUMNS)
_TASKS_PRESENT = _TASKS.add_columns(*_PRESENT_COLUMNS)
_FILES = select(Attachment).where(Attachment.instance_id.in_(_FAMILY)).order_by(Attachment.uploaded_at)
_LETTERS = select(Letter).where(Letter.instance_id.in_(_FAMILY)).order_by(Letter.id)
_NAMES = select(User.username, User.display_name).where(User.username.in_(bindparam("names", expanding=True)))


def load_case_records(session: Session, actor: Actor, instance: ProcessInstance, runtime: Runtime) -> CaseRecords:
    """The rows of ``instance`` and of the cases that started it that ``actor`` may read (the caller checked
    the case itself)."""
    family = _family(session, actor, instance)
    ids = {"own": instance.id, "others": [i.id for i in family if i.id != instance.id]}
    everyone = {"family": [i.id for i in family]}
    task_rows = session.execute(_TASKS_PRESENT, ids | everyone).all()
    tasks = [row[0] for row in task_rows]
    has_files, has_letters = task_rows[0][1:] if task_rows else session.execute(_PRESENT, everyone).one()
    event_rows = session.execute(_EVENTS_ACTORS, ids).all()
    events = [row[0] for row in event_rows]
    people = {username: name or username for _, username, name in event_rows if username is not None}
    files = list(session.scalars(_FILES, everyone)) if has_files else []
    letters = list(session.scalars(_LETTERS, everyone)) if has_letters else []
    others = ({t.completed_by for t in tasks} | {f.uploaded_by for f in files}
              | {(e.data or {}).get("to") for e in events if e.instance_id == instance.id}) - {e.actor for e in events}
    people |= display_names(session, others)
    return CaseRecords(instance=instance, family=family, tasks=tasks, events=events, attachments=files,
                       letters=letters, people=people,
                       process_names=process_names(session, runtime, family))


def _family(session: Session, actor: Actor, instance: ProcessInstance) -> list[ProcessInstance]:
    """The case and the cases that started it (oldest first), those the actor may read."""
    chain = [instance]
    current = instance
    while current.parent_id is not None and len(chain) <= MAX_ANCESTORS:
        parent = session.get(ProcessInstance, current.parent_id)
        if parent is None or not may_see_case(session, actor, parent):
            break
        chain.append(parent)
        current = parent
    return list(reversed(chain))


def process_names(session: Session, runtime: Runtime, family: list[ProcessInstance]) -> dict[str, str]:
    """The names of the processes of the family's versions, and their start forms (``start_form:<id>``)."""
    names: dict[str, str] = {}
    for version_id in sorted({i.version_id for i in family}):
        for process_id, definition in runtime.process_names(session, version_id).items():
            names.setdefault(process_id, definition.name)
            if definition.start_form:
                names.setdefault(f"start_form:{process_id}", definition.start_form)
    return names


def display_names(session: Session, usernames: Iterable[Any]) -> dict[str, str]:
    """Full names by user name (users without one are shown by their user name)."""
    wanted = sorted({u for u in usernames if isinstance(u, str) and u})
    if not wanted:
        return {}
    return {username: name or username for username, name in session.execute(_NAMES, {"names": wanted})}
