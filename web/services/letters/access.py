"""Reading an issued letter: for those who may see its case."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Letter, ProcessInstance
from ..actors import Actor
from ..attachments import may_see_case
from ..errors import NotFound


def letter_for(session: Session, actor: Actor, letter_id: int) -> Letter:
    """:raise NotFound: no such letter, or its case is not visible to the actor."""
    letter = session.get(Letter, letter_id)
    instance = session.get(ProcessInstance, letter.instance_id) if letter and letter.instance_id else None
    if letter is None or instance is None or not may_see_case(session, actor, instance):
        raise NotFound(f"no letter {letter_id}")
    return letter


def letters_of(session: Session, instance_ids: list[int]) -> list[Letter]:
    """The letters issued in these cases, oldest first."""
    return list(session.scalars(select(Letter).where(Letter.instance_id.in_(instance_ids)).order_by(Letter.id)))
