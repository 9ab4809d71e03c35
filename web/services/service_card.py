"""The service identity card (شناسنامه خدمت): the declared values, and what clusterflow measures beside them.

The declared values are in ``web/data/service_card.json`` in both languages.
The measured figures cover a period of whole Jalali months and the cases in the
actor's scope:

- recipients: firms served per month, the firms taking part in at least one joint
  action each month (web/services/firms/served.py) when any firm took part; otherwise
  firms per month where case firm counts are known (from ``firms_of``), otherwise
  cluster cases started per month; ``recipients_basis`` says which;
- time to deliver: mean and median days from start to completion of the
  cluster cases completed in the period, and how long the running ones have run;
- frequency: identification rounds started in the period, per year.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from engine.clock import Clock

from ..models import ProcessInstance
from .actors import Actor
from .cases import require_supervisor
from .aggregates import days_between, moment, quantiles
from .dashboard import FIRMS_COLUMN, FirmsOf, Period, in_scope, parse_period, scope
from .firms.served import firms_served
from .inquiries.form_two import form_two_rows
from .permits.form_one import form_one_rows

CARD_FILE = Path(__file__).resolve().parent.parent / "data" / "service_card.json"
CASE_PROCESS = "cluster_case"
ROUND_PROCESS = "identification_round"
SYSTEM_NAME = "clusterflow"
DAYS_PER_YEAR = 365.2425


@dataclass(frozen=True)
class CardField:
    key: str
    label: str
    value: str | None        # None: the card leaves it blank
    note: str | None
    measure: str | None      # the measured figure shown beside it


@dataclass(frozen=True)
class CardSection:
    number: int
    title: str
    fields: list[CardField]
    columns: list[str]                 # sections the card lays out as a table (7 and 8)
    rows: list[list[str | None]]


@dataclass(frozen=True)
class AccessStage:
    key: str
    name: str
    mode: str                # as declared
    visit: str | None
    reason: str
    electronic_now: bool     # runs in clusterflow


@dataclass(frozen=True)
class CardForm:
    number: int
    title: str
    columns: list[str]
    rows: list[str]          # each row's label, printed in column ``row_column`` (Form 1: the permit types)
    row_column: int
    notes: list[str]
    table: list[list[str]] = field(default_factory=list)   # rows filled from the registers, one cell a column


@dataclass(frozen=True)
class Measured:
    period: Period
    provinces: list[str] | None          # None: all provinces
    recipients_basis: str                # "firms" or "cases"
    recipients_total: int
    recipients_per_month: float
    cases_started: int
    cases_with_firms: int
    completed_cases: int
    mean_days: float | None
    median_days: float | None
    running_cases: int
    running_mean_days: float | None
    running_longest_days: float | None
    rounds_started: int
    rounds_per_year: float
    system_name: str
    web_address: str | None
    electronic_stages: list[str]
    firms_served: list[int] = field(default_factory=list)   # per month of the period: firms in joint actions


@dataclass(frozen=True)
class ServiceCard:
    language: str
    title: str
    sections: list[CardSection]
    access_title: str
    access: list[AccessStage]
    outputs_title: str
    outputs: list[str]
    footer: list[CardField]
    forms: list[CardForm]
    measured: Measured


@lru_cache(maxsize=1)
def declared() -> dict[str, Any]:
    """The card as the agency filled it in, both languages (a shared object: do not change it)."""
    loaded: dict[str, Any] = json.loads(CARD_FILE.read_text(encoding="utf-8"))
    return loaded


def build_service_card(session: Session, actor: Actor, clock: Clock, *, language: str,
                       period_from: str | None = None, period_to: str | None = None, province: str | None = None,
                       web_address: str | None = None, firms_of: FirmsOf | object | None = None) -> ServiceCard:
    """The card in ``language`` ("fa" or "en") with figures measured over the chosen months (default: the last 12).

    :raise Forbidden: not a supervising role.
    :raise InvalidInput: a malformed period.
    """
    require_supervisor(actor)
    period = parse_period(period_from, period_to, clock.now())
    provinces = scope(actor, province)
    figures = measure(session, clock, period=period, provinces=provinces, web_address=web_address,
                      firms_of=firms_of)
    card = localize(declared(), figures, language)
    return replace(card, forms=[_filled(session, form, card.language, period, provinces) for form in card.forms])


def _filled(session: Session, form: CardForm, lang: str, period: Period, provinces: list[str] | None) -> CardForm:
    """Form 1 and Form 2 with their rows from the permits and inquiries registers."""
    if form.number == 1:
        return replace(form, table=form_one_rows(session, form.rows, lang, start=period.start, end=period.end,
                                                 provinces=provinces))
    if form.number == 2:
        return replace(form, table=form_two_rows(session, lang, start=period.start, end=period.end,
                                                 provinces=provinces))
    return form


def measure(session: Session, clock: Clock, *, period: Period, provinces: list[str] | None,
            web_address: str | None = None, firms_of: FirmsOf | object | None = None) -> Measured:
    """The figures the card asks for, from the cases of ``provinces`` (None: all), aggregated by the database.

    ``firms_of``: ``FIRMS_COLUMN`` for the firms the cases recorded, a function of a
    case row (id, started_at, firms), or None for no firm counts.
    """
    now = clock.now()

    # count(*), not count(id): the counts are read from an index alone (migration 0010)
    def of(process_id: str, *columns: Any) -> Any:
        return in_scope(select(*columns).where(ProcessInstance.process_id == process_id), provinces)

    in_period = (ProcessInstance.started_at >= period.start, ProcessInstance.started_at < period.end)
    if firms_of is None or firms_of is FIRMS_COLUMN:
        started, total_firms, with_firms = session.execute(of(
            CASE_PROCESS, func.count(), func.sum(ProcessInstance.firms),
            func.count(ProcessInstance.firms)).where(*in_period)).one()
        if firms_of is None:
            total_firms, with_firms = None, 0
    else:
        rows = session.execute(of(CASE_PROCESS, ProcessInstance.id, ProcessInstance.started_at,
                                  ProcessInstance.firms).where(*in_period)).all()
        firms = [n for n in (firms_of(row) for row in rows) if n is not None]  # type: ignore[operator]
        started, total_firms, with_firms = len(rows), sum(firms), len(firms)
    basis = "firms" if with_firms else "cases"
    total = int(total_firms or 0) if with_firms else started
    served = firms_served(session, period, provinces)
    if any(served):
        basis, total = "joint_actions", sum(served)

    durations = of(CASE_PROCESS, literal(1).label("grp"),
                   days_between(session, ProcessInstance.started_at, ProcessInstance.completed_at).label("value")
                   ).where(ProcessInstance.status == "completed", ProcessInstance.completed_at >= period.start,
                           ProcessInstance.completed_at < period.end).subquery()
    completed, mean, median = quantiles(session, durations, 0.5).get(1, (0, None, None))
    ran = days_between(session, ProcessInstance.started_at, moment(now))
    running, running_mean, running_longest = session.execute(of(
        CASE_PROCESS, func.count(), func.avg(ran), func.max(ran))
        .where(ProcessInstance.status == "running")).one()
    rounds = session.scalar(of(ROUND_PROCESS, func.count()).where(*in_period)) or 0
    stages = [s["key"] for s in declared()["access"]["stages"] if s["electronic_now"]]
    return Measured(
        period=period, provinces=provinces, recipients_basis=basis, recipients_total=total,
        recipients_per_month=total / period.length, cases_started=started, cases_with_firms=with_firms,
        completed_cases=completed, mean_days=mean, median_days=median, running_cases=running,
        running_mean_days=None if running_mean is None else float(running_mean),
        running_longest_days=None if running_longest is None else float(running_longest), rounds_started=rounds,
        rounds_per_year=rounds * 12 / period.length, system_name=SYSTEM_NAME, web_address=web_address,
        electronic_stages=stages, firms_served=served)


def localize(card: dict[str, Any], measured: Measured, language: str) -> ServiceCard:
    """The declared card in one language ("fa", or "en"; Persian for anything else), with the measured figures."""
    lang = language if language in ("fa", "en") else "fa"

    def text(value: dict[str, str] | None) -> str | None:
        return None if value is None else value[lang]

    def fields(items: list[dict[str, Any]]) -> list[CardField]:
        return [CardField(f["key"], f["label"][lang], text(f.get("value")), text(f.get("note")), f.get("measure"))
                for f in items]

    sections = [CardSection(s["number"], s["title"][lang], fields(s["fields"]), [c[lang] for c in s.get("columns", [])],
                            [[text(cell) for cell in row] for row in s.get("rows", [])]) for s in card["sections"]]
    access = [AccessStage(s["key"], s["name"][lang], s["mode"][lang], text(s.get("visit")), s["reason"][lang],
                          s["electronic_now"]) for s in card["access"]["stages"]]
    forms = [CardForm(f["number"], f["title"][lang], [c[lang] for c in f["columns"]], [r[lang] for r in f["rows"]],
                      f["row_column"], [n[lang] for n in f["notes"]]) for f in card["forms"]]
    return ServiceCard(lang, card["title"][lang], sections, card["access"]["title"][lang], access,
                       card["outputs"]["title"][lang], [o[lang] for o in card["outputs"]["items"]],
                       fields(card["footer"]), forms, measured)


def years(days: float) -> float:
    return days / DAYS_PER_YEAR
