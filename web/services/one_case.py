"""One case per process, province and year (or other start values): the identification round runs once a year.

A process declares it on its none start event: ``spiffworkflow:property
one_case_per="year"``. The case's ``unique_key`` (a unique column) holds
``<process>|<province>|<values>`` while it runs or after it completed, and is
cleared when it is terminated, so the database itself refuses a second start,
also when two come at the same moment. A supervisor may start a repeat with a
reason; the repeat's key is the key with a suffix (it counts as the year's
round as well) and the reason is in its history.
"""
from __future__ import annotations

import uuid
from typing import Any, Mapping

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forms.messages import message

from ..models import ProcessInstance
from .actors import Actor
from .errors import DuplicateCase

REPEAT_ROLE = "supervisor"


def case_key(process_id: str, province: str | None, per: tuple[str, ...], data: Mapping[str, Any]) -> str | None:
    """The key of a case started with ``data``, or None when the process has no such limit or a value is missing."""
    if not per:
        return None
    values = [data.get(name) for name in per]
    if any(v is None or isinstance(v, (dict, list)) for v in values):
        return None
    return "|".join([process_id, province or "-", *(str(v).strip() for v in values)])[:200]


def may_repeat(actor: Actor, reason: str | None) -> bool:
    return bool(reason and reason.strip()) and (actor.system or REPEAT_ROLE in actor.roles)


def claim_key(session: Session, key: str | None, per: tuple[str, ...], actor: Actor, reason: str | None,
              locale: str) -> tuple[str | None, bool]:
    """The key the new case takes, and whether it is a repeat of an existing case.

    A repeat's key is the key, ``#`` and a random suffix: it counts as the year's round too (a first
    round may not start while it runs, even if the original was terminated), without taking the key.

    :raise DuplicateCase: a running or completed case has the key and this is no supervisor's repeat.
    """
    if key is None:
        return None, False
    existing = session.scalar(select(ProcessInstance.id).where(or_(
        ProcessInstance.unique_key == key, ProcessInstance.unique_key.startswith(key + "#", autoescape=True)))
        .limit(1))
    if existing is None:
        return key, False
    if may_repeat(actor, reason):
        return f"{key}#{uuid.uuid4().hex[:12]}"[-255:], True
    raise duplicate(existing, per, locale)


def duplicate(existing: int | None, per: tuple[str, ...], locale: str) -> DuplicateCase:
    return DuplicateCase(f"a case with these start values exists already (case {existing or 'started meanwhile'})",
                         {per[-1] if per else "_schema": [message("duplicate_case", locale)]})


def flush_new(session: Session, instance: ProcessInstance, per: tuple[str, ...], locale: str) -> None:
    """Insert the new case; a concurrent start that took the same key first makes this a DuplicateCase
    (the caller's unit of work then rolls everything back)."""
    session.add(instance)
    try:
        session.flush()
    except IntegrityError:
        if instance.unique_key is None:
            raise
        raise duplicate(None, per, locale) from None
