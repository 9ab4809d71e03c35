"""Firing due timers: what the workers (and `clusterflow run-timers`, for cron) call.

Each due timer row is claimed first (``work.claims``), so any number of
workers and cron runs share the work without firing anything twice. Its case
is then fired in a transaction of its own with the case row locked; a case
that fails never stops the others: its timer is tried again after a growing
delay and, after the last attempt, marked failed for a supervisor to retry.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable, Literal

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import undefer

from engine.clock import Clock

from ..models import ProcessInstance, Timer
from ..runtime import Runtime
from .engine_calls import engine_errors, restore_workflow
from .notify.notices import case_failed
from .errors import ConcurrentUpdate
from .projection import record
from .routing import settle
from .uow import UnitOfWork
from .work.backoff import LEASE, TIMER_ATTEMPTS, delay
from .work.claims import TimerClaim, claim_timer

log = logging.getLogger(__name__)
UowFactory = Callable[..., UnitOfWork]
Outcome = Literal["fired", "failed", "skipped"]
RECHECK = timedelta(seconds=30)  # a due row whose case had nothing to fire is looked at again after this


@dataclass
class TimerRun:
    fired: list[tuple[int, str]] = field(default_factory=list)   # (instance id, timer element id)
    failed: list[tuple[int, str]] = field(default_factory=list)  # (instance id, error)


def fire_due_timers(*, uow_factory: UowFactory, runtime: Runtime, clock: Clock,
                    worker: str | None = None) -> TimerRun:
    """Fire every timer due by the clock that no other worker holds, one transaction per case.

    Running it again right after changes nothing more. A case whose process
    fails on the timer path is left exactly as it was, with the error kept in
    ``last_error`` (and in its history); its timer is tried again later.
    """
    worker = worker or f"run-timers:{uuid.uuid4().hex[:12]}"   # unique: two cron runs may overlap
    run = TimerRun()
    seen: set[int] = set()
    while (claim := claim_timer(uow_factory, worker, clock.now(), LEASE, seen)) is not None:
        seen.add(claim.timer_id)
        fire_claimed(claim, uow_factory=uow_factory, runtime=runtime, clock=clock, worker=worker, run=run)
    return run


def fire_claimed(claim: TimerClaim, *, uow_factory: UowFactory, runtime: Runtime, clock: Clock, worker: str,
                 run: TimerRun | None = None) -> Outcome:
    """Fire the case of a claimed timer; never raises for a failing case."""
    try:
        fired = _fire_case(claim.instance_id, uow_factory=uow_factory, runtime=runtime, clock=clock)
    except (ConcurrentUpdate, OperationalError) as exc:
        # someone else changed the case meanwhile, or the database is busy or away: not the timer's fault,
        # so no attempt is counted; the next round looks again (or the lease runs out)
        log.info("timer %s of case %s put back: %s", claim.element_id, claim.instance_id, exc)
        try:
            _release(claim, worker, uow_factory=uow_factory, clock=clock, recheck=False)
        except (ConcurrentUpdate, OperationalError):
            pass
        return "skipped"
    except Exception as exc:  # noqa: BLE001 - one failing case must not stop the others
        error = str(exc) or exc.__class__.__name__
        log.warning("timer %s of case %s failed (attempt %s): %s", claim.element_id, claim.instance_id,
                    claim.attempts, error)
        if run is not None:
            run.failed.append((claim.instance_id, error))
        _remember_failure(claim, error, worker, uow_factory=uow_factory, clock=clock)
        return "failed"
    if not fired:
        _release(claim, worker, uow_factory=uow_factory, clock=clock, recheck=True)
        return "skipped"
    if run is not None:
        run.fired.extend((claim.instance_id, element) for element in fired)
    return "fired"


def _fire_case(instance_id: int, *, uow_factory: UowFactory, runtime: Runtime, clock: Clock) -> list[str]:
    with uow_factory() as uow:
        instance = uow.session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance_id)
                                      .options(undefer(ProcessInstance.state)).with_for_update()
                                      .execution_options(populate_existing=True))
        if instance is None or instance.status != "running":
            return []
        workflow = restore_workflow(runtime, instance)
        with engine_errors():
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


def _held(uow: UnitOfWork, claim: TimerClaim, worker: str) -> Timer | None:
    timer = uow.session.get(Timer, claim.timer_id, with_for_update=True, populate_existing=True)
    return timer if timer is not None and timer.claimed_by == worker else None


def _release(claim: TimerClaim, worker: str, *, uow_factory: UowFactory, clock: Clock, recheck: bool) -> None:
    with uow_factory() as uow:
        timer = _held(uow, claim, worker)
        if timer is None:
            return
        timer.lease_until, timer.claimed_by = None, None
        timer.attempts = max(0, timer.attempts - 1)   # nothing was tried
        if recheck:
            timer.run_at = clock.now() + RECHECK
        uow.commit()


def _remember_failure(claim: TimerClaim, error: str, worker: str, *, uow_factory: UowFactory,
                      clock: Clock) -> None:
    now = clock.now()
    with uow_factory() as uow:
        instance = uow.session.scalar(select(ProcessInstance).where(ProcessInstance.id == claim.instance_id)
                                      .with_for_update().execution_options(populate_existing=True))
        timer = _held(uow, claim, worker)
        if instance is None or timer is None:
            return
        timer.lease_until, timer.claimed_by, timer.last_error = None, None, error
        data: dict[str, object] = {"error": error, "element_id": timer.element_id, "attempt": timer.attempts}
        if timer.attempts >= TIMER_ATTEMPTS:
            timer.status = "failed"
            data["gave_up"] = True
            case_failed(uow.session, instance, error, now)
        else:
            timer.run_at = now + delay(timer.attempts)
            data["next_try"] = timer.run_at.isoformat()
        instance.last_error = error
        record(uow.session, instance, "timer_failed", now, actor="system", data=data)
        uow.commit()
