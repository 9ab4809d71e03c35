"""Firing due timers: what the scheduler (or `clusterflow run-timers`) calls."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import undefer

from engine.clock import Clock
from engine.errors import EngineError

from ..models import ProcessInstance, Timer
from ..runtime import Runtime
from .engine_calls import restore_workflow
from .projection import record
from .routing import settle
from .uow import UnitOfWork


@dataclass
class TimerRun:
    fired: list[tuple[int, str]] = field(default_factory=list)   # (instance id, timer element id)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (instance id, error)


def fire_due_timers(*, uow_factory: Callable[..., UnitOfWork], runtime: Runtime, clock: Clock) -> TimerRun:
    """Fire every timer due by the clock, one transaction per instance.

    Running it again right after changes nothing more. An instance whose
    process fails on the timer path is left exactly as it was, with the error
    kept in ``last_error`` (and in its history) until someone corrects it.
    """
    now = clock.now()
    with uow_factory(write=False) as uow:
        due = list(uow.session.scalars(
            select(Timer.instance_id).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
            .where(Timer.due_at <= now, ProcessInstance.status == "running")
            .distinct().order_by(Timer.instance_id)))
    run = TimerRun()
    for instance_id in due:
        try:
            fired = _fire_one(instance_id, uow_factory=uow_factory, runtime=runtime, clock=clock)
            run.fired.extend((instance_id, element) for element in fired)
        except EngineError as exc:
            run.failed.append((instance_id, str(exc)))
            _remember_failure(instance_id, str(exc), uow_factory=uow_factory, clock=clock)
    return run


def _fire_one(instance_id: int, *, uow_factory: Callable[..., UnitOfWork], runtime: Runtime,
              clock: Clock) -> list[str]:
    with uow_factory() as uow:
        instance = uow.session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance_id)
                                      .options(undefer(ProcessInstance.state)).with_for_update())
        if instance is None or instance.status != "running":
            return []
        workflow = restore_workflow(runtime, instance)
        fired = runtime.engine.fire_timers(workflow)
        if not fired:
            return []
        now = clock.now()
        for timer in fired:
            record(uow.session, instance, "timer_fired", now, actor="system", task_id=timer.task_id,
                   data={"element_id": timer.element_id, "name": timer.name, "due": timer.due.isoformat()})
        settle(uow.session, instance, workflow, runtime, now, "system")
        uow.commit()
        return [t.element_id for t in fired]


def _remember_failure(instance_id: int, error: str, *, uow_factory: Callable[..., UnitOfWork], clock: Clock) -> None:
    with uow_factory() as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        if instance is None or instance.last_error == error:
            return
        instance.last_error = error
        record(uow.session, instance, "timer_failed", clock.now(), actor="system", data={"error": error})
        uow.commit()
