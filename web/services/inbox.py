"""What a person sees in their inbox: open tasks of their roles in their provinces, and tasks held by them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import Session, defer

from engine.clock import Clock

from ..models import ProcessDefinition, ProcessInstance, TaskRecord
from .actors import Actor
from .deployment import newest_definitions
from .errors import InvalidInput
from .limits import MAX_ID, MAX_PAGE
from .search_text import fold, matches

SORTS = {
    "due": (TaskRecord.due_at.is_(None), TaskRecord.due_at, TaskRecord.created_at),
    "-due": (TaskRecord.due_at.is_(None), TaskRecord.due_at.desc(), TaskRecord.created_at),
    "created": (TaskRecord.created_at,),
    "-created": (TaskRecord.created_at.desc(),),
    "name": (TaskRecord.name, TaskRecord.created_at),
}
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class InboxFilters:
    tab: str = "open"              # open | completed
    process_id: str | None = None
    stage: str | None = None
    cluster: str | None = None     # part of the case title
    due: str | None = None         # overdue | today | week
    q: str | None = None
    sort: str = "due"
    page: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class InboxRow:
    task_id: str
    name: str
    element_id: str
    form_id: str | None
    role: str | None
    province: str | None
    assignee: str | None
    due_at: datetime | None
    overdue: bool
    created_at: datetime
    completed_at: datetime | None
    instance_id: int
    process_id: str
    process_name: str
    case_title: str | None
    stage: str | None
    name_en: str | None = None
    process_name_en: str | None = None


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    page: int
    pages: int
    per_page: int


def visible_open_tasks(actor: Actor):  # type: ignore[no-untyped-def]
    """The SQL condition for open tasks this actor may work on (their roles and provinces, or held by them);
    a firm representative's: only tasks of cases about one of their confirmed firms, whatever the province."""
    if actor.for_firms:
        mine = or_(TaskRecord.assignee == actor.username,
                   and_(TaskRecord.assignee.is_(None), TaskRecord.role.in_(sorted(actor.case_roles))))
        return and_(TaskRecord.status == "open", ProcessInstance.status == "running",
                    TaskRecord.firm_id.in_(sorted(actor.firm_ids)), mine)
    in_province = true() if actor.national_cases else or_(
        TaskRecord.province.is_(None), TaskRecord.province.in_(sorted(actor.provinces)))
    by_role = and_(TaskRecord.assignee.is_(None), TaskRecord.role.in_(sorted(actor.case_roles)), in_province)
    return and_(TaskRecord.status == "open", ProcessInstance.status == "running",
                or_(TaskRecord.assignee == actor.username, by_role))


