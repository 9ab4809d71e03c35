"""The supervisors' dashboard: where the cases in an actor's scope stand, how long stages take, what is late.

Months are Jalali calendar months in Tehran time; a *period* is a run of whole
months. Durations are in days (fractions kept). Scope follows the case list:
national roles see every province, others only their own.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from sqlalchemy import Integer, case, func, literal, select
from sqlalchemy.orm import Session

from engine.calendar import TEHRAN, from_jalali, latin_digits, to_jalali
from engine.clock import Clock

from ..models import ProcessDefinition, ProcessInstance, StageStay, TaskRecord
from .actors import Actor
from .aggregates import bucket, days_between, later, moment, quantiles
from .cases import STATUSES, has_failed_step, require_supervisor
from .errors import InvalidInput

FirmsOf = Callable[[Any], "int | None"]   # a case row (id, started_at, firms) -> its firm count, or None
FIRMS_COLUMN = object()  # firms_of: the firm counts the cases recorded (``process_instance.firms``), summed in SQL
MAX_MONTHS = 120
DEFAULT_MONTHS = 12
_MONTH = re.compile(r"\s*(\d{4})[/-](\d{1,2})(?:[/-]\d{1,2})?\s*")
Month = tuple[int, int]  # Jalali (year, month)


@dataclass(frozen=True)
class Period:
    """Whole Jalali months from ``first`` to ``last``, both included."""

    first: Month
    last: Month

    @property
    def months(self) -> list[Month]:
        year, month = self.first
        out = []
        while (year, month) <= self.last:
            out.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    @property
    def length(self) -> int:
        return (self.last[0] - self.first[0]) * 12 + self.last[1] - self.first[1] + 1

    @property
    def start(self) -> datetime:
        return month_start(self.first)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        year, month = self.last
        return month_start((year + 1, 1) if month == 12 else (year, month + 1))


@dataclass(frozen=True)
class DashboardFilters:
    province: str | None = None
    process_id: str | None = None
    period_from: str | None = None  # Jalali month "1404/04" (a day, if given, is ignored)
    period_to: str | None = None


@dataclass(frozen=True)
class StageCount:
    stage: str | None
    count: int


@dataclass(frozen=True)
class ProvinceRow:
    province: str | None
    by_status: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass(frozen=True)
class RoleOverdue:
    role: str | None
    overdue: int
    open: int


@dataclass(frozen=True)
class StageTime:
    stage: str
    stays: int
    mean_days: float
    p90_days: float


@dataclass(frozen=True)
class MonthRow:
    month: Month
    cases: int
    firms: int | None          # None: no case started that month has a known firm count
    cases_without_firms: int


@dataclass(frozen=True)
class Dashboard:
    filters: DashboardFilters
    period: Period
    provinces: list[str] | None   # the provinces counted; None: all
    now: datetime
    running_by_stage: list[StageCount]
    by_province: list[ProvinceRow]
    totals: dict[str, int]
    overdue_by_role: list[RoleOverdue]
    stage_times: list[StageTime]
    months: list[MonthRow]
    firms_available: bool
    processes: list[tuple[str, str]] = field(default_factory=list)  # (process id, name) to filter on
    failed_steps: int = 0   # running cases whose scheduled step failed for good (a retry is needed)


def month_of(moment: datetime) -> Month:
    """The Jalali month a moment falls in, in Tehran."""
    year, month, _ = to_jalali(moment).split("/")
    return int(year), int(month)


def month_start(month: Month) -> datetime:
    """Tehran midnight on the first day of a Jalali month."""
    return datetime.combine(from_jalali(f"{month[0]:04d}/{month[1]:02d}/01"), time(0), TEHRAN)


def parse_period(first: str | None, last: str | None, now: datetime, *,
                 default_months: int = DEFAULT_MONTHS) -> Period:
    """The period between two Jalali months; by default the ``default_months`` months up to now's month.

    :raise InvalidInput: a malformed month ("from" / "to"), an empty or over-long period.
    """
    errors: dict[str, list[str]] = {}
    months: dict[str, Month] = {}
    for name, text in (("from", first), ("to", last)):
        if not text:
            continue
        match = _MONTH.fullmatch(latin_digits(text))
        try:
            if match is None:
                raise ValueError(f"{text!r} is not a Jalali month: expected YYYY/MM, e.g. 1405/01")
            months[name] = (int(match.group(1)), int(match.group(2)))
            month_start(months[name])
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise InvalidInput("invalid period", errors)
    end = months.get("to") or month_of(now)
    if "from" in months:
        start = months["from"]
    else:
        index = end[0] * 12 + end[1] - 1 - (default_months - 1)
        start = (index // 12, index % 12 + 1)
    period = Period(start, end)
    if not 1 <= period.length <= MAX_MONTHS:
        raise InvalidInput("invalid period", {"from": [f"the period must be 1 to {MAX_MONTHS} months long"]})
    return period


def scope(actor: Actor, province: str | None) -> list[str] | None:
    """The provinces an actor's figures cover (None: all); a chosen province outside the scope covers none."""
    if province:
        return [province] if actor.sees_cases_in(province) else []
    return None if actor.national_cases else sorted(actor.provinces)


