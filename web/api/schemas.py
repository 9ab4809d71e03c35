"""The API's marshmallow schemas: they parse requests, dump answers and generate the OpenAPI document."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from engine.calendar import from_jalali
from forms.json_schema import json_schema

from ..i18n import current_language
from ..reference import provinces
from ..services import cases as case_list
from ..services.limits import MAX_ID, MAX_PAGE
from ..services.inbox import MAX_PER_PAGE, SORTS, InboxFilters
from .case_file_schemas import CaseFileSchema

DUE_FILTERS = ("overdue", "today", "week")


class ErrorSchema(ma.Schema):
    """Every error answer (the shape ``web.errors`` produces)."""

    error = fields.String(required=True, metadata={"description": "The error's name, e.g. TaskNotFound"})
    message = fields.String(required=True, metadata={"description": "For people, in the request's language"})
    detail = fields.String(metadata={"description": "The precise reason, in English, for developers and logs"})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "Messages per field (dotted names for nested fields)"})
    element_id = fields.String(metadata={"description": "The diagram element where the process failed"})
    problems = fields.List(fields.Nested(lambda: ProblemSchema()),
                           metadata={"description": "Every problem of refused process files (DeploymentRefused)"})


class ProblemSchema(ma.Schema):
    """One problem of a BPMN/DMN file, located as precisely as the validator can."""

    file = fields.String(required=True)
    line = fields.Integer(allow_none=True)
    element_id = fields.String(allow_none=True)
    message = fields.String(required=True, metadata={"description": "In English, from the validator"})


# -- sign in ---------------------------------------------------------------------------------------------

class TokenRequestSchema(ma.Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024))


class TokenSchema(ma.Schema):
    token = fields.String(required=True, metadata={"description": "Send as `Authorization: Bearer <token>`"})
    token_type = fields.String(dump_default="Bearer")
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds the token stays valid"})


class HealthSchema(ma.Schema):
    status = fields.String(required=True)


class ReadinessSchema(ma.Schema):
    status = fields.String(required=True, metadata={"description": "`ready` or `unavailable`"})
    checks = fields.Dict(keys=fields.String(), values=fields.String(), required=True,
                         metadata={"description": "Each check's name and `ok` or its problem"})


# -- lists -----------------------------------------------------------------------------------------------

class QuerySchema(ma.Schema):
    """Filters in the query string; empty values count as not given (as the web forms send them)."""

    @ma.pre_load
    def _drop_empty(self, data: Any, **kwargs: Any) -> dict[str, Any]:
        return {key: data[key] for key in data if data[key] != ""}


class PageSchema(ma.Schema):
    """One page of a list: ``items`` (in subclasses) and where it is."""

    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


# -- the inbox -------------------------------------------------------------------------------------------

class InboxQuerySchema(QuerySchema):
    """The inbox filters, as in the web inbox."""

    tab = fields.String(load_default="open", validate=validate.OneOf(["open", "completed"]))
    process = fields.String(metadata={"description": "A process id"})
    stage = fields.String()
    cluster = fields.String(metadata={"description": "Part of the case title"})
    due = fields.String(validate=validate.OneOf(DUE_FILTERS))
    q = fields.String(metadata={"description": "Words in the task name or case title, or a case number"})
    sort = fields.String(load_default="due", validate=validate.OneOf(list(SORTS)))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_PER_PAGE))

    @ma.post_load
    def _filters(self, data: dict[str, Any], **kwargs: Any) -> InboxFilters:
        return InboxFilters(tab=data["tab"], process_id=data.get("process"), stage=data.get("stage"),
                            cluster=data.get("cluster"), due=data.get("due"), q=data.get("q"), sort=data["sort"],
                            page=data["page"], per_page=data["per_page"])


class InboxItemSchema(ma.Schema):
    id = fields.String(attribute="task_id", required=True)
    name = fields.String(required=True)
    element_id = fields.String(required=True)
    form_id = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    province = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    due = fields.AwareDateTime(attribute="due_at", allow_none=True)
    overdue = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    instance_id = fields.Integer(required=True)
    process_id = fields.String(required=True)
    process_name = fields.String(required=True)
    title = fields.String(attribute="case_title", allow_none=True)
    stage = fields.String(allow_none=True)


class InboxPageSchema(PageSchema):
    items = fields.List(fields.Nested(InboxItemSchema), attribute="rows", required=True)


# -- one task --------------------------------------------------------------------------------------------

class InstanceSummarySchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(allow_none=True)
    process_id = fields.String(required=True)
    stage = fields.String(allow_none=True)
    status = fields.String(required=True)


_SCHEMAS: dict[tuple[int, str], tuple[Any, dict[str, Any]]] = {}


def _form_schema(page: Any) -> dict[str, Any] | None:
    """The form's JSON Schema, built once per form definition and language (``load_form`` returns the same
    definition object until its file changes; a changed file is a new object, so a new entry)."""
    if page.form is None:
        return None
    key = (id(page.form), current_language())
    cached = _SCHEMAS.get(key)
    if cached is None or cached[0] is not page.form:
        if len(_SCHEMAS) > 512:
            _SCHEMAS.clear()
        cached = _SCHEMAS[key] = (page.form, json_schema(page.form, key[1]))
    return cached[1]


def _choices(page: Any) -> dict[str, list[dict[str, str]]]:
    return {key: [{"value": value, "label": label} for value, label in options]
            for key, options in (getattr(page, "choices", None) or {}).items()}


class TaskSchema(ma.Schema):
    """A task as its page shows it (dumped from ``web.services.task_page.TaskPage``)."""

    id = fields.String(attribute="task.id", required=True)
    name = fields.String(attribute="task.name", required=True)
    element_id = fields.String(attribute="task.element_id", required=True)
    status = fields.String(attribute="task.status", required=True,
                           validate=validate.OneOf(["open", "completed", "cancelled"]))
    due = fields.AwareDateTime(attribute="task.due_at", allow_none=True)
    assignee = fields.String(attribute="task.assignee", allow_none=True)
    role = fields.String(attribute="task.role", allow_none=True)
    province = fields.String(attribute="task.province", allow_none=True)
    created_at = fields.AwareDateTime(attribute="task.created_at", required=True)
    completed_at = fields.AwareDateTime(attribute="task.completed_at", allow_none=True)
    completed_by = fields.String(attribute="task.completed_by", allow_none=True)
    process_name = fields.String(required=True)
    instance = fields.Nested(InstanceSummarySchema, required=True)
    instructions = fields.String(allow_none=True, metadata={"description": "HTML-escaped text"})
    form_id = fields.String(attribute="task.form_id", allow_none=True)
    form = fields.Function(_form_schema, allow_none=True, metadata={
        "type": "object",
        "description": "The form as JSON Schema (draft 2020-12), titled in the request's language; "
                       "null for a task without a form"})
    data = fields.Dict(required=True, metadata={"description": "The task's current data, with the caller's draft"})
    draft_saved_at = fields.AwareDateTime(allow_none=True)
    may_complete = fields.Boolean(required=True)
    case_file = fields.Nested(CaseFileSchema, required=True, metadata={
        "description": "What the case has gathered so far: earlier steps by stage (newest first), what this "
                       "decision needs in view, and for a task sent back, the reviewers' comments"})
    choices = fields.Function(_choices, metadata={
        "type": "object",
        "description": "For fields whose choices come from the case (`x-options-from`) or from people (`x-role`): "
                       "the values that may be given now, by field name (`records.column` for a column), each "
                       "`{value, label}`; users by full name. Empty when the caller may not complete the task"})


class CompleteSchema(ma.Schema):
    data = fields.Dict(keys=fields.String(), required=True,
                       metadata={"description": "The form's fields, valid per the task's `form` schema"})


class HandoverSchema(ma.Schema):
    to = fields.String(required=True, validate=validate.Length(min=1, max=80),
                       metadata={"description": "The colleague's user name"})


class OutcomeSchema(ma.Schema):
    """What an action changed (``web.services.instances.Outcome``)."""

    instance_id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "The case's status now"})
    open_tasks = fields.List(fields.String(), required=True, metadata={"description": "Ids of tasks just opened"})
    next_task = fields.String(attribute="next_task_for_actor", allow_none=True,
                              metadata={"description": "The first of them the caller may work on"})


# -- cases -----------------------------------------------------------------------------------------------

def _known_province(value: str) -> None:
    if value not in provinces():
        raise ma.ValidationError("unknown province")


class StartSchema(ma.Schema):
    process_id = fields.String(required=True, validate=validate.Length(min=1, max=255))
    data = fields.Dict(keys=fields.String(), load_default=dict,
                       metadata={"description": "The start form's fields"})
    province = fields.String(load_default=None, allow_none=True, validate=_known_province,
                             metadata={"description": "A province id (`clusterflow provinces`); "
                                                      "required unless the caller's role is national"})


class OpenTaskSchema(ma.Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    element_id = fields.String(required=True)
    role = fields.String(allow_none=True)
    province = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    due = fields.AwareDateTime(attribute="due_at", allow_none=True)


class EventSchema(ma.Schema):
    action = fields.String(required=True)
    actor = fields.String(allow_none=True)
    at = fields.AwareDateTime(required=True)
    task_id = fields.String(allow_none=True)
    data = fields.Dict(allow_none=True)


class InstanceSchema(ma.Schema):
    """A case (dumped from ``web.services.instance_view.InstanceView``)."""

    id = fields.Integer(attribute="instance.id", required=True)
    process_id = fields.String(attribute="instance.process_id", required=True)
    process_name = fields.String(required=True)
    version = fields.Integer(attribute="instance.version_id", required=True,
                             metadata={"description": "The deployed version the case runs on"})
    title = fields.String(attribute="instance.title", allow_none=True)
    status = fields.String(attribute="instance.status", required=True)
    stage = fields.String(attribute="instance.stage", allow_none=True)
    province = fields.String(attribute="instance.province", allow_none=True)
    parent_id = fields.Integer(attribute="instance.parent_id", allow_none=True)
    started_at = fields.AwareDateTime(attribute="instance.started_at", required=True)
    started_by = fields.String(attribute="instance.started_by", allow_none=True)
    updated_at = fields.AwareDateTime(attribute="instance.updated_at", required=True)
    completed_at = fields.AwareDateTime(attribute="instance.completed_at", allow_none=True)
    open_tasks = fields.List(fields.Nested(OpenTaskSchema), required=True)
    history = fields.List(fields.Nested(EventSchema), required=True)


# -- supervising cases -----------------------------------------------------------------------------------

def _jalali_date(value: str) -> None:
    try:
        from_jalali(value)
    except ValueError as exc:
        raise ma.ValidationError(str(exc)) from exc


class CaseQuerySchema(QuerySchema):
    """The case list's filters, as in the web case list."""

    province = fields.String(validate=_known_province, metadata={"description": "A province id"})
    stage = fields.String()
    status = fields.String(validate=validate.OneOf(case_list.STATUSES))
    cluster = fields.String(metadata={"description": "Part of the case title"})
    process = fields.String(metadata={"description": "A process id"})
    version = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"description": "A deployed version"})
    overdue = fields.Boolean(load_default=False, metadata={"description": "Only cases with an overdue open task"})
    failed = fields.Boolean(load_default=False,
                            metadata={"description": "Only cases whose scheduled step failed on every attempt"})
    started_from = fields.String(data_key="from", validate=_jalali_date,
                                 metadata={"description": "Started on or after this Jalali date (YYYY/MM/DD)"})
    started_to = fields.String(data_key="to", validate=_jalali_date,
                               metadata={"description": "Started on or before this Jalali date (YYYY/MM/DD)"})
    sort = fields.String(load_default="-started", validate=validate.OneOf(list(case_list.SORTS)))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=case_list.MAX_PER_PAGE))

    @ma.post_load
    def _filters(self, data: dict[str, Any], **kwargs: Any) -> case_list.CaseFilters:
        return case_list.CaseFilters(
            province=data.get("province"), stage=data.get("stage"), status=data.get("status"),
            cluster=data.get("cluster"), process_id=data.get("process"), version=data.get("version"),
            overdue=data["overdue"], failed=data["failed"], started_from=data.get("started_from"), started_to=data.get("started_to"),
            sort=data["sort"], page=data["page"], per_page=data["per_page"])


class HolderSchema(ma.Schema):
    """An open task of the case and who holds it."""

    task_id = fields.String(required=True)
    task_name = fields.String(required=True)
    role = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    overdue = fields.Boolean(required=True)


class CaseRowSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(allow_none=True)
    process_id = fields.String(required=True)
    process_name = fields.String(required=True)
    version = fields.Integer(required=True)
    province = fields.String(allow_none=True)
    stage = fields.String(allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(case_list.STATUSES))
    started_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    overdue = fields.Boolean(required=True, metadata={"description": "An open task is past its due date"})
    holders = fields.List(fields.Nested(HolderSchema), required=True)


class CasePageSchema(PageSchema):
    items = fields.List(fields.Nested(CaseRowSchema), attribute="rows", required=True)


class ReasonSchema(ma.Schema):
    reason = fields.String(required=True, metadata={"description": "Why; written to the case's history"})


class CaseStatusSchema(ma.Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(case_list.STATUSES),
                           metadata={"description": "The case's status now"})
