"""Starting instances and working on their tasks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from sqlalchemy import bindparam, delete, exists, select
from sqlalchemy.orm import Session, undefer

from engine.clock import Clock

from ..models import ProcessDefinition, ProcessInstance, TaskDraft, TaskRecord
from ..reference import provinces
from ..runtime import Runtime
from . import one_case
from .actors import Actor
from .closures import MARKER_COLUMNS, refresh_calendar
from .deployment import latest_definition
from .engine_calls import engine_errors, restore_workflow
from .errors import (Forbidden, InstanceNotFound, InvalidInput, NotYourTask, TaskAlreadyCompleted, TaskNotFound, UserNotFound)
from .notify.notices import task_handed_over
from .projection import record
from .records import record_task
from .users import actor_for
from .routing import settle
from .uow import UnitOfWork


@dataclass(frozen=True)
class Outcome:
    """What an action changed: the instance's status and the tasks now open."""

    instance_id: int
    status: str
    open_tasks: list[str] = field(default_factory=list)
    next_task_for_actor: str | None = None


def start_instance(process_id: str, data: Mapping[str, Any] | None, *, actor: Actor, province: str | None,
                   uow: UnitOfWork, runtime: Runtime, clock: Clock, title: str | None = None,
                   repeat_reason: str | None = None, locale: str = "en", firm_id: int | None = None,
                   cluster_id: int | None = None) -> Outcome:
    """Start the newest version of ``process_id`` and run it until it waits.

    ``firm_id``: the firm of the register the case is about (its representatives see the case and work on
    its firm tasks); ``cluster_id``: the cluster it belongs to.

    Only holders of the role of the start event's lane may start a process by hand. A process with
    ``one_case_per`` (the identification round: one per province and year) refuses a second case while
    the first runs or after it completed, unless a supervisor gives ``repeat_reason`` (kept in the history).

    :raise ProcessNotFound, InvalidInput, ProcessFailed, Forbidden:
    :raise DuplicateCase: such a case exists already (409, the message at the field, in ``locale``).
    """
    if province is not None and not actor.sees_province(province):
        raise Forbidden(f"you do not work in province '{province}'")
    with uow:
        outcome = start_in(uow.session, latest_definition(uow.session, process_id), data, actor=actor,
                           province=province, runtime=runtime, clock=clock, title=title,
                           repeat_reason=repeat_reason, locale=locale, firm_id=firm_id, cluster_id=cluster_id)
        uow.commit()
        return outcome


def start_in(session: Session, definition: ProcessDefinition, data: Mapping[str, Any] | None, *, actor: Actor,
             province: str | None, runtime: Runtime, clock: Clock, title: str | None = None,
             repeat_reason: str | None = None, locale: str = "en", firm_id: int | None = None,
             cluster_id: int | None = None, closures: tuple[int, int | None] | None = None) -> Outcome:
    """:func:`start_instance` of ``definition`` (the newest of its process) in the caller's transaction.

    ``closures``: the closures' marker when the caller read it in this transaction (``closures.MARKER_COLUMNS``).
    """
    if province is not None and not actor.sees_province(province):
        raise Forbidden(f"you do not work in province '{province}'")
    process_id = definition.process_id
    starter = actor.system or (definition.manual_start and
                               (not definition.starter_role or definition.starter_role in actor.roles))
    # a supervisor who is not the starter may only repeat a once-a-year case that exists
    repeater = bool(definition.one_case_per) and one_case.REPEAT_ROLE in actor.roles
    if not starter and not repeater:
        raise Forbidden(f"'{process_id}' is started by role '{definition.starter_role}'"
                        if definition.manual_start else f"'{process_id}' is not started by hand")
    spec_set = runtime.spec_set_of(definition)
    refresh_calendar(runtime, session, closures)
    manual = spec_set.manual_starts.get(process_id)
    per = manual.one_case_per if manual else ()
    key, repeated = one_case.claim_key(session, one_case.case_key(process_id, province, per, data or {}),
                                       per, actor, repeat_reason, locale)
    if not starter and not repeated:
        raise Forbidden(f"'{process_id}' is started by role '{definition.starter_role}'; "
                        "a supervisor may only start a repeat of an existing case, giving a reason")
    with engine_errors():
        workflow = runtime.engine.start(spec_set, process_id, _with_province_name(data, province))
    if per and key is None:  # a value the start data lacked, set by the process (the year)
        key, repeated = one_case.claim_key(session, one_case.case_key(
            process_id, province, per, runtime.engine.current_data(workflow)), per, actor, repeat_reason, locale)
    now = clock.now()
    instance = ProcessInstance(process_id=process_id, version_id=definition.version_id, status="running", state="",
                               serializer_version=runtime.engine.serializer.version, province=province,
                               title=title or (data or {}).get("title"), started_by=actor.username,
                               started_at=now, updated_at=now, unique_key=key, firm_id=firm_id,
                               cluster_id=cluster_id)
    one_case.flush_new(session, instance, per, locale)
    started: dict[str, Any] = {"process_id": process_id, "version": definition.version_id, "data": dict(data or {})}
    if repeated and repeat_reason:
        started["repeat_reason"] = repeat_reason.strip()
    record(session, instance, "instance_started", now, actor=actor.username, data=started)
    opened = settle(session, instance, workflow, runtime, now, actor.username, new=True)
    return _outcome(instance, opened, actor)


