"""Case-list exports too large for one request: written by the background worker, downloaded when done.

An export of more than ``background_rows`` cases, asked for while a worker is
alive, becomes a job: the worker writes the file (CSV or XLSX, in the asker's
language) into the exports folder, reporting rows written as it goes; the one who
asked (and no one else) downloads it until it expires. Smaller exports, or any
export while no worker runs, stream within the request as before.

The job's payload holds the request and its progress: who asked, the filters,
the kind and language, rows written of the total, the file's name and expiry.
"""
from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.clock import Clock

from ...models import Job
from ..actors import Actor
from ..cases import CaseFilters, CaseRow, count_cases, iter_cases
from ..errors import ExportNotFound
from ..uow import UnitOfWork
from ..users import actor_for
from ..work.heartbeat import worker_status
from ..work.jobs import JobContext, enqueue

EXPORT_JOB = "case_export"
KINDS = ("csv", "xlsx")
PROGRESS_EVERY = 2000          # rows between two progress reports
PART_KEPT = timedelta(days=1)  # a piece of a file no worker finished (it died) is removed after this
Writer = Callable[[Iterable[CaseRow], str], Iterator[bytes]]   # (rows, kind) -> the file in pieces


@dataclass(frozen=True)
class ExportSettings:
    folder: Path               # where finished files wait for their download
    background_rows: int       # more cases than this go to the worker (when one is alive)
    keep: timedelta            # how long a finished file can be downloaded


@dataclass(frozen=True)
class ExportStatus:
    id: int
    kind: str
    status: str                # queued, running, done, failed
    written: int
    total: int | None
    expires_at: datetime
    error: str | None = None

    @property
    def ready(self) -> bool:
        return self.status == "done"


def queue_if_large(actor: Actor, filters: CaseFilters, kind: str, language: str, *, uow: UnitOfWork, clock: Clock,
                   settings: ExportSettings) -> int | None:
    """Queue the export for the worker if it is large and a worker is alive; returns the job id, or None when
    the export should stream within the request.

    :raise Forbidden, InvalidInput: (as the case list)
    """
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    with uow:
        now = clock.now()
        if not worker_status(uow.session, now).alive:
            return None
        total = count_cases(uow.session, actor, filters, clock)
        if total <= settings.background_rows:
            return None
        job = enqueue(uow.session, EXPORT_JOB, {
            "username": actor.username, "filters": asdict(filters), "kind": kind, "language": language,
            "written": 0, "total": total, "file": None, "expires_at": (now + settings.keep).isoformat()},
            now=now, max_attempts=3)
        uow.session.flush()
        job_id = job.id
        uow.commit()
    return job_id


def export_status(session: Session, actor: Actor, job_id: int, now: datetime) -> ExportStatus:
    """Where the actor's export stands. :raise ExportNotFound: not theirs, expired, or no such export."""
    job = _own(session, actor, job_id, now)
    payload = job.payload
    return ExportStatus(job.id, payload["kind"], job.status, payload.get("written") or 0, payload.get("total"),
                        datetime.fromisoformat(payload["expires_at"]),
                        job.last_error if job.status == "failed" else None)


def export_file(session: Session, actor: Actor, job_id: int, now: datetime, settings: ExportSettings) -> tuple[Path, str]:
    """The finished file of the actor's export and its kind. :raise ExportNotFound: not theirs, expired, not done."""
    job = _own(session, actor, job_id, now)
    name = job.payload.get("file")
    path = settings.folder / name if job.status == "done" and name else None
    if path is None or not path.is_file():
        raise ExportNotFound(f"export {job_id} has no file to download")
    return path, job.payload["kind"]


def _own(session: Session, actor: Actor, job_id: int, now: datetime) -> Job:
    job = session.get(Job, job_id)
    payload = job.payload if job is not None and job.kind == EXPORT_JOB else None
    if not payload or payload.get("username") != actor.username \
            or datetime.fromisoformat(payload["expires_at"]) <= now:
        raise ExportNotFound(f"no export {job_id} of {actor.username}")
    return job


def write_export(ctx: JobContext, settings: ExportSettings, writer: Writer) -> None:
    """The worker's part: the cases in the asker's scope today, written to a file with progress; done when the
    file is complete. Expired files of earlier exports are removed first."""
    payload = dict(ctx.payload)
    job_id, kind = ctx.claim.job_id, payload["kind"]
    with ctx.uow_factory() as uow:
        sweep(uow.session, settings.folder, ctx.clock.now())
        uow.commit()
    with ctx.uow_factory(write=False) as uow:
        actor = actor_for(uow.session, payload["username"])   # the roles and provinces the asker has now
        filters = CaseFilters(**payload["filters"])
        payload["total"] = count_cases(uow.session, actor, filters, ctx.clock)
    payload["written"] = 0
    _save(ctx, payload)
    settings.folder.mkdir(parents=True, exist_ok=True)
    name = f"{job_id}-{secrets.token_hex(12)}.{kind}"
    part = settings.folder / f"{name}.part"

    def counted(rows: Iterable[CaseRow]) -> Iterator[CaseRow]:
        for number, row in enumerate(rows, 1):
            payload["written"] = number
            if number % PROGRESS_EVERY == 0:
                _save(ctx, payload)
            yield row

    try:
        with ctx.uow_factory(write=False) as uow, part.open("wb") as out:
            for block in writer(counted(iter_cases(uow.session, actor, filters, ctx.clock)), kind):
                out.write(block)
        os.replace(part, settings.folder / name)
    finally:
        part.unlink(missing_ok=True)
    payload["file"] = name
    with ctx.uow_factory() as uow:
        _set_payload(uow.session, job_id, payload)
        ctx.finish(uow.session)
        uow.commit()


def sweep(session: Session, folder: Path, now: datetime) -> int:
    """Remove the files of expired exports (and pieces of files no worker finished, after a day); returns how
    many files went."""
    removed = 0
    for job in session.scalars(select(Job).where(Job.kind == EXPORT_JOB, Job.status == "done")):
        payload = job.payload or {}
        if payload.get("file") and datetime.fromisoformat(payload["expires_at"]) <= now:
            (folder / payload["file"]).unlink(missing_ok=True)
            _set_payload(session, job.id, dict(payload, file=None))
            removed += 1
    if folder.is_dir():
        stale = time.time() - PART_KEPT.total_seconds()
        for part in folder.glob("*.part"):
            if part.stat().st_mtime < stale:
                part.unlink(missing_ok=True)
                removed += 1
    return removed


def _save(ctx: JobContext, payload: dict[str, Any]) -> None:
    with ctx.uow_factory() as uow:
        _set_payload(uow.session, ctx.claim.job_id, payload)
        uow.commit()


def _set_payload(session: Session, job_id: int, payload: dict[str, Any]) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(payload=dict(payload))
                    .execution_options(synchronize_session=False))
