"""Running one process twice, with and without clusterflow's save/compact/restore, and recording what it does.

The driver makes the same choices in both runs: at each step it completes the first ready user task
(with data from ``answers``, else ``{"answer": n}``), fires the earliest timer by moving the clock, or
delivers a message that is waited for. Every third step it prefers a timer or a message when one is
waiting (``rhythm`` shifts which steps), so boundary timers and event-based gateways take both ways. A run stops when the workflow
completes, fails, has nothing left to do, or after ``max_steps``.

What is recorded per step: the action, the elements completed during it in completion order (read from
SpiffWorkflow's completion notice, so compaction cannot hide them), the open user tasks, the waiting
timers and messages, the case's current data and ``workflow.last_task`` (its element and data).
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping

from SpiffWorkflow.workflow import Workflow

from engine.clock import FrozenClock
from engine.errors import EngineError
from engine.registry import SpecSet
from engine.runtime import Engine

START = datetime(2026, 4, 11, 5, 30, tzinfo=timezone.utc)  # a Saturday morning in Tehran, 1405/01/22


@dataclass
class Run:
    status: str = "running"
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def completed(self) -> list[str]:
        return [name for step in self.steps for name in step["completed"]]


@contextmanager
def completion_log() -> Iterator[list[str]]:
    """Every task completion (process id / task spec name), in order, while the block runs."""
    log: list[str] = []
    original = Workflow._task_completed_notify

    def notify(self: Workflow, task: Any) -> None:
        log.append(f"{task.workflow.spec.name}/{task.task_spec.name}")
        original(self, task)

    Workflow._task_completed_notify = notify  # type: ignore[method-assign]
    try:
        yield log
    finally:
        Workflow._task_completed_notify = original  # type: ignore[method-assign]


def run(spec_set: SpecSet, process_id: str, *, saved: bool, answers: Mapping[str, Any] | None = None,
        start_data: Mapping[str, Any] | None = None, start_message: tuple[str, Any] | None = None,
        rhythm: int = 2, max_steps: int = 60) -> Run:
    """Drive ``process_id`` to its end; with ``saved``, save, compact and restore after every step."""
    answers = answers or {}
    clock = FrozenClock(START)
    engine = Engine(clock)
    result = Run()
    visits: dict[str, int] = {}
    with completion_log() as log:
        try:
            if start_message is not None:
                workflow = engine.start_by_message(spec_set, process_id, *start_message)
            else:
                workflow = engine.start(spec_set, process_id, dict(start_data or {}))
        except EngineError as exc:
            result.status = f"error: {type(exc).__name__}: {exc}"
            return result
        action = ("start", process_id)
        for step in range(max_steps + 1):
            if saved:
                state = engine.dumps(workflow)
                workflow = engine.loads(state, spec_set, process_id)
                # reading a task from the stored state shows what restoring would
                for task in engine.open_user_tasks(workflow):
                    assert engine.peek_task(state, spec_set, process_id, task.id) == task, task.element_id
            result.steps.append(_record(engine, workflow, action, log))
            log.clear()
            if engine.is_completed(workflow):
                result.status = "completed"
                return result
            if step == max_steps:
                result.status = "step limit"
                return result
            try:
                action = _act(engine, workflow, clock, step + rhythm, answers, visits)
            except EngineError as exc:
                result.steps.append({"failed": f"{type(exc).__name__}: {exc}", "completed": list(log)})
                result.status = "error"
                return result
            if action is None:
                result.status = "waiting"
                return result
    return result


def _act(engine: Engine, workflow: Any, clock: FrozenClock, step: int, answers: Mapping[str, Any],
         visits: dict[str, int]) -> tuple[str, str] | None:
    ready = engine.open_user_tasks(workflow)
    timers = sorted(engine.waiting_timers(workflow), key=lambda t: (t.due, t.element_id))
    messages = engine.waiting_messages(workflow)
    events = [kind for kind, present in (("timer", timers), ("message", messages)) if present]
    if ready and (step % 3 != 2 or not events):
        task = ready[0]
        visit = visits.get(task.element_id, 0)
        visits[task.element_id] = visit + 1
        engine.complete(workflow, task.id, _answer(answers, task.element_id, visit))
        return ("complete", task.element_id)
    if not events:
        return None
    if events[step % len(events)] == "timer":
        clock.set(max(clock.now(), timers[0].due))
        engine.fire_timers(workflow)
        return ("timer", timers[0].element_id)
    engine.deliver_message(workflow, messages[0].name, {"step": step})
    return ("message", messages[0].name)


def _answer(answers: Mapping[str, Any], element_id: str, visit: int) -> dict[str, Any]:
    given = answers.get(element_id)
    if isinstance(given, list):
        given = given[min(visit, len(given) - 1)]
    return {"answer": visit + 1, **(given or {})}


def _record(engine: Engine, workflow: Any, action: tuple[str, str], log: list[str]) -> dict[str, Any]:
    last = workflow.last_task
    return {
        "action": action,
        "completed": list(log),
        "open": [t.element_id for t in engine.open_user_tasks(workflow)],
        "timers": [(t.element_id, t.due.isoformat()) for t in engine.waiting_timers(workflow)],
        "messages": [m.name for m in engine.waiting_messages(workflow)],
        "data": engine.current_data(workflow),
        "last_task": None if last is None else (last.task_spec.name, engine.serializer.to_data(dict(last.data))),
        "workflow_data": engine.serializer.to_data(dict(workflow.data)),
    }
