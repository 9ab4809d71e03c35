"""Workers say they are alive; readiness asks whether any is."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.clock import Clock

from ...models import WorkerHeartbeat

ALIVE_WITHIN = timedelta(seconds=30)   # a worker beats every few seconds; silent longer than this is gone
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class WorkerStatus:
    alive: int
    last_seen: datetime | None


def beat(session: Session, name: str, host: str, pid: int, now: datetime) -> None:
    """Record that worker ``name`` is alive now (and forget workers silent for a day)."""
    row = session.get(WorkerHeartbeat, name)
    if row is None:
        session.add(WorkerHeartbeat(name=name, host=host, pid=pid, started_at=now, last_seen=now))
    else:
        row.last_seen = now
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen < now - FORGET_AFTER))


def stopped(session: Session, name: str) -> None:
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == name))


def worker_status(session: Session, now: datetime) -> WorkerStatus:
    alive = session.scalar(select(func.count()).select_from(WorkerHeartbeat)
                           .where(WorkerHeartbeat.last_seen >= now - ALIVE_WITHIN)) or 0
    last = session.scalar(select(func.max(WorkerHeartbeat.last_seen)))
    return WorkerStatus(alive, last)


def worker_check(session_factory: Callable[[], Session], clock: Clock) -> Callable[[], str | None]:
    """A readiness check (web.services.health): None while some worker has beaten recently."""
    def check() -> str | None:
        session = session_factory()
        try:
            status = worker_status(session, clock.now())
        finally:
            session.close()
        return None if status.alive else f"no worker seen in the last {int(ALIVE_WITHIN.total_seconds())} s"

    return check
