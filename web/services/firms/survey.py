"""The diagnostic survey's answers: how many firms answered, what they said in sum (for the CDA), and one
firm's answers (for that firm, or staff who may read the cluster case); the firms' declared interest."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forms.display import ShownField, shown_submission
from forms.loader import load_form

from ...models import Firm, ProcessInstance, SurveyResponse, TaskRecord
from ..actors import Actor
from ..attachments import may_see_case
from ..errors import NotFound
from .participation import SURVEY_FORM

SURVEY_PROCESS = "firm_survey"
INTEREST_PROCESS, INTEREST_FORM = "firm_interest", "firm_interest"
TALLIED = ("main_problems", "needs", "cooperation_willingness")


@dataclass(frozen=True)
class SurveyCount:
    answered: int    # firms that answered
    asked: int       # firms the survey was opened for


@dataclass(frozen=True)
class Tally:
    field: str
    label: str
    counts: list[tuple[str, int]]    # (choice label, firms), most first


@dataclass(frozen=True)
class SurveyAnswers:
    survey_case_id: int
    firm_name: str
    answered_at: datetime
    fields: list[ShownField]


def survey_count(session: Session, case_id: int) -> SurveyCount:
    """Firms asked (survey cases opened from the cluster case) and firms that answered."""
    asked = session.scalar(select(func.count(func.distinct(ProcessInstance.firm_id))).where(
        ProcessInstance.parent_id == case_id, ProcessInstance.process_id == SURVEY_PROCESS)) or 0
    answered = session.scalar(select(func.count(func.distinct(SurveyResponse.firm_id))).where(
        SurveyResponse.case_id == case_id)) or 0
    return SurveyCount(answered, asked)


def survey_tallies(session: Session, case_id: int, locale: str) -> list[Tally]:
    """For each choice question, how many firms gave each answer."""
    form = load_form(SURVEY_FORM)
    answers = list(session.scalars(select(SurveyResponse.answers).where(SurveyResponse.case_id == case_id)))
    lang = "en" if locale == "en" else "fa"
    tallies = []
    for definition in form.fields:
        if definition.name not in TALLIED:
            continue
        counted: Counter[str] = Counter()
        for one in answers:
            value: Any = one.get(definition.name)
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    counted[str(item)] += 1
        labels = {c["value"]: c["label"][lang] for c in definition.options.get("choices") or ()}
        tallies.append(Tally(definition.name, definition.label[lang],
                             [(labels.get(v, v), n) for v, n in counted.most_common()]))
    return tallies


def survey_answers(session: Session, actor: Actor, survey_case_id: int, locale: str) -> SurveyAnswers:
    """One firm's answers: for a representative of that firm, or staff who may read the cluster case.

    :raise NotFound: no such answers, or not the actor's to read.
    """
    row = session.scalar(select(SurveyResponse).where(SurveyResponse.survey_case_id == survey_case_id))
    if row is None or not _may_read(session, actor, row):
        raise NotFound(f"no survey answers {survey_case_id}")
    firm = session.get(Firm, row.firm_id)
    return SurveyAnswers(row.survey_case_id, firm.name if firm else "", row.answered_at,
                         shown_submission(load_form(SURVEY_FORM), row.answers, locale))


def _may_read(session: Session, actor: Actor, row: SurveyResponse) -> bool:
    if actor.for_firms:
        return row.firm_id in actor.firm_ids
    case = session.get(ProcessInstance, row.case_id)
    return case is not None and may_see_case(session, actor, case)


@dataclass(frozen=True)
class InterestCount:
    asked: int
    answers: dict[str, int]    # interested: yes | maybe | no -> firms


def interest_count(session: Session, case_id: int) -> InterestCount:
    """Firms asked to declare their interest in the cluster's development, and what those who answered said."""
    asked = session.scalar(select(func.count(func.distinct(ProcessInstance.firm_id))).where(
        ProcessInstance.parent_id == case_id, ProcessInstance.process_id == INTEREST_PROCESS)) or 0
    answers: Counter[str] = Counter()
    for data in session.scalars(select(TaskRecord.data)
                                .join(ProcessInstance, ProcessInstance.id == TaskRecord.instance_id)
                                .where(ProcessInstance.parent_id == case_id,
                                       ProcessInstance.process_id == INTEREST_PROCESS,
                                       TaskRecord.status == "completed", TaskRecord.form_id == INTEREST_FORM)):
        if isinstance(data, dict) and isinstance(data.get("interested"), str):
            answers[data["interested"]] += 1
    return InterestCount(asked, dict(answers))