def in_scope(query: Any, provinces: list[str] | None, column: Any = ProcessInstance.province) -> Any:
    return query if provinces is None else query.where(column.in_(provinces))


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` quantile by linear interpolation between the sorted values (numpy's default).

    p90 of [2, 10, 30] is at rank 0.9 * 2 = 1.8: 10 + 0.8 * (30 - 10) = 26.
    :raise ValueError: no values.
    """
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def stays_in_period(session: Session, provinces: list[str] | None, process_id: str | None, now: datetime,
                    period: Period) -> Any:
    """The stays in a stage that overlap the period, as a subquery (``grp``: the stage, ``value``: days).

    Read from ``stage_stay`` (kept with each stage change, web.services.stage_stays):
    a stay lasts from entering its stage to the next change or the case's end; an
    open one to ``now``.
    """
    end = func.coalesce(StageStay.left_at, moment(now))
    query = in_scope(select(StageStay.stage.label("grp"),
                            days_between(session, StageStay.entered_at,
                                         later(session, end, StageStay.entered_at)).label("value"))
                     .where(StageStay.stage != "", StageStay.entered_at < moment(period.end),
                            end >= moment(period.start)), provinces, StageStay.province)
    if process_id:
        query = query.where(StageStay.process_id == process_id)
    return query.subquery()


def open_by_role(session: Session, provinces: list[str] | None, process_id: str | None,
                 now: datetime) -> list[RoleOverdue]:
    """Open tasks of running cases per role, and how many of them are late.

    A case's tasks are open only while it runs or is suspended (terminating withdraws
    them, completing closes them), so the open tasks of suspended cases are the ones
    left out; the province is the task's own (its case's). Read from the open tasks'
    partial index, whatever the number of closed ones.
    """
    late = case((TaskRecord.due_at < moment(now), 1), else_=0)
    suspended = select(ProcessInstance.id).where(ProcessInstance.id == TaskRecord.instance_id,
                                                 ProcessInstance.status == "suspended").exists()
    query = in_scope(select(TaskRecord.role, func.sum(late), func.count())
                     .where(TaskRecord.status == "open", ~suspended).group_by(TaskRecord.role),
                     provinces, TaskRecord.province)
    if process_id:
        query = query.where(select(ProcessInstance.id).where(ProcessInstance.id == TaskRecord.instance_id,
                                                             ProcessInstance.process_id == process_id).exists())
    return [RoleOverdue(role, int(overdue or 0), total) for role, overdue, total in session.execute(query)]


def build_dashboard(session: Session, actor: Actor, clock: Clock, filters: DashboardFilters, *,
                    stage_order: Sequence[str] = (), firms_of: FirmsOf | object | None = None) -> Dashboard:
    """Every figure of the dashboard for the cases in the actor's scope, narrowed by ``filters``.

    Every figure is an aggregate computed by the database: a fixed number of
    queries, whatever the number of cases, and no serialized state read.
    ``firms_of`` is ``FIRMS_COLUMN`` for the firms each case recorded (``firms``),
    a function giving a case's firm count (or None), or None to leave the firms
    series out.

    :raise Forbidden: not a supervising role.
    :raise InvalidInput: a malformed period.
    """
    require_supervisor(actor)
    now = clock.now()
    period = parse_period(filters.period_from, filters.period_to, now)
    provinces = scope(actor, filters.province)

    def cases(query: Any) -> Any:
        query = in_scope(query, provinces)
        return query.where(ProcessInstance.process_id == filters.process_id) if filters.process_id else query

    order = {stage: index for index, stage in enumerate(stage_order)}

    def stage_key(stage: str | None) -> tuple[int, str]:
        return (order.get(stage, len(order)) if stage else len(order) + 1, stage or "")

    # one pass over an index alone (index-only scan, migration 0007) gives both the running cases per stage and
    # the cases per province and status: count(*), not count(id)
    running_counts: dict[str | None, int] = defaultdict(int)
    counts: dict[str | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    for status, province, stage, count in session.execute(cases(
            select(ProcessInstance.status, ProcessInstance.province, ProcessInstance.stage, func.count())
            .group_by(ProcessInstance.status, ProcessInstance.province, ProcessInstance.stage))):
        counts[province][status] = counts[province].get(status, 0) + count
        if status == "running":
            running_counts[stage] += count
    running_by_stage = sorted((StageCount(stage, count) for stage, count in running_counts.items()),
                              key=lambda r: stage_key(r.stage))
    by_province = [ProvinceRow(p, counts[p]) for p in sorted(counts, key=lambda p: p or "")]
    totals = {status: sum(row.by_status.get(status, 0) for row in by_province) for status in STATUSES}

    overdue_by_role = sorted(open_by_role(session, provinces, filters.process_id, now),
                             key=lambda r: (-r.overdue, r.role or ""))

    in_period = stays_in_period(session, provinces, filters.process_id, now, period)
    stage_times = [StageTime(stage, stays_count, mean, p90) for stage, (stays_count, mean, p90) in
                   sorted(quantiles(session, in_period, 0.9).items(), key=lambda item: stage_key(item[0]))]

    months = monthly(session, cases, period, firms_of)
    failed_steps = session.scalar(cases(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.status == "running", has_failed_step()))) or 0
    return Dashboard(filters, period, provinces, now, running_by_stage, by_province, totals, overdue_by_role,
                     stage_times, months, any(m.firms is not None for m in months), process_names(session),
                     failed_steps)


def monthly(session: Session, cases: Callable[[Any], Any], period: Period,
            firms_of: FirmsOf | object | None) -> list[MonthRow]:
    """Cases started in each month of the period, and the firms they serve where known.

    With ``FIRMS_COLUMN`` (or no firms) one grouped query; with a function, the
    started cases' id, start and firms columns are read (never a whole row).
    """
    started = (ProcessInstance.started_at >= period.start, ProcessInstance.started_at < period.end)
    months = period.months
    if firms_of is not None and firms_of is not FIRMS_COLUMN:
        count: dict[Month, int] = defaultdict(int)
        firms: dict[Month, int] = {}
        unknown: dict[Month, int] = defaultdict(int)
        for row in session.execute(cases(select(ProcessInstance.id, ProcessInstance.started_at,
                                                ProcessInstance.firms).where(*started))):
            month = month_of(row.started_at)
            count[month] += 1
            number = firms_of(row)  # type: ignore[operator]
            if number is None:
                unknown[month] += 1
            else:
                firms[month] = firms.get(month, 0) + number
        return [MonthRow(m, count[m], firms.get(m), unknown[m]) for m in months]
    index = bucket(session, ProcessInstance.started_at, [month_start(m) for m in months] + [period.end])
    known = firms_of is FIRMS_COLUMN
    firm_count = ProcessInstance.firms if known else literal(None, Integer)
    rows = {i: (n, total, n - with_firms) for i, n, total, with_firms in session.execute(cases(
        select(index, func.count(), func.sum(firm_count), func.count(firm_count))
        .where(*started).group_by(index)))}
    out = []
    for i, month in enumerate(months):
        n, total, without = rows.get(i, (0, None, 0))
        out.append(MonthRow(month, n, None if total is None else int(total), without))
    return out


def process_names(session: Session) -> list[tuple[str, str]]:
    """Every deployed process id with its name in the newest version."""
    names: dict[str, str] = {}
    for process_id, name in session.execute(select(ProcessDefinition.process_id, ProcessDefinition.name)
                                            .order_by(ProcessDefinition.version_id.desc())):
        names.setdefault(process_id, name)
    return sorted(names.items())
