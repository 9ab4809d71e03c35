"""My inbox and my tasks: read, claim, release, hand over, complete."""
from __future__ import annotations

from .. import unit_of_work
from ..i18n import current_language
from ..runtime import current_runtime
from ..services import inbox, instances, submissions, task_page
from ..services.inbox import InboxFilters
from .auth import api_actor, require_token
from .parsing import ApiBlueprint
from .schemas import (
    CompleteSchema,
    HandoverSchema,
    InboxPageSchema,
    InboxQuerySchema,
    OutcomeSchema,
    TaskSchema,
)

bp = ApiBlueprint("api_tasks", __name__, url_prefix="/api/v1", description="Tasks and the inbox")
bp.before_request(require_token)


@bp.route("/tasks", methods=["GET"])
@bp.arguments(InboxQuerySchema, location="query", as_kwargs=False)
@bp.response(200, InboxPageSchema)
@bp.answers(401, 422)
def list_tasks(filters: InboxFilters):  # type: ignore[no-untyped-def]
    """My inbox: open tasks of my roles in my provinces and tasks held by me, or those I completed

    The same filters as the web inbox.
    """
    with unit_of_work(write=False) as uow:
        return inbox.list_tasks(uow.session, api_actor(), filters, current_runtime().clock)


@bp.route("/tasks/<task_id>", methods=["GET"])
@bp.response(200, TaskSchema)
@bp.answers(401, 404)
def show_task(task_id: str):  # type: ignore[no-untyped-def]
    """A task with its form (JSON Schema in the request's language) and current data

    404 for an unknown task and for one whose case the caller may not see.
    """
    return _task_page(task_id)


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
@bp.response(200, TaskSchema)
@bp.answers(401, 403, 404, 409)
def claim(task_id: str):  # type: ignore[no-untyped-def]
    """Take an open task of my role into my own hands (colleagues no longer see it)"""
    instances.claim_task(task_id, actor=api_actor(), uow=unit_of_work(), clock=current_runtime().clock)
    return _task_page(task_id)


@bp.route("/tasks/<task_id>/unclaim", methods=["POST"])
@bp.response(200, TaskSchema)
@bp.answers(401, 403, 404, 409)
def unclaim(task_id: str):  # type: ignore[no-untyped-def]
    """Give a task I hold back to everyone who holds its role"""
    instances.unclaim_task(task_id, actor=api_actor(), uow=unit_of_work(), clock=current_runtime().clock)
    return _task_page(task_id)


@bp.route("/tasks/<task_id>/handover", methods=["POST"])
@bp.arguments(HandoverSchema)
@bp.response(200, TaskSchema)
@bp.answers(400, 401, 403, 404, 409, 422)
def handover(body: dict, task_id: str):  # type: ignore[no-untyped-def]
    """Give an open task to a colleague who holds its role in its province"""
    instances.hand_over_task(task_id, body["to"].strip(), actor=api_actor(), uow=unit_of_work(),
                             clock=current_runtime().clock)
    return _task_page(task_id)


@bp.route("/tasks/<task_id>/complete", methods=["POST"])
@bp.arguments(CompleteSchema)
@bp.response(200, OutcomeSchema)
@bp.answers(400, 401, 403, 404, 409, 422)
def complete(body: dict, task_id: str):  # type: ignore[no-untyped-def]
    """Complete a task with its form's data; the process runs on

    422 with messages per field (in the request's language) when the data does not fit the form;
    409 when the task was completed or withdrawn meanwhile, or the case changed at the same moment;
    403 when the task is for another role or held by a colleague. Nothing is changed on an error.
    """
    runtime = current_runtime()
    return task_page.complete_with_form(task_id, body["data"], actor=api_actor(), locale=current_language(),
                                        uow=unit_of_work(), runtime=runtime, clock=runtime.clock)


def _task_page(task_id: str) -> task_page.TaskPage:
    runtime = current_runtime()
    with unit_of_work(write=False) as uow:
        page = task_page.load_task_page(uow.session, runtime, api_actor(), task_id, current_language(),
                                        comments=False)
        # what may be picked now in fields whose choices come from the case or from people (TaskSchema.choices)
        page.choices = submissions.field_options(  # type: ignore[attr-defined]
            uow.session, page.form if page.may_complete else None, page.task.province, page.data,
            current_language(), runtime.clock)
        return page
