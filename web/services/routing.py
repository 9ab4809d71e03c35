"""Settling a changed workflow: store it, update the projections, route the messages it threw.

A message thrown by one instance starts a new instance of the process whose
message start event catches it (an identification round starting one cluster
case per chosen cluster), or reaches the instance waiting for it whose
correlation values the payload carries. All of it happens in the caller's
transaction: either everything the action caused is stored, or nothing.
"""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer


from ..models import MessageWait, ProcessDefinition, ProcessInstance, ProcessVersion, TaskRecord
from ..runtime import Runtime
from .closures import refresh_calendar
from .engine_calls import engine_errors, restore_workflow
from .errors import ProcessFailed
from .firms.fan_out import fans_out, firm_starts
from .projection import record, sync

MAX_DEPTH = 8


def settle(session: Session, instance: ProcessInstance, workflow: Any, runtime: Runtime, now: datetime,
           actor: str | None, depth: int = 0, *, new: bool = False, waited: bool = True) -> list[TaskRecord]:
    """Store ``workflow`` for ``instance`` and route what it threw; returns the task rows opened.

    ``new``: the instance was created in this transaction and never synced (it has no rows to update);
    ``waited=False``: its stored state had no waiting task (no timer or message rows; see ``sync``).
    """
    thrown = runtime.engine.take_thrown_messages(workflow)
    opened = sync(session, instance, workflow, runtime.engine, now, actor, new=new, waited=waited)
    for message in thrown:
        route(session, instance, message.name, message.payload, runtime, now, actor, depth + 1)
    return opened


def route(session: Session, sender: ProcessInstance | None, name: str, payload: Any, runtime: Runtime,
          now: datetime, actor: str | None, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ProcessFailed(f"message '{name}' was passed on more than {MAX_DEPTH} times; is there a cycle?")
    definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.start_message == name)
                                .order_by(ProcessDefinition.version_id.desc()).limit(1))
    if definition is not None:
        start_by_message(session, definition, name, payload, sender, runtime, now, actor, depth)
        return
    province = sender.province if sender is not None else None
    targets = waiting_instances(session, name, payload if isinstance(payload, Mapping) else {}, province)
    if len(targets) != 1:
        record(session, sender, "message_unrouted", now, actor=actor,
               data={"name": name, "payload": payload, "waiting": len(targets)})
        return
    deliver(session, targets[0], name, payload, runtime, now, actor, depth)


def waiting_instances(session: Session, name: str, correlation: Mapping[str, Any],
                      province: str | None) -> list[ProcessInstance]:
    """Running instances waiting for ``name`` whose correlation values all appear in ``correlation``."""
    found = []
    for wait in session.scalars(select(MessageWait).where(MessageWait.name == name)):
        values = json.loads(wait.correlation)
        if all(k in correlation and correlation[k] == v for k, v in values.items()):
            instance = session.get(ProcessInstance, wait.instance_id)
            if instance.status == "running" and (province is None or instance.province in (None, province)):
                found.append(instance)
    return list({i.id: i for i in found}.values())


def deliver(session: Session, instance: ProcessInstance, name: str, payload: Any, runtime: Runtime,
            now: datetime, actor: str | None, depth: int = 0) -> list[TaskRecord]:
    """Deliver a message to one instance (its row is locked first) and settle it."""
    instance = session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance.id)
                              .options(undefer(ProcessInstance.state))
                              .with_for_update().execution_options(populate_existing=True))
    workflow = restore_workflow(runtime, instance)
    with engine_errors():
        runtime.engine.deliver_message(workflow, name, payload)
    record(session, instance, "message_delivered", now, actor=actor, data={"name": name, "payload": payload})
    return settle(session, instance, workflow, runtime, now, actor, depth)


def start_by_message(session: Session, definition: ProcessDefinition, name: str, payload: Any,
                     sender: ProcessInstance | None, runtime: Runtime, now: datetime, actor: str | None,
                     depth: int, firm_id: int | None = None) -> ProcessInstance | None:
    """Start the instance message ``name`` asks for; one per firm (the last, or None for no firm) when its
    start event says ``for_each_firm`` (web/services/firms/fan_out.py)."""
    version = session.get(ProcessVersion, definition.version_id)
    spec_set = runtime.spec_set(version)
    if firm_id is None and fans_out(spec_set, name):
        started = None
        for one in firm_starts(session, sender, payload):
            started = start_by_message(session, definition, name, one.payload, sender, runtime, now, actor, depth,
                                       firm_id=one.firm_id)
        # the call itself, kept on the sending case: firms that join while it is open get it too (late_calls)
        record(session, sender, "no_firms_asked" if started is None else "firms_asked", now, actor=actor,
               data={"name": name, "payload": payload})
        return started
    refresh_calendar(runtime, session)
    with engine_errors():
        workflow = runtime.engine.start_by_message(spec_set, definition.process_id, name, payload)
    data = payload if isinstance(payload, Mapping) else {}
    instance = ProcessInstance(process_id=definition.process_id, version_id=version.id, status="running", state="",
                               serializer_version=runtime.engine.serializer.version,
                               province=sender.province if sender else data.get("province"),
                               cluster_id=sender.cluster_id if sender else None, firm_id=firm_id,
                               parent_id=sender.id if sender else None, title=_title(data),
                               started_by=None if sender else actor, started_at=now, updated_at=now)
    session.add(instance)
    session.flush()
    # started by the sending case (its parent), not by whoever made that case send the message
    record(session, instance, "instance_started", now, actor=None if sender else actor,
           data={"process_id": definition.process_id, "version": version.id, "message": name,
                 "parent_id": instance.parent_id})
    if sender is not None:
        record(session, sender, "instance_spawned", now, actor=actor,
               data={"instance_id": instance.id, "process_id": definition.process_id})
    settle(session, instance, workflow, runtime, now, actor, depth, new=True)
    return instance


def _title(data: Mapping[str, Any]) -> str | None:
    title = data.get("title") or data.get("cluster_name")
    return str(title)[:255] if title else None
