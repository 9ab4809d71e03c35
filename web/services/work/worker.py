"""The worker loop: claim due timers and jobs, run them, sleep until the next is due (at most a second).

``run_once`` does everything due now and returns; tests call it after moving
the clock. ``run`` repeats it until ``stop()`` (SIGTERM): the current item is
finished first, then the loop ends.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engine.clock import Clock

from ...runtime import Runtime
from .. import timers
from ..uow import UnitOfWork
from . import heartbeat
from .backoff import LEASE
from .claims import claim_job, claim_timer, next_due
from .jobs import run_claimed, run_start_hooks

log = logging.getLogger(__name__)
BEAT_EVERY = timedelta(seconds=5)


def worker_name() -> str:
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Tally:
    timers: dict[str, int] = field(default_factory=dict)
    jobs: dict[str, int] = field(default_factory=dict)

    def count(self, what: dict[str, int], outcome: str) -> None:
        what[outcome] = what.get(outcome, 0) + 1


class Worker:
    def __init__(self, *, uow_factory: Callable[..., UnitOfWork], runtime: Runtime, clock: Clock,
                 name: str | None = None, lease: timedelta = LEASE, max_sleep: float = 1.0) -> None:
        self.uow_factory = uow_factory
        self.runtime = runtime
        self.clock = clock
        self.name = name or worker_name()
        self.lease = lease
        self.max_sleep = max_sleep
        self.tally = Tally()
        self._stop = threading.Event()
        self._last_beat: datetime | None = None

    # -- one round ---------------------------------------------------------------------------------------
    def run_once(self) -> int:
        """Fire every due timer and run every due job (each at most once this round); returns how many."""
        self._beat()
        done = 0
        seen_timers: set[int] = set()
        seen_jobs: set[int] = set()
        while not self._stop.is_set():
            progressed = False
            claim = claim_timer(self.uow_factory, self.name, self.clock.now(), self.lease, seen_timers)
            if claim is not None:
                seen_timers.add(claim.timer_id)
                outcome = timers.fire_claimed(claim, uow_factory=self.uow_factory, runtime=self.runtime,
                                              clock=self.clock, worker=self.name)
                self.tally.count(self.tally.timers, outcome)
                progressed = True
                done += 1
            if self._stop.is_set():
                break
            job = claim_job(self.uow_factory, self.name, self.clock.now(), self.lease, seen_jobs)
            if job is not None:
                seen_jobs.add(job.job_id)
                outcome = run_claimed(job, worker=self.name, uow_factory=self.uow_factory, runtime=self.runtime,
                                      clock=self.clock)
                self.tally.count(self.tally.jobs, outcome)
                progressed = True
                done += 1
            if not progressed:
                break
            self._beat()
        return done

    # -- the loop ----------------------------------------------------------------------------------------
    def run(self) -> None:
        """Work until ``stop()``; errors (e.g. the database is away) are logged and the loop goes on."""
        log.info("worker %s started", self.name)
        try:
            try:
                run_start_hooks(self.uow_factory, self.clock)
            except Exception:  # noqa: BLE001 - another worker or the next start queues them
                log.exception("worker %s: start-up hooks failed", self.name)
            while not self._stop.is_set():
                try:
                    done = self.run_once()
                    pause = 0.0 if done else self._idle_seconds()
                except Exception:  # noqa: BLE001 - the worker outlives a database restart
                    log.exception("worker %s: round failed; trying again", self.name)
                    pause = self.max_sleep
                if pause:
                    self._stop.wait(pause)
        finally:
            self._forget()
            log.info("worker %s stopped", self.name)

    def stop(self) -> None:
        """Finish the current item, then leave ``run``."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _idle_seconds(self) -> float:
        due = next_due(self.uow_factory)
        if due is None:
            return self.max_sleep
        wait = (due - self.clock.now()).total_seconds()
        return min(self.max_sleep, max(0.05, wait))

    def _beat(self) -> None:
        now = self.clock.now()
        if self._last_beat is not None and now - self._last_beat < BEAT_EVERY:
            return
        with self.uow_factory() as uow:
            heartbeat.beat(uow.session, self.name, socket.gethostname()[:255], os.getpid(), now)
            uow.commit()
        self._last_beat = now

    def _forget(self) -> None:
        try:
            with self.uow_factory() as uow:
                heartbeat.stopped(uow.session, self.name)
                uow.commit()
        except Exception:  # noqa: BLE001 - leaving quietly matters less than leaving
            log.warning("worker %s could not remove its heartbeat", self.name)
