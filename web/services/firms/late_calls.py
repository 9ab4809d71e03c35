"""Calls to a cluster's firms reach the firms that join after they went out.

A call is a message that starts one case per represented firm of a cluster (web/services/firms/fan_out.py):
the diagnostic survey, the call to declare interest, the joint-action registration. Its sending case records
it (``firms_asked``, or ``no_firms_asked`` when no firm was represented yet). A call addressed to the whole
cluster stays open for ``CALL_DAYS`` while its sending case runs; a firm whose representative is confirmed
meanwhile gets its own case of each open call, started by the worker (job ``firms.join_calls``), exactly
as the call would have started it. Calls addressed to named firms (``firm_ids``: a joint action's feedback)
are not extended.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Event, Firm, ProcessDefinition, ProcessInstance
from ..work.jobs import JobContext, enqueue, job_kind

JOIN_JOB = "firms.join_calls"
CALL_ACTIONS = ("firms_asked", "no_firms_asked")
CALL_DAYS = 30   # as long as a firm's case of a call waits for its answer (the processes' P30D timers)


def queue_join(session: Session, firm_id: int, now: datetime) -> None:
    """The firm ``firm_id`` has a confirmed representative now: let the worker bring it the open calls."""
    enqueue(session, JOIN_JOB, {"firm_id": firm_id}, now=now)


def open_calls(session: Session, cluster_id: int, now: datetime) -> list[tuple[ProcessInstance, str, dict]]:
    """(sending case, message, payload) of the calls to the whole cluster that are still open, oldest first."""
    rows = session.execute(
        select(Event, ProcessInstance).join(ProcessInstance, ProcessInstance.id == Event.instance_id)
        .where(ProcessInstance.cluster_id == cluster_id, ProcessInstance.status == "running",
               Event.action.in_(CALL_ACTIONS), Event.at >= now - timedelta(days=CALL_DAYS))
        .order_by(Event.at, Event.id))
    calls = []
    for event, sender in rows:
        data = event.data if isinstance(event.data, Mapping) else {}
        payload = data.get("payload")
        if isinstance(data.get("name"), str) and isinstance(payload, Mapping) and "firm_ids" not in payload:
            calls.append((sender, data["name"], dict(payload)))
    return calls


def join_open_calls(session: Session, firm_id: int, runtime: Any, now: datetime) -> int:
    """Start, for the firm, a case of every open call of its cluster it has none of; returns how many."""
    from ..routing import start_by_message   # routing calls into fan_out; imported here to avoid a cycle

    firm = session.get(Firm, firm_id)
    if firm is None or firm.cluster_id is None:
        return 0
    started = 0
    for sender, name, payload in open_calls(session, firm.cluster_id, now):
        definition = session.scalar(select(ProcessDefinition).where(ProcessDefinition.start_message == name)
                                    .order_by(ProcessDefinition.version_id.desc()).limit(1))
        if definition is None:
            continue
        has_one = session.scalar(select(ProcessInstance.id).where(
            ProcessInstance.parent_id == sender.id, ProcessInstance.firm_id == firm_id,
            ProcessInstance.process_id == definition.process_id).limit(1))
        if has_one is not None:
            continue
        start_by_message(session, definition, name, {**payload, "firm_id": firm_id, "firm_name": firm.name},
                         sender, runtime, now, None, 1, firm_id=firm_id)
        started += 1
    return started


@job_kind(JOIN_JOB)
def run_join(ctx: JobContext) -> None:
    firm_id = (ctx.payload or {}).get("firm_id")
    with ctx.uow_factory() as uow:
        if isinstance(firm_id, int):
            join_open_calls(uow.session, firm_id, ctx.runtime, ctx.clock.now())
        ctx.finish(uow.session)
        uow.commit()
