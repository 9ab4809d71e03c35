"""One case as API clients read it: its state, its open tasks and its history, from the projection tables.

Lighter than :func:`web.services.case_view.load_case` (no diagram, no live workflow data): only indexed
columns and the event log are read.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Event, ProcessDefinition, ProcessInstance, TaskRecord
from .actors import Actor
from .attachments import may_see_case
from .errors import InstanceNotFound


@dataclass
class InstanceView:
    instance: ProcessInstance
    process_name: str
    open_tasks: list[TaskRecord] = field(default_factory=list)
    history: list[Event] = field(default_factory=list)


def describe_instance(session: Session, actor: Actor, instance_id: int, *, just_started: bool = False) -> InstanceView:
    """The case with its open tasks (by creation) and history (oldest first), for someone who may see it.

    ``just_started`` lets the person who started the case read it right after starting it, in a province
    of theirs, even when none of its open tasks is for their roles (the answer to "start" describes the case).

    :raise InstanceNotFound: no such case, or the actor may not see it.
    """
    instance = session.get(ProcessInstance, instance_id)
    visible = instance is not None and (
        may_see_case(session, actor, instance)
        or (just_started and instance.started_by == actor.username and actor.sees_province(instance.province)))
    if instance is None or not visible:
        raise InstanceNotFound(f"no case {instance_id}")
    name = session.scalar(select(ProcessDefinition.name).where(
        ProcessDefinition.version_id == instance.version_id, ProcessDefinition.process_id == instance.process_id))
    return InstanceView(
        instance=instance, process_name=name or instance.process_id,
        open_tasks=list(session.scalars(select(TaskRecord).where(
            TaskRecord.instance_id == instance.id, TaskRecord.status == "open")
            .order_by(TaskRecord.created_at, TaskRecord.id))),
        history=list(session.scalars(select(Event).where(Event.instance_id == instance.id).order_by(Event.id))))
