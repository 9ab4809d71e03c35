"""The supervisors' view of cases: every case in their scope, filtered, sorted, paginated, exported."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from engine.calendar import TEHRAN, from_jalali
from engine.clock import Clock

from ..models import ProcessDefinition, ProcessInstance, TaskRecord, Timer
from .actors import Actor
from .aggregates import read_all
from .errors import Forbidden, InvalidInput
from .limits import MAX_ID, MAX_PAGE
from .search_text import matches

# administrators and process designers are not here: administering is no reason to read cases
SUPERVISING_ROLES = frozenset({"supervisor", "company_ceo", "small_industries_deputy", "isipo_expert"})
STATUSES = ("running", "completed", "suspended", "terminated")
SORTS = {
    "-started": (ProcessInstance.started_at.desc(),),
    "started": (ProcessInstance.started_at,),
    "-updated": (ProcessInstance.updated_at.desc(),),
    "province": (ProcessInstance.province, ProcessInstance.id),
    "stage": (ProcessInstance.stage, ProcessInstance.id),
    "id": (ProcessInstance.id,),
}
MAX_PER_PAGE = 200
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class CaseFilters:
    province: str | None = None
    stage: str | None = None
    status: str | None = None
    cluster: str | None = None
    process_id: str | None = None
    version: int | None = None
    overdue: bool = False
    failed: bool = False              # only cases with a scheduled step that failed for good
    started_from: str | None = None   # Jalali date
    started_to: str | None = None     # Jalali date, inclusive
    sort: str = "-started"
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class Holder:
    task_id: str
    task_name: str
    role: str | None
    assignee: str | None
    due_at: datetime | None
    overdue: bool
    task_name_en: str | None = None


@dataclass(frozen=True)
class CaseRow:
    id: int
    title: str | None
    process_id: str
    process_name: str
    version: int
    province: str | None
    stage: str | None
    status: str
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    holders: list[Holder] = field(default_factory=list)
    error: str | None = None          # the scheduled step that failed last, if it has not run since
    process_name_en: str | None = None

    @property
    def overdue(self) -> bool:
        return any(h.overdue for h in self.holders)


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int
    per_page: int


def require_supervisor(actor: Actor) -> None:
    """:raise Forbidden: the actor has no supervising role."""
    if not (actor.system or actor.roles & SUPERVISING_ROLES):
        raise Forbidden("the case list is for supervising roles")


def list_cases(session: Session, actor: Actor, filters: CaseFilters, clock: Clock, *,
               paginate: bool = True) -> CasePage:
    """Cases in the actor's provinces (all for national roles) matching ``filters``.

    Without ``paginate`` every matching case is returned: exports use ``iter_cases``, which streams them.

    :raise Forbidden: not a supervising role.
    :raise InvalidInput: a malformed filter (e.g. a date), naming the field.
    """
    require_supervisor(actor)
    now = clock.now()
    query = _filtered(select(*_LISTED), actor, filters, now)
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(ProcessInstance.id).subquery())) or 0
    query = query.order_by(*SORTS[filters.sort])
    if paginate:
        query = query.limit(filters.per_page).offset((filters.page - 1) * filters.per_page)
    instances = session.execute(query).all()
    return CasePage(_rows(session, instances, now), total, filters.page,
                    max(1, -(-total // filters.per_page)), filters.per_page)


def check_filters(actor: Actor, filters: CaseFilters, clock: Clock) -> None:
    """What ``iter_cases`` would raise, raised now (before a streamed answer has begun).

    :raise Forbidden, InvalidInput:
    """
    require_supervisor(actor)
    _filtered(select(ProcessInstance.id), actor, filters, clock.now())


def count_cases(session: Session, actor: Actor, filters: CaseFilters, clock: Clock) -> int:
    """How many cases match ``filters`` in the actor's scope (what an export of them would carry).

    :raise Forbidden, InvalidInput:
    """
    require_supervisor(actor)
    query = _filtered(select(ProcessInstance.id), actor, filters, clock.now())
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def iter_cases(session: Session, actor: Actor, filters: CaseFilters, clock: Clock, *,
               batch: int = EXPORT_BATCH) -> Iterator[CaseRow]:
    """Every case matching ``filters`` in the list's order, streamed from one query (a server-side cursor on
    PostgreSQL, ``batch`` rows at a time), so memory stays flat however many cases there are.

    Each case comes with its open tasks (joined, one row per task, in due order); ties of the list's order are
    broken by case id, which keeps a case's rows together.

    :raise Forbidden, InvalidInput: (when iteration begins; call ``check_filters`` first to fail early).
    """
    require_supervisor(actor)
    now = clock.now()
    held = aliased(TaskRecord)   # an alias: the filters' own task subqueries stay about the case
    query = (_filtered(select(*_LISTED, held.id.label("task_id"), held.name.label("task_name"), held.role,
                              held.assignee, held.due_at, held.name_en.label("task_name_en")), actor, filters, now)
             .outerjoin(held, and_(held.instance_id == ProcessInstance.id, held.status == "open"))
             .order_by(*SORTS[filters.sort], ProcessInstance.id, held.due_at))
    names = _process_names(session)
    read_all(session)
    result = session.execute(query.execution_options(yield_per=batch, stream_results=True))
    current: CaseRow | None = None
    # unpacked by position: some 100,000 rows go through here (a named attribute costs more)
    for (iid, title, process_id, version, province, stage, status, started, updated, completed, error,
         task_id, task_name, role, assignee, due, task_name_en) in result:
        if current is None or current.id != iid:
            if current is not None:
                yield current
            name, name_en = names.get((version, process_id), (process_id, None))
            current = CaseRow(iid, title, process_id, name, version, province, stage, status, started, updated,
                           completed, [], error, name_en)
        if task_id is not None:
            current.holders.append(Holder(task_id, task_name, role, assignee, due, due is not None and due < now,
                                       task_name_en))
    if current is not None:
        yield current


def _process_names(session: Session) -> dict[tuple[int, str], tuple[str, str | None]]:
    """Every deployed process version's name and English name."""
    return {(version, process): (name, name_en) for version, process, name, name_en in session.execute(
        select(ProcessDefinition.version_id, ProcessDefinition.process_id, ProcessDefinition.name,
               ProcessDefinition.name_en))}


