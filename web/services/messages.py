"""Delivering messages from outside (e.g. the parent organization's permit) to the case waiting for them."""
from __future__ import annotations

import json
from typing import Any, Mapping

from sqlalchemy import select

from engine.clock import Clock
from engine.errors import InvalidTaskData, MessageNotDeliverable, TaskError

from ..models import MessageWait, ProcessInstance
from ..runtime import Runtime
from .actors import Actor
from .errors import Conflict, InvalidInput, NotFound, ProcessFailed
from .instances import Outcome, restore_workflow
from .projection import record, sync
from .uow import UnitOfWork


def deliver_message(name: str, correlation: Mapping[str, Any] | None, payload: Any, *, actor: Actor,
                    uow: UnitOfWork, runtime: Runtime, clock: Clock) -> Outcome:
    """Deliver message ``name`` to the one instance waiting for it with matching correlation values.

    :raise NotFound: no instance (visible to the actor) waits for it.
    :raise Conflict: more than one does; name correlation values to pick one.
    :raise InvalidInput, ProcessFailed: nothing is changed.
    """
    wanted = dict(correlation or {})
    with uow:
        waits = uow.session.scalars(select(MessageWait).where(MessageWait.name == name)).all()
        candidates = {w.instance_id for w in waits if _matches(json.loads(w.correlation), wanted)}
        instances = [i for i in (uow.session.get(ProcessInstance, c) for c in sorted(candidates))
                     if i is not None and i.status == "running" and actor.sees_province(i.province)]
        if not instances:
            raise NotFound(f"no case waits for message '{name}' with {wanted or 'any correlation'}")
        if len(instances) > 1:
            raise Conflict(f"{len(instances)} cases wait for message '{name}'; give correlation values to choose one")
        instance = uow.session.scalar(select(ProcessInstance).where(ProcessInstance.id == instances[0].id)
                                      .with_for_update().execution_options(populate_existing=True))
        workflow = restore_workflow(runtime, instance)
        try:
            runtime.engine.deliver_message(workflow, name, payload)
        except MessageNotDeliverable as exc:
            raise Conflict(str(exc)) from exc
        except InvalidTaskData as exc:
            raise InvalidInput(str(exc)) from exc
        except TaskError as exc:
            raise ProcessFailed(str(exc), exc.element_id) from exc
        now = clock.now()
        record(uow.session, instance, "message_delivered", now, actor=actor.username,
               data={"name": name, "correlation": wanted, "payload": payload})
        opened = sync(uow.session, instance, workflow, runtime.engine, now, actor.username)
        uow.commit()
        return Outcome(instance.id, instance.status, [t.id for t in opened])


def _matches(waiting: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    return all(k in waiting and waiting[k] == v for k, v in wanted.items())
