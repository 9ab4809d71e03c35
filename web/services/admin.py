"""Supervisors' actions on a case, each with a reason written to its history."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import undefer

from engine.clock import Clock

from ..models import MessageWait, ProcessInstance, TaskRecord, Timer
from ..runtime import Runtime
from . import stage_stays
from .actors import Actor
from .engine_calls import engine_errors, restore_workflow
from .errors import Conflict, Forbidden, InstanceNotFound, InvalidInput
from .instances import hand_over_task
from .projection import record
from .routing import settle
from .uow import UnitOfWork

ADMIN_ROLES = frozenset({"admin", "supervisor"})
MAX_REASON = 1000
# which statuses each action may start from
ALLOWED = {"suspend": ("running",), "resume": ("suspended",), "terminate": ("running", "suspended")}


def _check(actor: Actor, reason: str | None) -> str:
    if not (actor.system or actor.roles & ADMIN_ROLES):
        raise Forbidden("case actions are for supervisors and administrators")
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput("a reason is required", {"reason": [f"1 to {MAX_REASON} characters"]})
    return reason


def _locked(uow: UnitOfWork, instance_id: int, actor: Actor) -> ProcessInstance:
    instance = uow.session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance_id)
                                  .options(undefer(ProcessInstance.state))
                                  .with_for_update().execution_options(populate_existing=True))
    if instance is None or not actor.sees_cases_in(instance.province):
        raise InstanceNotFound(f"no case {instance_id}")
    return instance


def change_status(instance_id: int, action: str, reason: str | None, *, actor: Actor, uow: UnitOfWork,
                  clock: Clock) -> str:
    """Suspend, resume or terminate a case; returns its new status.

    A suspended case shows in no inbox and fires no timer; a terminated one
    has its open tasks withdrawn and waits for nothing any more.

    :raise Forbidden, InvalidInput (no reason), InstanceNotFound, Conflict (e.g. suspending a finished case):
    """
    reason = _check(actor, reason)
    if action not in ALLOWED:
        raise InvalidInput(f"unknown action {action}", {"action": ["suspend, resume or terminate"]})
    with uow:
        instance = _locked(uow, instance_id, actor)
        if instance.status not in ALLOWED[action]:
            raise Conflict(f"a {instance.status} case cannot be {action}d")
        now = clock.now()
        instance.status = {"suspend": "suspended", "resume": "running", "terminate": "terminated"}[action]
        instance.updated_at = now
        if action == "terminate":
            instance.completed_at = now
            instance.unique_key = None  # a terminated round does not count: the year's round may start again
            for task in uow.session.scalars(select(TaskRecord).where(TaskRecord.instance_id == instance.id,
                                                                     TaskRecord.status == "open")):
                task.status, task.completed_at = "cancelled", now
            uow.session.execute(delete(Timer).where(Timer.instance_id == instance.id))
            uow.session.execute(delete(MessageWait).where(MessageWait.instance_id == instance.id))
            stage_stays.ended(uow.session, instance, now)
        record(uow.session, instance, f"instance_{instance.status}", now, actor=actor.username,
               data={"reason": reason})
        uow.commit()
        return instance.status


def reassign(task_id: str, to_username: str, reason: str | None, *, actor: Actor, uow: UnitOfWork,
             clock: Clock) -> None:
    """Give an open task to a user who holds its role (a supervisor's hand-over, with a reason)."""
    reason = _check(actor, reason)
    hand_over_task(task_id, to_username, actor=actor, uow=uow, clock=clock, reason=reason, as_supervisor=True)


def retry(instance_id: int, corrections: Mapping[str, Any] | None, reason: str | None, *, actor: Actor,
          uow: UnitOfWork, runtime: Runtime, clock: Clock) -> None:
    """Run again the scheduled step that failed (``last_error``), after correcting case data.

    ``corrections`` are set in the data of every waiting and ready task first.

    :raise Conflict: nothing failed; ProcessFailed: it fails again (nothing is changed).
    """
    reason = _check(actor, reason)
    with uow:
        instance = _locked(uow, instance_id, actor)
        if instance.status != "running" or not instance.last_error:
            raise Conflict("this case has no failed step to retry")
        workflow = restore_workflow(runtime, instance)
        with engine_errors():
            if corrections:
                runtime.engine.correct_data(workflow, dict(corrections))
            runtime.engine.fire_timers(workflow)
        now = clock.now()
        record(uow.session, instance, "instance_retried", now, actor=actor.username,
               data={"reason": reason, "corrections": dict(corrections or {}), "error": instance.last_error})
        settle(uow.session, instance, workflow, runtime, now, actor.username)
        uow.commit()