def list_tasks(session: Session, actor: Actor, filters: InboxFilters, clock: Clock) -> InboxPage:
    """One page of the actor's inbox.

    :raise InvalidInput: an unknown tab, sort or due filter, or a page out of range.
    """
    errors = {}
    if filters.tab not in ("open", "completed"):
        errors["tab"] = ["unknown tab"]
    if filters.sort not in SORTS:
        errors["sort"] = ["unknown sort"]
    if filters.due not in (None, "", "overdue", "today", "week"):
        errors["due"] = ["unknown due filter"]
    if not 1 <= filters.page <= MAX_PAGE or not 1 <= filters.per_page <= MAX_PER_PAGE:
        errors["page"] = ["out of range"]
    if errors:
        raise InvalidInput("invalid inbox filters", errors)
    now = clock.now()
    # only the columns a row shows: never the instance's serialized state nor the task's submitted data
    query = (select(TaskRecord, ProcessInstance.id, ProcessInstance.process_id, ProcessInstance.title,
                    ProcessInstance.stage, ProcessDefinition.name, ProcessDefinition.name_en)
             .options(defer(TaskRecord.data))
             .join(ProcessInstance, ProcessInstance.id == TaskRecord.instance_id)
             .outerjoin(ProcessDefinition, and_(ProcessDefinition.version_id == ProcessInstance.version_id,
                                                ProcessDefinition.process_id == TaskRecord.process_id)))
    if filters.tab == "open":
        query = query.where(visible_open_tasks(actor))
    else:
        query = query.where(TaskRecord.status == "completed", TaskRecord.completed_by == actor.username)
        if actor.for_firms:
            query = query.where(TaskRecord.firm_id.in_(sorted(actor.firm_ids)))
    if filters.process_id:
        query = query.where(or_(TaskRecord.process_id == filters.process_id,
                                ProcessInstance.process_id == filters.process_id))
    if filters.stage:
        query = query.where(ProcessInstance.stage == filters.stage)
    if filters.cluster:
        query = query.where(matches(ProcessInstance.title, filters.cluster))
    if filters.due == "overdue":
        query = query.where(TaskRecord.due_at < now)
    elif filters.due in ("today", "week"):
        query = query.where(TaskRecord.due_at < now + timedelta(days=1 if filters.due == "today" else 7))
    if filters.q:
        needle = fold(filters.q)
        conditions = [matches(TaskRecord.name, needle), matches(ProcessInstance.title, needle)]
        if needle.isascii() and needle.isdigit() and len(needle) <= 10 and int(needle) <= MAX_ID:
            conditions.append(ProcessInstance.id == int(needle))
        query = query.where(or_(*conditions))
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(TaskRecord.id).subquery())) or 0
    order = SORTS[filters.sort] if filters.tab == "open" else (TaskRecord.completed_at.desc(),)
    rows = session.execute(query.order_by(*order).limit(filters.per_page)
                           .offset((filters.page - 1) * filters.per_page)).all()
    pages = max(1, -(-total // filters.per_page))
    return InboxPage([_row(task, _Case(*case), name, now, name_en) for task, *case, name, name_en in rows], total,
                     filters.page,
                     pages, filters.per_page)


def counts(session: Session, actor: Actor, clock: Clock) -> dict[str, int]:
    """Open and overdue task counts for the navigation bar: one query, on every page.

    The tasks of the actor's roles (unheld) and those held by them are counted apart
    (they never overlap), each from an index alone; open tasks of running cases are the
    open tasks not of a suspended case (a terminated case's are withdrawn, a completed
    one has none), so no case row is read, however many tasks a national role sees.
    """
    late = case((TaskRecord.due_at < clock.now(), 1), else_=0)
    suspended = select(ProcessInstance.id).where(ProcessInstance.id == TaskRecord.instance_id,
                                                 ProcessInstance.status == "suspended").exists()
    in_province = true() if actor.national_cases else or_(
        TaskRecord.province.is_(None), TaskRecord.province.in_(sorted(actor.provinces)))
    parts = [select(func.count().label("n"), func.sum(late).label("late")).where(
        TaskRecord.status == "open", ~suspended, *where).subquery()
        for where in ((TaskRecord.assignee.is_(None), TaskRecord.role.in_(sorted(actor.case_roles)), in_province),
                      (TaskRecord.assignee == actor.username,))]
    total, overdue = session.execute(select(parts[0].c.n + parts[1].c.n,
                                            func.coalesce(parts[0].c.late, 0) + func.coalesce(parts[1].c.late, 0))
                                     .select_from(parts[0].join(parts[1], true()))).one()
    return {"open": total or 0, "overdue": int(overdue or 0)}


class _Case(NamedTuple):
    id: int
    process_id: str
    title: str | None
    stage: str | None


def _row(task: TaskRecord, instance: _Case, process_name: str | None, now: datetime,
         process_name_en: str | None = None) -> InboxRow:
    return InboxRow(
        task_id=task.id, name=task.name, element_id=task.element_id, form_id=task.form_id, role=task.role,
        province=task.province, assignee=task.assignee, due_at=task.due_at,
        overdue=task.status == "open" and task.due_at is not None and task.due_at < now,
        created_at=task.created_at, completed_at=task.completed_at, instance_id=instance.id,
        process_id=instance.process_id, process_name=process_name or task.process_id, case_title=instance.title,
        stage=instance.stage, name_en=task.name_en, process_name_en=process_name_en)


def process_choices(session: Session) -> list[tuple[str, str]]:
    """(process id, name) of every deployed process, by its newest name; for the inbox filter."""
    definitions = session.scalars(newest_definitions().order_by(ProcessDefinition.name))
    return [(d.process_id, d.name) for d in definitions]
