"""One case as a supervisor sees it: diagram with its state, history, data, holders, timers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


from ..models import (Attachment, Cluster, Event, JointAction, Meeting, ProcessInstance,
                      ProcessVersion, TaskRecord, Timer)
from ..runtime import Runtime
from .actors import Actor
from .attachments import may_see_case
from .cases import SUPERVISING_ROLES
from .case_file import CaseFile, build_case_file
from .case_history import case_history
from .case_records import load_case_records
from .engine_calls import restore_workflow
from .errors import InstanceNotFound
from .version_files import bpmn_trees

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass
class CaseView:
    instance: ProcessInstance
    process_name: str
    diagram: str | None                  # the BPMN file that defines the case's process
    element_states: dict[str, str]       # element id -> completed | active | waiting
    open_tasks: list[TaskRecord] = field(default_factory=list)
    timers: list[Timer] = field(default_factory=list)
    history: list[Event] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    children: list[ProcessInstance] = field(default_factory=list)
    parent: ProcessInstance | None = None   # the case whose message started this one
    process_name_en: str | None = None
    cluster: Cluster | None = None
    joint_actions: list[JointAction] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    case_file: CaseFile = field(default_factory=CaseFile)
    task_names: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)


def load_case(session: Session, runtime: Runtime, actor: Actor, instance_id: int, locale: str = "fa") -> CaseView:
    """The case with its file in the reader's ``locale``.

    :raise InstanceNotFound: no such case, or not visible to the actor.
    """
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not may_see_case(session, actor, instance):
        raise InstanceNotFound(f"no case {instance_id}")
    states = {element: "completed" for element in instance.visited or []}
    if instance.state and instance.status in ("running", "suspended"):   # where it is now, from the live state
        workflow = restore_workflow(runtime, instance)
        states.update({k: v for k, v in runtime.engine.element_states(workflow).items() if v != "completed"})
    definition = runtime.process_names(session, instance.version_id).get(instance.process_id)
    records = load_case_records(session, actor, instance, runtime)
    history = case_history(records)
    return CaseView(
        instance=instance, process_name=definition.name if definition else instance.process_id,
        process_name_en=definition.name_en if definition else None,
        diagram=diagram_of(session.get(ProcessVersion, instance.version_id), instance.process_id),
        element_states=states,
        open_tasks=list(session.scalars(select(TaskRecord).where(TaskRecord.instance_id == instance.id,
                                                                 TaskRecord.status == "open"))),
        timers=list(session.scalars(select(Timer).where(Timer.instance_id == instance.id).order_by(Timer.due_at))),
        history=history.events,
        attachments=records.own_attachments(),
        children=list(session.scalars(select(ProcessInstance).where(ProcessInstance.parent_id == instance.id))),
        parent=session.get(ProcessInstance, instance.parent_id) if instance.parent_id else None,
        cluster=session.get(Cluster, instance.cluster_id) if instance.cluster_id else None,
        joint_actions=list(session.scalars(select(JointAction).where(JointAction.case_id == instance.id)
                                           .order_by(JointAction.plan_year, JointAction.id))),
        meetings=list(session.scalars(select(Meeting).where(Meeting.instance_id == instance.id)
                                      .order_by(Meeting.id))),
        case_file=build_case_file(records, locale), task_names=history.task_names,
        people=history.people)


def case_data(session: Session, runtime: Runtime, actor: Actor, instance_id: int) -> dict[str, Any]:
    """The case's current workflow data, for the supervisors' JSON download.

    :raise InstanceNotFound: no such case, or not visible to the actor.
    """
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not may_see_case(session, actor, instance) or \
            not (actor.system or actor.roles & SUPERVISING_ROLES):
        raise InstanceNotFound(f"no case {instance_id}")
    if not instance.state:
        return {}
    return runtime.engine.current_data(restore_workflow(runtime, instance))


def diagram_of(version: ProcessVersion | None, process_id: str) -> str | None:
    """The text of the version's file that defines ``process_id`` (as its process or a pool's)."""
    if version is None:
        return None
    for _name, text, root in bpmn_trees(version):
        if root.find(f"{{{BPMN_NS}}}process[@id='{process_id}']") is not None:
            return text
    return None


