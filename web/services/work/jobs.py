"""Background jobs: registered kinds, queueing one, and running a claimed one.

A handler gets a ``JobContext`` and does its work in transactions of its own
(never one held open while it waits on the network). Delivery is at least
once: a handler whose worker dies is run again after its lease passes. A
handler whose database effects must happen exactly once calls
``ctx.finish(session)`` inside its own transaction: the job is marked done
there, or the transaction fails with ``LostClaim`` if another worker has
taken the job over meanwhile.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.clock import Clock

from ...models import Job
from ...runtime import Runtime
from ..uow import UnitOfWork
from .backoff import JOB_ATTEMPTS, delay
from .claims import JobClaim

log = logging.getLogger(__name__)
Handler = Callable[["JobContext"], None]
StartHook = Callable[[Session, datetime], None]
FailHook = Callable[[Session, Any, str], None]
HANDLERS: dict[str, Handler] = {}
FAIL_HOOKS: dict[str, FailHook] = {}
START_HOOKS: list[StartHook] = []


class LostClaim(Exception):
    """Another worker took the job over (this one's lease had passed)."""


def job_kind(kind: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` for jobs of ``kind`` (a decorator)."""
    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler
    return register


def on_give_up(kind: str) -> Callable[[FailHook], FailHook]:
    """Register ``hook(session, payload, error)``, run in the transaction that marks a job of ``kind`` failed."""
    def register(hook: FailHook) -> FailHook:
        FAIL_HOOKS[kind] = hook
        return hook
    return register


def on_worker_start(hook: StartHook) -> StartHook:
    """Register ``hook(session, now)``, run in one transaction when a worker starts (e.g. to queue recurring jobs)."""
    START_HOOKS.append(hook)
    return hook


def run_start_hooks(uow_factory: Callable[..., UnitOfWork], clock: Clock) -> None:
    with uow_factory() as uow:
        for hook in START_HOOKS:
            hook(uow.session, clock.now())
        uow.commit()


def enqueue(session: Session, kind: str, payload: dict[str, Any] | None, *, now: datetime,
            run_at: datetime | None = None, max_attempts: int = JOB_ATTEMPTS) -> Job:
    """Queue a job in the caller's transaction: it runs only if that transaction commits."""
    job = Job(kind=kind, payload=payload, run_at=run_at or now, status="queued", attempts=0,
              max_attempts=max_attempts, created_at=now)
    session.add(job)
    return job


@dataclass
class JobContext:
    claim: JobClaim
    worker: str
    uow_factory: Callable[..., UnitOfWork]
    runtime: Runtime
    clock: Clock
    finished: bool = False

    @property
    def payload(self) -> Any:
        return self.claim.payload

    def finish(self, session: Session) -> None:
        """Mark the job done in ``session``'s transaction. :raise LostClaim: another worker holds it now."""
        if not _mark_done(session, self.claim.job_id, self.worker, self.clock.now()):
            raise LostClaim(f"job {self.claim.job_id} was taken over by another worker")
        self.finished = True


def _mark_done(session: Session, job_id: int, worker: str, now: datetime) -> bool:
    return session.execute(
        update(Job).where(Job.id == job_id, Job.status == "running", Job.claimed_by == worker)
        .values(status="done", finished_at=now, lease_until=None, last_error=None)
        .execution_options(synchronize_session=False)).rowcount == 1


def run_claimed(claim: JobClaim, *, worker: str, uow_factory: Callable[..., UnitOfWork], runtime: Runtime,
                clock: Clock) -> str:
    """Run a claimed job's handler; returns "done" or "failed"/"retry"; never raises for a failing job."""
    handler = HANDLERS.get(claim.kind)
    ctx = JobContext(claim, worker, uow_factory, runtime, clock)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {claim.kind!r}")
        handler(ctx)
    except LostClaim:
        return "lost"
    except Exception as exc:  # noqa: BLE001 - a failing job must not stop the worker
        error = str(exc) or exc.__class__.__name__
        log.warning("job %s (%s) failed, attempt %s of %s: %s", claim.job_id, claim.kind, claim.attempts,
                    claim.max_attempts, error)
        final = handler is None or claim.attempts >= claim.max_attempts
        now = clock.now()
        values: dict[str, Any] = {"lease_until": None, "last_error": error}
        if final:
            values.update(status="failed", finished_at=now)
        else:
            values.update(status="queued", run_at=now + delay(claim.attempts))
        with uow_factory() as uow:
            changed = uow.session.execute(update(Job).where(Job.id == claim.job_id, Job.status == "running",
                                                            Job.claimed_by == worker).values(**values)
                                          .execution_options(synchronize_session=False)).rowcount
            if final and changed and claim.kind in FAIL_HOOKS:
                FAIL_HOOKS[claim.kind](uow.session, claim.payload, error)
            uow.commit()
        return "failed" if final else "retry"
    if not ctx.finished:
        with uow_factory() as uow:
            _mark_done(uow.session, claim.job_id, worker, clock.now())
            uow.commit()
    return "done"


def retry_job(session: Session, job_id: int, now: datetime) -> bool:
    """Queue a failed job again with fresh attempts; False if it is not failed."""
    return session.execute(
        update(Job).where(Job.id == job_id, Job.status == "failed")
        .values(status="queued", run_at=now, attempts=0, finished_at=None, claimed_by=None)
        .execution_options(synchronize_session=False)).rowcount == 1
