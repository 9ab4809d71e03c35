"""One case as API clients read it: its state, its open tasks and its history, from the projection tables.

Lighter than :func:`web.services.case_view.load_case` (no diagram, no live workflow data): only indexed
columns and the event log are read.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..models import Event, ProcessDefinition, ProcessInstance, TaskRecord
from ..runtime import Runtime
from .actors import Actor
from .attachments import may_see_case
from .errors import InstanceNotFound


@dataclass
class InstanceView:
    instance: ProcessInstance
    process_name: str
    open_tasks: list[TaskRecord] = field(default_factory=list)
    history: list[Event] = field(default_factory=list)


def describe_instance(session: Session, actor: Actor, instance_id: int, *, just_started: bool = False,
                      runtime: Runtime | None = None) -> InstanceView:
    """The case with its open tasks (by creation) and history (oldest first), for someone who may see it.

    ``just_started`` lets the person who started the case read it right after starting it, in a province
    of theirs, even when none of its open tasks is for their roles (the answer to "start" describes the case).
    ``runtime``: its cache of process names, when the caller has it.

    :raise InstanceNotFound: no such case, or the actor may not see it.
    """
    instance = session.get(ProcessInstance, instance_id)
    visible = instance is not None and (
        (just_started and instance.started_by == actor.username and actor.sees_province(instance.province))
        or may_see_case(session, actor, instance))
    if instance is None or not visible:
        raise InstanceNotFound(f"no case {instance_id}")
    ids = {"instance_id": instance.id, "process_id": instance.process_id, "version_id": instance.version_id}
    names = runtime.process_names(session, instance.version_id).get(instance.process_id) if runtime else None
    name = names.name if names else session.scalar(_NAME, ids)
    return InstanceView(instance=instance, process_name=name or instance.process_id,
                        open_tasks=list(session.scalars(_OPEN_TASKS, ids)), history=list(session.scalars(_EVENTS, ids)))


# built once; only the parameters change
_NAME = select(ProcessDefinition.name).where(ProcessDefinition.version_id == bindparam("version_id"),
                                             ProcessDefinition.process_id == bindparam("process_id"))
_OPEN_TASKS = (select(TaskRecord).where(TaskRecord.instance_id == bindparam("instance_id"), TaskRecord.status == "open")
               .order_by(TaskRecord.created_at, TaskRecord.id))
_EVENTS = select(Event).where(Event.instance_id == bindparam("instance_id")).order_by(Event.id)