# the columns a case row shows (never the serialized state)
_LISTED = (ProcessInstance.id, ProcessInstance.title, ProcessInstance.process_id, ProcessInstance.version_id,
           ProcessInstance.province, ProcessInstance.stage, ProcessInstance.status, ProcessInstance.started_at,
           ProcessInstance.updated_at, ProcessInstance.completed_at, ProcessInstance.last_error)


def _filtered(query, actor: Actor, filters: CaseFilters, now: datetime):  # type: ignore[no-untyped-def]
    errors: dict[str, list[str]] = {}
    if filters.sort not in SORTS:
        errors["sort"] = ["unknown sort"]
    if filters.status not in (None, *STATUSES):
        errors["status"] = ["unknown status"]
    if not 1 <= filters.page <= MAX_PAGE or not 1 <= filters.per_page <= MAX_PER_PAGE:
        errors["page"] = ["out of range"]
    if filters.version is not None and not 1 <= filters.version <= MAX_ID:
        errors["version"] = ["out of range"]
    bounds = {}
    for name in ("started_from", "started_to"):
        text = getattr(filters, name)
        if text:
            try:
                bounds[name] = from_jalali(text)
            except ValueError as exc:
                errors[name] = [str(exc)]
    if errors:
        raise InvalidInput("invalid case filters", errors)
    if not actor.national_cases:
        query = query.where(ProcessInstance.province.in_(sorted(actor.provinces)))
    if filters.province:
        query = query.where(ProcessInstance.province == filters.province)
    if filters.stage:
        query = query.where(ProcessInstance.stage == filters.stage)
    if filters.status:
        query = query.where(ProcessInstance.status == filters.status)
    if filters.cluster:
        query = query.where(matches(ProcessInstance.title, filters.cluster))
    if filters.process_id:
        query = query.where(ProcessInstance.process_id == filters.process_id)
    if filters.version:
        query = query.where(ProcessInstance.version_id == filters.version)
    if "started_from" in bounds:
        query = query.where(ProcessInstance.started_at >= _tehran_midnight(bounds["started_from"]))
    if "started_to" in bounds:
        query = query.where(ProcessInstance.started_at < _tehran_midnight(bounds["started_to"] + timedelta(days=1)))
    if filters.overdue:
        late = exists().where(and_(TaskRecord.instance_id == ProcessInstance.id, TaskRecord.status == "open",
                                   TaskRecord.due_at < now))
        query = query.where(late)
    if filters.failed:
        query = query.where(has_failed_step())
    return query


def has_failed_step():  # type: ignore[no-untyped-def]
    """A case whose timer failed on every attempt and waits for a supervisor's retry."""
    return exists().where(and_(Timer.instance_id == ProcessInstance.id, Timer.status == "failed"))


def _tehran_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), TEHRAN)


def _rows(session: Session, instances: Sequence[Any], now: datetime) -> list[CaseRow]:
    if not instances:
        return []
    ids = [i.id for i in instances]
    holders: dict[int, list[Holder]] = {}
    for task in session.execute(select(TaskRecord.id, TaskRecord.instance_id, TaskRecord.name, TaskRecord.role,
                                       TaskRecord.assignee, TaskRecord.due_at, TaskRecord.name_en)
                                .where(TaskRecord.instance_id.in_(ids), TaskRecord.status == "open")
                                .order_by(TaskRecord.due_at)):
        holders.setdefault(task.instance_id, []).append(Holder(
            task.id, task.name, task.role, task.assignee, task.due_at,
            task.due_at is not None and task.due_at < now, task.name_en))
    names = {(version, process): (name, name_en) for version, process, name, name_en in session.execute(
        select(ProcessDefinition.version_id, ProcessDefinition.process_id, ProcessDefinition.name,
               ProcessDefinition.name_en)
        .where(ProcessDefinition.version_id.in_({i.version_id for i in instances})))}
    return [CaseRow(i.id, i.title, i.process_id, names.get((i.version_id, i.process_id), (i.process_id,))[0],
                    i.version_id, i.province, i.stage, i.status, i.started_at, i.updated_at, i.completed_at,
                    holders.get(i.id, []), i.last_error, names.get((i.version_id, i.process_id), (None, None))[1])
            for i in instances]
