"""Small helpers for service-level tests."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from engine.validation import read_sources
from web import unit_of_work
from web.models import Event, MessageWait, ProcessInstance, TaskRecord, Timer
from web.runtime import current_runtime
from web.services import deployment, instances
from web.services.actors import Actor

ROOT = Path(__file__).resolve().parents[2]
EXPERT = Actor("expert", frozenset({"cluster_expert"}), frozenset({"tehran"}))
DEPUTY = Actor("deputy", frozenset({"small_industries_deputy"}), frozenset({"tehran"}))


def deploy(*paths: Path | str, actor: str = "designer") -> deployment.Deployed:
    runtime = current_runtime()
    return deployment.deploy(read_sources([str(p) for p in paths]), actor=actor, reason="test",
                             uow=unit_of_work(), runtime=runtime, clock=runtime.clock)


def start(process_id: str, data: dict, *, actor: Actor = EXPERT, province: str | None = "tehran"):
    runtime = current_runtime()
    return instances.start_instance(process_id, data, actor=actor, province=province, uow=unit_of_work(),
                                    runtime=runtime, clock=runtime.clock)


def complete(task_id: str, data: dict, *, actor: Actor = EXPERT):
    runtime = current_runtime()
    return instances.complete_task(task_id, data, actor=actor, uow=unit_of_work(), runtime=runtime,
                                   clock=runtime.clock)


def open_tasks(instance_id: int) -> list[TaskRecord]:
    with unit_of_work(write=False) as uow:
        return list(uow.session.scalars(select(TaskRecord).where(TaskRecord.instance_id == instance_id,
                                                                 TaskRecord.status == "open")))


def snapshot(instance_id: int) -> dict:
    """Everything stored about an instance, to compare before and after a refused action."""
    with unit_of_work(write=False) as uow:
        s = uow.session
        instance = s.get(ProcessInstance, instance_id)
        return {
            "state": instance.state, "status": instance.status, "lock": instance.lock_version,
            "tasks": sorted((t.id, t.status, t.assignee, t.completed_by) for t in
                            s.scalars(select(TaskRecord).where(TaskRecord.instance_id == instance_id))),
            "events": s.scalar(select(func.count(Event.id)).where(Event.instance_id == instance_id)),
            "timers": sorted((t.element_id, t.due_at) for t in
                             s.scalars(select(Timer).where(Timer.instance_id == instance_id))),
            "waits": sorted((w.name, w.correlation) for w in
                            s.scalars(select(MessageWait).where(MessageWait.instance_id == instance_id))),
        }


def events(instance_id: int) -> list[tuple[str, str | None]]:
    with unit_of_work(write=False) as uow:
        return [(e.action, e.actor) for e in uow.session.scalars(
            select(Event).where(Event.instance_id == instance_id).order_by(Event.id))]
