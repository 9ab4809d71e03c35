"""Issuing letters: when a completed task's form is one a kind of letter names, in the same transaction."""
from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Mapping

from jinja2 import TemplateError
from sqlalchemy.orm import Session

from engine.calendar import to_jalali

from ...models import Letter, ProcessInstance, TaskRecord
from ..errors import ProcessFailed
from .kinds import LETTERS_DIR, LetterKind, letter_kinds, template_text
from .letterheads import issuer_name
from .numbering import next_number
from .templating import render

BODIES = {"committee_approval": "کمیته استانی توسعه خوشه‌های کسب‌وکار",
          "council_approval": "شورای راهبری خوشه"}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"   # no 0/O, 1/I: read aloud or typed from paper
CODE_LENGTH = 10


def verify_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def issue_for_task(session: Session, instance: ProcessInstance, task: TaskRecord, data: Mapping[str, Any],
                   facts: Mapping[str, Any], now: datetime) -> list[Letter]:
    """Issue every letter the completed ``task`` calls for (``facts``: the case data it saw)."""
    if not instance.province:
        return []
    issued = []
    for kind in letter_kinds().values():
        if kind.applies(task.form_id, task.process_id, data):
            context = {**facts, **data}
            body = BODIES.get(task.process_id)
            if body == BODIES["council_approval"] and facts.get("cluster_name"):
                body = f"{body} {facts['cluster_name']}"
            context.setdefault("body_name", body or "")
            try:
                issued.append(issue_letter(session, kind, instance, context, now, actor=task.completed_by,
                                           task_id=task.id))
            except (TemplateError, ValueError) as exc:
                raise ProcessFailed(f'the letter "{kind.id}" could not be written from its template: {exc}',
                                    task.element_id) from exc
    return issued


def issue_letter(session: Session, kind: LetterKind, instance: ProcessInstance, context: Mapping[str, Any],
                 now: datetime, *, actor: str | None, task_id: str | None = None) -> Letter:
    """Render ``kind`` over ``context``, number it and store it with the case.

    :raise jinja2.TemplateError, ValueError: the template does not render (the step fails, nothing is kept).
    """
    year = int(to_jalali(now)[:4])
    body = render(template_text(kind, LETTERS_DIR), dict(context))
    subject = " ".join(render(kind.subject, dict(context)).split())[:500]
    letter = Letter(kind=kind.id, province=instance.province or "", year=year,
                    number=next_number(session, instance.province or "", year), subject=subject,
                    issuer=issuer_name(instance.province), html=body, verify_code=verify_code(),
                    instance_id=instance.id, task_id=task_id, issued_by=actor, issued_at=now)
    session.add(letter)
    session.flush()
    return letter
