"""Delivering messages from outside (e.g. the parent organization's permit) to the case waiting for them."""
from __future__ import annotations

from typing import Any, Mapping

from engine.clock import Clock

from ..runtime import Runtime
from .actors import Actor
from .errors import Conflict, NotFound
from .instances import Outcome
from .routing import deliver, waiting_instances
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
        candidates = [i for i in waiting_instances(uow.session, name, wanted, None)
                      if actor.sees_cases_in(i.province)]
        if not candidates:
            raise NotFound(f"no case waits for message '{name}' with {wanted or 'any correlation'}")
        if len(candidates) > 1:
            raise Conflict(f"{len(candidates)} cases wait for message '{name}'; give correlation values to choose one")
        opened = deliver(uow.session, candidates[0], name, payload, runtime, clock.now(), actor.username)
        uow.commit()
        return Outcome(candidates[0].id, candidates[0].status, [t.id for t in opened])
