"""Claiming due work: one short transaction that sets a lease, safe with any number of workers."""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update

from ...models import Job, ProcessInstance, Timer
from ..uow import UnitOfWork

UowFactory = Callable[..., UnitOfWork]


@dataclass(frozen=True)
class TimerClaim:
    timer_id: int
    instance_id: int
    element_id: str
    attempts: int          # including this one
    lease_until: datetime


@dataclass(frozen=True)
class JobClaim:
    job_id: int
    kind: str
    payload: Any
    attempts: int          # including this one
    max_attempts: int
    lease_until: datetime


def _skip_locked(query: Any, uow: UnitOfWork, of: Any) -> Any:
    if uow.session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True, of=of)
    return query  # SQLite: the writing transaction (BEGIN IMMEDIATE) already excludes other writers


def claimable_timers(now: datetime) -> Any:
    return and_(Timer.status == "waiting", Timer.run_at <= now,
                or_(Timer.lease_until.is_(None), Timer.lease_until < now))


def claim_timer(uow_factory: UowFactory, worker: str, now: datetime, lease: timedelta,
                exclude: Collection[int] = ()) -> TimerClaim | None:
    """Take the earliest due timer of a running case that no live worker holds, or None."""
    with uow_factory() as uow:
        query = (select(Timer).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
                 .where(claimable_timers(now), ProcessInstance.status == "running")
                 .order_by(Timer.run_at, Timer.id).limit(1))
        if exclude:
            query = query.where(Timer.id.not_in(list(exclude)))
        timer = uow.session.scalar(_skip_locked(query, uow, Timer))
        if timer is None:
            return None
        until = now + lease
        # compare-and-set: only if it is still claimable (what makes the claim safe without row locks)
        claimed = uow.session.execute(
            update(Timer).where(Timer.id == timer.id, claimable_timers(now))
            .values(lease_until=until, claimed_by=worker, attempts=Timer.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            return None
        uow.commit()
        return TimerClaim(timer.id, timer.instance_id, timer.element_id, timer.attempts + 1, until)


def claimable_jobs(now: datetime) -> Any:
    return or_(and_(Job.status == "queued", Job.run_at <= now),
               and_(Job.status == "running", Job.lease_until < now))


def claim_job(uow_factory: UowFactory, worker: str, now: datetime, lease: timedelta,
              exclude: Collection[int] = ()) -> JobClaim | None:
    """Take the earliest due job (or one whose worker's lease has passed), or None.

    A job whose lease passed after its last allowed attempt is marked failed
    instead: it stopped its worker each time it ran.
    """
    while True:
        with uow_factory() as uow:
            query = select(Job).where(claimable_jobs(now)).order_by(Job.run_at, Job.id).limit(1)
            if exclude:
                query = query.where(Job.id.not_in(list(exclude)))
            job = uow.session.scalar(_skip_locked(query, uow, Job))
            if job is None:
                return None
            if job.status == "running" and job.attempts >= job.max_attempts:
                job.status, job.finished_at, job.lease_until = "failed", now, None
                job.last_error = f"its worker stopped during each of {job.attempts} attempts (lease expired)"
                uow.commit()
                continue
            until = now + lease
            claimed = uow.session.execute(
                update(Job).where(Job.id == job.id, claimable_jobs(now))
                .values(status="running", lease_until=until, claimed_by=worker, attempts=Job.attempts + 1)
                .execution_options(synchronize_session=False)).rowcount
            if claimed != 1:
                return None
            uow.commit()
            return JobClaim(job.id, job.kind, job.payload, job.attempts + 1, job.max_attempts, until)


def next_due(uow_factory: UowFactory) -> datetime | None:
    """The earliest moment any timer or job may become claimable (for a worker's sleep)."""
    with uow_factory(write=False) as uow:
        def waiting(column: Any, *where: Any) -> Any:
            return uow.session.scalar(
                select(column).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
                .where(Timer.status == "waiting", ProcessInstance.status == "running", *where)
                .order_by(column).limit(1))

        moments = [
            waiting(Timer.run_at, Timer.lease_until.is_(None)),
            waiting(Timer.lease_until, Timer.lease_until.is_not(None)),
            uow.session.scalar(select(Job.run_at).where(Job.status == "queued").order_by(Job.run_at).limit(1)),
            uow.session.scalar(select(Job.lease_until).where(Job.status == "running")
                               .order_by(Job.lease_until).limit(1)),
        ]
    found = [m for m in moments if m is not None]
    return min(found) if found else None
