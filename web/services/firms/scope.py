"""A firm representative's scope: the firms they are confirmed for (never a province)."""
from __future__ import annotations

import dataclasses

from sqlalchemy import select

from ...models import FirmRepresentation
from ..actors import Actor


def confirmed_firms(session, user_id: int) -> frozenset[int]:
    """Ids of the firms ``user_id`` acts for (confirmed representations only)."""
    return frozenset(session.scalars(select(FirmRepresentation.firm_id).where(
        FirmRepresentation.user_id == user_id, FirmRepresentation.status == "confirmed")))


def with_firms(session, user_id: int, actor: Actor) -> Actor:
    """``actor`` with its firms when it acts for firms; unchanged (no query) for everyone else."""
    if not actor.for_firms:
        return actor
    return dataclasses.replace(actor, firms=confirmed_firms(session, user_id))
