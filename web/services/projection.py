"""Keeping the queryable tables in step with a workflow, inside the caller's transaction."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from engine.runtime import Engine

from ..models import MessageWait, ProcessInstance, TaskRecord, Timer
from . import stage_stays
from .event_log import append_event
from .notify.notices import tasks_opened
from .records import record_state


def record(session: Session, instance: ProcessInstance | None, action: str, at: datetime, *,
           actor: str | None = None, task_id: str | None = None, data: dict[str, Any] | None = None) -> None:
    """Append one history event."""
    append_event(session, instance.id if instance else None, action, at, actor=actor, task_id=task_id, data=data)


# built once (every change of a case runs them); only the instance changes
_OPEN_TASKS = select(TaskRecord).where(TaskRecord.instance_id == bindparam("instance_id"), TaskRecord.status == "open")
# plain table deletes (the ORM's bulk delete costs ~4x more): no session in which a case changes holds
# its timer or message-wait objects for later changes
_DROP_TIMERS = delete(Timer.__table__).where(Timer.__table__.c.instance_id == bindparam("instance_id"))
_DROP_WAITS = delete(MessageWait.__table__).where(MessageWait.__table__.c.instance_id == bindparam("instance_id"))


def sync(session: Session, instance: ProcessInstance, workflow: Any, engine: Engine, now: datetime,
         actor: str | None, *, new: bool = False, waited: bool = True) -> list[TaskRecord]:
    """Store the workflow state and bring tasks, timers and message waits in line with it.

    Returns the task rows that were opened by this change. ``new``: the instance was created in this
    transaction and not synced before, so it has no task, timer or message rows yet. ``waited=False``: the
    stored state this change began from had no waiting task (``Engine.is_waiting``), so the instance has no
    timer or message rows to replace (only this function writes them, from the state it stores).
    """
    # Nothing sync reads depends on what is pending in the session: task rows are only created here, and a
    # second sync of one instance in a transaction (a message back to it) comes after deliver()'s locking query,
    # which flushes the first. So everything the action writes goes to the database at once, at the commit.
    with session.no_autoflush:
        open_rows = {} if new else {row.id: row for row in session.scalars(_OPEN_TASKS, {"instance_id": instance.id})}
        opened = []
        open_now = engine.open_user_tasks(workflow)
        for task in open_now:
            if task.id in open_rows:
                continue
            row = TaskRecord(id=task.id, instance_id=instance.id, process_id=task.process_id,
                             element_id=task.element_id, name=task.name, name_en=task.name_en, role=task.role,
                             province=instance.province, firm_id=instance.firm_id, form_id=task.form, assignee=task.assignee, status="open",
                             due_at=task.due, created_at=now)
            session.add(row)
            opened.append(row)
        tasks_opened(session, instance, opened, now, skip=actor)
        still_open = {t.id for t in open_now}
        for task_id, row in open_rows.items():
            if task_id in still_open:
                continue
            state = engine.task_state(workflow, task_id)
            row.status = "completed" if state == "completed" else "cancelled"
            row.completed_at = now
            if row.status == "cancelled":
                record(session, instance, "task_cancelled", now, actor=actor, task_id=task_id,
                       data={"element_id": row.element_id})

        if not new and waited:
            session.execute(_DROP_TIMERS, {"instance_id": instance.id})
        for timer in engine.waiting_timers(workflow):
            session.add(Timer(instance_id=instance.id, task_id=timer.task_id, element_id=timer.element_id,
                              name=timer.name, due_at=timer.due, run_at=timer.due, status="waiting", attempts=0))
        if not new and waited:
            session.execute(_DROP_WAITS, {"instance_id": instance.id})
        for wait in engine.waiting_messages(workflow):
            session.add(MessageWait(instance_id=instance.id, task_id=wait.task_id, element_id=wait.element_id,
                                    name=wait.name, correlation=canonical(wait.correlation)))

    facts = engine.current_data(workflow)
    record_state(session, instance, facts, now)
    if isinstance(facts.get("firms_count"), int) and facts["firms_count"] >= 0:
        instance.firms = facts["firms_count"]
    stage = facts.get("stage") if isinstance(facts.get("stage"), str) else None
    if stage and stage != instance.stage:
        record(session, instance, "stage_changed", now, actor=actor, data={"from": instance.stage, "to": stage})
        stage_stays.entered(session, instance, stage, now)
        instance.stage = stage
    states = engine.element_states(workflow)
    visited = set(instance.visited or []) | {e for e, state in states.items() if state == "completed"}
    instance.visited = sorted(visited)
    # last: storing compacts finished history away, and the task states above were read from it
    instance.state = engine.dumps(workflow)
    instance.serializer_version = engine.serializer.version
    instance.updated_at = now
    instance.last_error = None
    if instance.status == "running" and engine.is_completed(workflow):
        instance.status = "completed"
        instance.completed_at = now
        record(session, instance, "instance_completed", now, actor=actor)
        stage_stays.ended(session, instance, now)
    return opened


def canonical(correlation: dict[str, Any]) -> str:
    """One text per correlation, so equal correlations compare equal in SQL."""
    return json.dumps(correlation, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
