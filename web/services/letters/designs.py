"""Letter templates for process designers: read, check, preview and save (``processes/letters/``)."""
from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from jinja2 import TemplateError

from engine.clock import Clock

from ...models import Letter
from ..actors import Actor
from ..designs import require_designer
from ..errors import InvalidInput, NotFound
from ..projection import record
from ..uow import UnitOfWork
from .kinds import LETTERS_DIR, LetterKind, TemplateProblem, check_template, letter_kinds
from .pdf import letter_pdf
from .templating import render

# what a preview fills a template with: a plausible case, so a designer sees the letter as people will
SAMPLE = {
    "cluster_name": "مبلمان", "case_key": "tehran-1405-TH-01", "province": "tehran", "year": 1405,
    "request_no": "1405/120", "request_date": "1405/02/01", "permit_no": "P-1405-17", "permit_date": "1405/02/20",
    "body_name": "کمیته استانی توسعه خوشه‌های کسب‌وکار", "approval_subject": "تصویب برنامه عمل",
    "meeting_date": "1405/03/10", "meeting_place": "سالن جلسات شرکت", "agenda": "بررسی و تصویب برنامه عمل سالانه",
    "attendees": [{"full_name": "سارا احمدی", "organization": "اتاق بازرگانی"}],
    "held_on": "1405/03/10", "present_count": 7, "votes_approve": 6, "votes_reject": 1, "votes_revise": 0,
    "resolutions": [{"text": "برنامه عمل سال نخست تصویب شد", "owner": "عامل توسعه", "due": "1405/04/01"}],
    "cda_name": "شرکت مشاور توسعه", "cda_contract_no": "Q-1", "cda_contract_start": "1405/03/01",
    "cda_contract_months": 36, "cda_fee": 9_000_000_000, "supervisor_name": "ناظر فنی",
    "supervisor_contract_no": "Q-2", "supervisor_fee": 3_000_000_000,
}


def kind_of(kind_id: str) -> LetterKind:
    """:raise NotFound: no such kind of letter."""
    kind = letter_kinds().get(kind_id)
    if kind is None:
        raise NotFound(f"no kind of letter {kind_id!r}")
    return kind


def template_source(kind_id: str) -> str:
    return (LETTERS_DIR / kind_of(kind_id).template).read_text(encoding="utf-8")


def problems_of(kind: LetterKind, text: str) -> list[TemplateProblem]:
    """The template's syntax problems at their lines, then what rendering it over the sample data says."""
    problems = check_template(text, kind.template)
    if not problems:
        try:
            render(text, dict(SAMPLE))
        except (TemplateError, ValueError) as exc:
            problems = [TemplateProblem(kind.template, getattr(exc, "lineno", None), str(exc))]
    return problems


def preview(kind_id: str, text: str, province: str | None, now: datetime) -> bytes:
    """The letter ``text`` would make over the sample case, as PDF (not numbered, not stored).

    :raise InvalidInput: the template has problems (``errors["template"]`` lists them with their lines).
    """
    kind = kind_of(kind_id)
    problems = problems_of(kind, text)
    if problems:
        raise InvalidInput("the template has problems", {"template": [str(p) for p in problems]})
    sample = Letter(kind=kind.id, province=province or "tehran", year=0, number=0,
                    subject=render(kind.subject, dict(SAMPLE)), issuer="", html=render(text, dict(SAMPLE)),
                    verify_code="PREVIEW", issued_at=now)
    from .letterheads import issuer_name
    sample.issuer = issuer_name(sample.province)
    return letter_pdf(sample, "/verify/PREVIEW")


def save_template(kind_id: str, text: str, *, actor: Actor, uow: UnitOfWork, clock: Clock,
                  directory: Path | None = None) -> None:
    """Check and write the kind's template file; letters issued from then on use it (issued ones keep theirs).

    :raise Forbidden, NotFound, InvalidInput: nothing is written.
    """
    require_designer(actor)
    directory = directory or LETTERS_DIR
    kind = kind_of(kind_id)
    problems = problems_of(kind, text)
    if problems:
        raise InvalidInput("the template has problems", {"template": [str(p) for p in problems]})
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{kind.template}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text if text.endswith("\n") else text + "\n")
        os.replace(temporary, directory / kind.template)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    with uow:
        record(uow.session, None, "letter_template_saved", clock.now(), actor=actor.username,
               data={"kind": kind.id, "template": kind.template})
        uow.commit()
