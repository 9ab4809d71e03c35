"""Everything the task page shows, and completing a task from its form."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from flask_babel import gettext
from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session, undefer

from engine.clock import Clock
from engine.errors import EngineError
from engine.runtime import UserTask
from forms.loader import form_or_none
from forms.model import FormDefinition

from ..models import Attachment, Comment, Event, ProcessInstance, TaskDraft, TaskRecord
from ..runtime import Runtime
from .actors import Actor
from .attachments import may_see_case
from .case_file import CaseFile, build_case_file, context_of
from .case_history import case_history
from .case_records import load_case_records
from .errors import InvalidInput, TaskNotFound
from .engine_calls import restore_workflow
from .instances import Outcome, complete_task
from .submissions import task_check
from .uow import UnitOfWork

MAX_COMMENT = 4000


@dataclass
class TaskPage:
    task: TaskRecord
    instance: ProcessInstance
    process_name: str
    form: FormDefinition | None
    data: dict[str, Any]
    draft_saved_at: datetime | None
    instructions: str | None
    may_complete: bool
    history: list[Event] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    case_file: CaseFile = field(default_factory=CaseFile)
    process_name_en: str | None = None
    task_names: dict[str, str] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)


def load_task_page(session: Session, runtime: Runtime, actor: Actor, task_id: str, locale: str = "fa", *,
                   comments: bool = True) -> TaskPage:
    """The task with its case's context, as this actor may see it.

    The case file (earlier steps by stage, what the decision needs, a send-back's
    reviews) is in the reader's ``locale``; a task that came back for rework is
    pre-filled with its previous submission (a draft of the user's wins over both).
    An open task's data and instructions are read from the stored state, without
    restoring the workflow. ``comments=False`` leaves the case's comments out (the API does not show them).

    :raise TaskNotFound: no such task, or the actor may not see its case.
    """
    task, instance, draft = _task_and_case(session, actor, task_id, draft_of=actor.username)
    form = form_or_none(task.form_id)
    may_complete = task.status == "open" and instance.status == "running" and \
        actor.may_work_on(task.role, task.province, task.assignee, task.firm_id)
    data: dict[str, Any] = dict(task.data or {})
    instructions = None
    task_context: str | None = None
    case_data: dict[str, Any] = {}
    if task.status == "open" and instance.status == "running":
        live = read_task(runtime, instance, task.id)
        data = case_data = live.data
        task_context = live.context
        instructions = render_instructions(runtime, live.instructions, data)
    records = load_case_records(session, actor, instance, runtime)
    case_file = build_case_file(records, locale, task=task, context_forms=context_of(form, task_context),
                                case_data=case_data)
    if case_file.rework is not None and form is not None:
        previous = case_file.rework.previous.data
        data = {**data, **{f.name: previous[f.name] for f in form.fields if f.name in previous}}
    if draft is not None and may_complete:
        data = {**data, **draft.data}
    names = runtime.process_names(session, instance.version_id).get(task.process_id)
    history = case_history(records)
    return TaskPage(
        task=task, instance=instance, process_name=(names[0] if names else None) or task.process_id,
        process_name_en=names[1] if names else None,
        form=form, data=data, draft_saved_at=draft.saved_at if draft else None,
        instructions=instructions, may_complete=may_complete,
        history=history.events,
        attachments=records.own_attachments(),
        comments=list(session.scalars(select(Comment).where(Comment.instance_id == instance.id)
                                      .order_by(Comment.id))) if comments else [],
        case_file=case_file, task_names=history.task_names, people=history.people)


def task_form(session: Session, actor: Actor, task_id: str) -> tuple[TaskRecord, FormDefinition | None]:
    """A task and its form, for handling a submission (cheap: the workflow is not restored).

    :raise TaskNotFound: no such task, or the actor may not see its case.
    """
    task, _instance, _draft = _task_and_case(session, actor, task_id)
    return task, form_or_none(task.form_id)


# built once; only the parameters change (see case_records)
_TASK_AND_CASE = (select(TaskRecord, ProcessInstance)
                  .join(ProcessInstance, ProcessInstance.id == TaskRecord.instance_id)
                  .where(TaskRecord.id == bindparam("task_id")))
_TASK_CASE_STATE_DRAFT = (_TASK_AND_CASE.add_columns(TaskDraft).outerjoin(TaskDraft, and_(
    TaskDraft.task_id == TaskRecord.id, TaskDraft.username == bindparam("username")))
    .options(undefer(ProcessInstance.state)))


def _task_and_case(session: Session, actor: Actor, task_id: str, *,
                   draft_of: str | None = None) -> tuple[TaskRecord, ProcessInstance, TaskDraft | None]:
    """The task and its case, if the actor may see the case, in one query; with ``draft_of``, also the
    case's stored state and that user's draft of the task.

    :raise TaskNotFound:
    """
    if draft_of is None:
        found = session.execute(_TASK_AND_CASE, {"task_id": str(task_id)}).one_or_none()
    else:
        found = session.execute(_TASK_CASE_STATE_DRAFT, {"task_id": str(task_id), "username": draft_of}).one_or_none()
    if found is None or not may_see_case(session, actor, found[1], task=found[0]):
        raise TaskNotFound(f"no task {task_id}")
    return found[0], found[1], found[2] if draft_of is not None else None


def read_task(runtime: Runtime, instance: ProcessInstance, task_id: str) -> UserTask:
    """An open task as the engine describes it: from the stored state when it can be read so, else restored."""
    peeked = runtime.engine.peek_task(instance.state, runtime.spec_set_of(instance), instance.process_id, task_id)
    if peeked is not None:
        return peeked
    return runtime.engine.task(restore_workflow(runtime, instance), task_id)


def render_instructions(runtime: Runtime, template: str | None, data: Mapping[str, Any]) -> str | None:
    """The task's instructions with its data filled in (HTML-escaped), rendered by the engine under the
    scripts' time and memory budget; a plain message when they cannot be shown (broken, too slow, too big)."""
    try:
        return runtime.engine.render_instructions(template, data)
    except EngineError:
        return str(gettext("The instructions could not be shown."))


def complete_with_form(task_id: str, raw: Mapping[str, Any], *, actor: Actor, locale: str, uow: UnitOfWork,
                       runtime: Runtime, clock: Clock) -> Outcome:
    """Validate a submission against the task's form and rules, then complete the task with the clean data.

    The check runs inside the completion's transaction, on the live case data (``submissions.task_check``).

    :raise InvalidInput: with ``errors`` per field in the user's language; nothing is changed.
    :raise TaskNotFound, NotYourTask, TaskAlreadyCompleted, ProcessFailed: as complete_task.
    """
    return complete_task(task_id, raw, actor=actor, uow=uow, runtime=runtime, clock=clock,
                         check=task_check(raw, locale=locale, clock=clock))


def save_draft(task_id: str, raw: Mapping[str, Any], *, actor: Actor, uow: UnitOfWork, clock: Clock) -> None:
    """Keep what the user typed so far (not validated), for them only.

    :raise TaskNotFound: no open task the actor may work on.
    """
    with uow:
        task = uow.session.get(TaskRecord, str(task_id))
        if task is None or task.status != "open" or \
                not actor.may_work_on(task.role, task.province, task.assignee, task.firm_id):
            raise TaskNotFound(f"no open task {task_id} of yours")
        draft = uow.session.get(TaskDraft, (task.id, actor.username))
        if draft is None:
            uow.session.add(TaskDraft(task_id=task.id, username=actor.username, data=dict(raw), saved_at=clock.now()))
        else:
            draft.data, draft.saved_at = dict(raw), clock.now()
        uow.commit()


def add_comment(task_id: str, text: str, *, actor: Actor, uow: UnitOfWork, clock: Clock) -> None:
    """A comment on the task's case, visible to everyone who may see the case.

    :raise TaskNotFound, InvalidInput:
    """
    text = (text or "").strip()
    if not text or len(text) > MAX_COMMENT:
        raise InvalidInput("empty or too long comment", {"comment": [f"1 to {MAX_COMMENT} characters"]})
    with uow:
        task = uow.session.get(TaskRecord, str(task_id))
        instance = uow.session.get(ProcessInstance, task.instance_id) if task else None
        if task is None or instance is None or not may_see_case(uow.session, actor, instance):
            raise TaskNotFound(f"no task {task_id}")
        uow.session.add(Comment(instance_id=instance.id, task_id=task.id, author=actor.username, text=text,
                                at=clock.now()))
        uow.commit()