Check = Callable[[Session, TaskRecord, Mapping[str, Any]], dict[str, Any]]
"""``check(session, task row, case data)``: the clean data to complete with, or InvalidInput."""


def _with_province_name(data: Mapping[str, Any] | None, province: str | None) -> Mapping[str, Any] | None:
    """The start data with ``province_name`` (the province's Persian name) for instructions and titles."""
    if data is not None and not isinstance(data, Mapping):
        return data
    place = (data or {}).get("province") or province
    known = provinces().get(place) if isinstance(place, str) else None
    if known is None or (data or {}).get("province_name"):
        return data
    return {**(data or {}), "province_name": known.fa}


def complete_task(task_id: str, data: Mapping[str, Any] | None, *, actor: Actor, uow: UnitOfWork,
                  runtime: Runtime, clock: Clock, check: Check | None = None) -> Outcome:
    """Complete an open task with ``data`` and run the process on, in one transaction.

    ``check`` validates the data against the task's form and rules with the live case data (the workflow
    is restored once, inside this transaction); without it the data is taken as given. Drafts of the task
    are dropped in the same transaction.

    :raise TaskNotFound: no such task, or not visible to the actor.
    :raise NotYourTask: the actor may see it but not complete it.
    :raise TaskAlreadyCompleted: it was completed (or withdrawn) already, e.g. by a concurrent request.
    :raise InvalidInput, ProcessFailed: nothing is changed.
    """
    with uow:
        row, instance, closures, drafted = _lock_task(uow, task_id, actor)
        if instance.status != "running":
            raise TaskAlreadyCompleted(f"the case is {instance.status}; its tasks cannot be completed")
        workflow = restore_workflow(runtime, instance, closures)
        waited = runtime.engine.is_waiting(workflow)   # as stored: whether it has timer or message rows
        with engine_errors():
            facts = runtime.engine.task(workflow, task_id).data  # what the task saw, before it ran
        if check is not None:
            data = check(uow.session, row, facts)
        with engine_errors():
            runtime.engine.complete(workflow, task_id, data)
        now = clock.now()
        row.completed_by = actor.username
        row.data = dict(data or {})
        record_task(uow.session, instance, row, dict(data or {}), facts, now)
        record(uow.session, instance, "task_completed", now, actor=actor.username, task_id=task_id,
               data={"element_id": row.element_id, "data": dict(data or {})})
        if drafted:
            with uow.session.no_autoflush:   # nobody's draft of a done task is of use
                uow.session.execute(_DROP_DRAFTS, {"task_id": row.id})
        opened = settle(uow.session, instance, workflow, runtime, now, actor.username, waited=waited)
        uow.commit()
        return _outcome(instance, opened, actor)


