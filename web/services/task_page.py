"""Everything the task page shows, and completing a task from its form."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

from jinja2 import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.calendar import persian_digits
from engine.clock import Clock
from forms.loader import load_form
from forms.marshmallow_schema import validate_submission
from forms.model import FormDefinition, FormError

from ..models import Attachment, Comment, Event, ProcessDefinition, ProcessInstance, TaskDraft, TaskRecord
from ..runtime import Runtime
from .actors import Actor
from .attachments import may_see_case
from .errors import InvalidInput, TaskNotFound
from .engine_calls import restore_workflow
from .instances import Outcome, complete_task
from .uow import UnitOfWork

# Instructions in BPMN are Jinja templates over task data; they are untrusted, so sandboxed and escaped.
_instructions = ImmutableSandboxedEnvironment(autoescape=True)
_instructions.filters["fa"] = persian_digits   # {{ year|fa }}: numbers in Persian digits
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


def load_task_page(session: Session, runtime: Runtime, actor: Actor, task_id: str) -> TaskPage:
    """The task with its case's context, as this actor may see it.

    :raise TaskNotFound: no such task, or the actor may not see its case.
    """
    task, form = task_form(session, actor, task_id)
    instance = session.get(ProcessInstance, task.instance_id)  # already loaded by task_form
    may_complete = task.status == "open" and instance.status == "running" and \
        actor.may_work_on(task.role, task.province, task.assignee)
    data: dict[str, Any] = dict(task.data or {})
    instructions = None
    if task.status == "open" and instance.status == "running":
        live = runtime.engine.task(restore_workflow(runtime, instance), task.id)
        data = live.data
        instructions = render_instructions(live.instructions, data)
    draft = session.get(TaskDraft, (task.id, actor.username))
    if draft is not None and may_complete:
        data = {**data, **draft.data}
    process_name = session.scalar(select(ProcessDefinition.name).where(
        ProcessDefinition.version_id == instance.version_id, ProcessDefinition.process_id == task.process_id))
    return TaskPage(
        task=task, instance=instance, process_name=process_name or task.process_id,
        form=form, data=data, draft_saved_at=draft.saved_at if draft else None,
        instructions=instructions, may_complete=may_complete,
        history=list(session.scalars(select(Event).where(Event.instance_id == instance.id).order_by(Event.id))),
        attachments=list(session.scalars(select(Attachment).where(Attachment.instance_id == instance.id)
                                         .order_by(Attachment.uploaded_at))),
        comments=list(session.scalars(select(Comment).where(Comment.instance_id == instance.id)
                                      .order_by(Comment.id))))


def task_form(session: Session, actor: Actor, task_id: str) -> tuple[TaskRecord, FormDefinition | None]:
    """A task and its form, for handling a submission (cheap: the workflow is not restored).

    :raise TaskNotFound: no such task, or the actor may not see its case.
    """
    task = session.get(TaskRecord, str(task_id))
    instance = session.get(ProcessInstance, task.instance_id) if task else None
    if task is None or instance is None or not may_see_case(session, actor, instance):
        raise TaskNotFound(f"no task {task_id}")
    return task, _form(task.form_id)


def render_instructions(template: str | None, data: Mapping[str, Any]) -> str | None:
    """The task's instructions with its data filled in (HTML-escaped); the raw text if they do not render."""
    if not template:
        return None
    try:
        return _instructions.from_string(template).render(**data)
    except TemplateError:
        return str(_instructions.from_string("{{ text }}").render(text=template))


def complete_with_form(task_id: str, raw: Mapping[str, Any], *, actor: Actor, locale: str, uow: UnitOfWork,
                       runtime: Runtime, clock: Clock) -> Outcome:
    """Validate a submission against the task's form, then complete the task with the clean data.

    :raise InvalidInput: with ``errors`` per field in the user's language; nothing is changed.
    :raise TaskNotFound, NotYourTask, TaskAlreadyCompleted, ProcessFailed: as complete_task.
    """
    with uow:
        task = uow.session.get(TaskRecord, str(task_id))
        if task is None or not actor.sees_province(task.province):
            raise TaskNotFound(f"no task {task_id}")
        form_id = task.form_id
    form = _form(form_id)
    clean = dict(raw)
    if form is not None:
        clean, errors = validate_submission(form, raw, locale)
        if errors:
            raise InvalidInput("the form has errors", errors)
    outcome = complete_task(task_id, clean, actor=actor, uow=uow, runtime=runtime, clock=clock)
    with uow:
        uow.session.execute(delete(TaskDraft).where(TaskDraft.task_id == str(task_id)))
        uow.commit()
    return outcome


def save_draft(task_id: str, raw: Mapping[str, Any], *, actor: Actor, uow: UnitOfWork, clock: Clock) -> None:
    """Keep what the user typed so far (not validated), for them only.

    :raise TaskNotFound: no open task the actor may work on.
    """
    with uow:
        task = uow.session.get(TaskRecord, str(task_id))
        if task is None or task.status != "open" or not actor.may_work_on(task.role, task.province, task.assignee):
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


def _form(form_id: str | None) -> FormDefinition | None:
    if not form_id:
        return None
    try:
        return load_form(form_id)
    except FormError:
        return None