def claim_task(task_id: str, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> None:
    """Take an open task of one's role into one's own hands.

    :raise TaskNotFound, NotYourTask, TaskAlreadyCompleted:
    """
    with uow:
        row, instance, *_ = _lock_task(uow, task_id, actor)
        if row.assignee == actor.username:
            return
        row.assignee = actor.username
        instance.updated_at = clock.now()
        record(uow.session, instance, "task_claimed", clock.now(), actor=actor.username, task_id=task_id)
        uow.commit()


def unclaim_task(task_id: str, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> None:
    """Give a claimed task back to everyone who holds its role.

    :raise TaskNotFound, NotYourTask, TaskAlreadyCompleted:
    """
    with uow:
        row, instance, *_ = _lock_task(uow, task_id, actor)
        if row.assignee is None:
            return
        row.assignee = None
        instance.updated_at = clock.now()
        record(uow.session, instance, "task_unclaimed", clock.now(), actor=actor.username, task_id=task_id)
        uow.commit()


def get_instance(session, instance_id: int, actor: Actor) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not actor.sees_case(instance.province, instance.firm_id):
        raise InstanceNotFound(f"no case {instance_id}")
    return instance


# built once; only the task id changes. The closures' marker comes along (the calendar is refreshed before a restore),
# and whether anyone keeps a draft of the task (a completion drops them)
_LOCK_TASK = (select(TaskRecord, ProcessInstance, *MARKER_COLUMNS, exists().where(TaskDraft.task_id == TaskRecord.id))
              .join(ProcessInstance, ProcessInstance.id == TaskRecord.instance_id)
              .where(TaskRecord.id == bindparam("task_id")).options(undefer(ProcessInstance.state)).with_for_update()
              .execution_options(populate_existing=True))
_DROP_DRAFTS = delete(TaskDraft.__table__).where(TaskDraft.__table__.c.task_id == bindparam("task_id"))


def _lock_task(uow: UnitOfWork, task_id: str, actor: Actor,
               holder_only: bool = True) -> tuple[TaskRecord, ProcessInstance, tuple[int, int | None], bool]:
    """The open task and its case, locked; the closures' marker (see ``closures.refresh_calendar``) and whether
    the task has drafts."""
    # One query reads and locks the task and its instance (PostgreSQL: FOR UPDATE waits for a
    # concurrent completion to commit and then returns the rows as it left them; SQLite: the
    # write lock is held since BEGIN IMMEDIATE), so a completion that won is visible here.
    found = uow.session.execute(_LOCK_TASK, {"task_id": str(task_id)}).one_or_none()
    if found is None or not actor.sees_case(found[0].province, found[0].firm_id):
        raise TaskNotFound(f"no task {task_id}")
    row, instance, closures, drafted = found[0], found[1], (found[2], found[3]), bool(found[4])
    if row.status != "open":
        raise TaskAlreadyCompleted(f"task {task_id} is already {row.status}")
    if holder_only and not actor.may_work_on(row.role, row.province, row.assignee, row.firm_id):
        if row.assignee is not None and row.role in actor.roles:
            raise NotYourTask(f"task {task_id} is claimed by {row.assignee}")
        raise NotYourTask(f"task {task_id} belongs to role '{row.role}'")
    return row, instance, closures, drafted


def _outcome(instance: ProcessInstance, opened: list[TaskRecord], actor: Actor) -> Outcome:
    mine = next((t.id for t in opened if actor.may_work_on(t.role, t.province, t.assignee, t.firm_id)), None)
    return Outcome(instance.id, instance.status, [t.id for t in opened], mine)


def hand_over_task(task_id: str, to_username: str, *, actor: Actor, uow: UnitOfWork, clock: Clock,
                   reason: str | None = None, as_supervisor: bool = False) -> None:
    """Give an open task to a colleague who holds its role in its province (e.g. vacation cover).

    The task's holder (or anyone of its role) may hand it over; with ``as_supervisor`` a
    supervisor of the province may, whoever holds it.

    :raise TaskNotFound, NotYourTask, TaskAlreadyCompleted:
    :raise InvalidInput: the colleague does not exist or may not do this task.
    """
    with uow:
        row, instance, *_ = _lock_task(uow, task_id, actor, holder_only=not as_supervisor)
        try:
            colleague = actor_for(uow.session, to_username)
        except UserNotFound:
            raise InvalidInput(f"no active user '{to_username}'", {"to": ["unknown user"]}) from None
        if not colleague.may_work_on(row.role, row.province, None, row.firm_id):
            raise InvalidInput(f"{to_username} does not hold role '{row.role}' here",
                               {"to": ["this colleague does not hold the task's role in its province"]})
        previous, row.assignee = row.assignee, colleague.username
        instance.updated_at = clock.now()
        record(uow.session, instance, "task_handed_over", clock.now(), actor=actor.username, task_id=task_id,
               data={"from": previous, "to": colleague.username, "reason": reason})
        task_handed_over(uow.session, instance, row, actor.username, clock.now())
        uow.commit()
