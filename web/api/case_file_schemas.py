"""The case file in API answers (``web.services.case_file.CaseFile``), for task details."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from ..i18n import stage_label


class ShownFieldSchema(ma.Schema):
    """One submitted field as people read it: labelled and formatted in the request's language."""

    name = fields.String(required=True)
    label = fields.String(required=True)
    type = fields.String(required=True, metadata={"description": "The field type of the form definition"})
    text = fields.String(required=True, metadata={"description": "The formatted value (empty for records/files)"})
    columns = fields.List(fields.String(), required=True, metadata={"description": "Records: column labels"})
    rows = fields.List(fields.List(fields.String()), required=True,
                       metadata={"description": "Records: formatted cells, one list per row"})
    files = fields.List(fields.String(), required=True, metadata={"description": "File fields: attachment ids"})


class FileRefSchema(ma.Schema):
    id = fields.String(required=True)
    filename = fields.String(required=True)
    size = fields.Integer(required=True)
    field = fields.String(allow_none=True, metadata={"description": "The form field it was attached at"})
    uploaded_by = fields.String(required=True)
    uploaded_at = fields.AwareDateTime(required=True)


class CaseStepSchema(ma.Schema):
    """One completed step of the case (or its start) and what was submitted in it."""

    task_id = fields.String(allow_none=True)
    element_id = fields.String(required=True)
    name = fields.String(required=True)
    form_id = fields.String(allow_none=True)
    form_title = fields.String(allow_none=True)
    instance_id = fields.Integer(required=True)
    process_name = fields.String(required=True)
    stage = fields.String(allow_none=True)
    actor = fields.String(allow_none=True, metadata={"description": "User name of who completed it"})
    actor_name = fields.String(allow_none=True, metadata={"description": "Their full name"})
    at = fields.AwareDateTime(required=True)
    fields_ = fields.List(fields.Nested(ShownFieldSchema), data_key="fields", attribute="fields", required=True)
    files = fields.List(fields.Nested(FileRefSchema), required=True)


class CaseStageSchema(ma.Schema):
    stage = fields.String(allow_none=True)
    label = fields.Function(lambda stage: stage_label(stage.stage), required=True)
    steps = fields.List(fields.Nested(CaseStepSchema), required=True, metadata={"description": "Newest first"})


class ContextPanelSchema(ma.Schema):
    """What a decision needs in view: a form's newest submission, or the case data it describes."""

    form_id = fields.String(required=True)
    title = fields.String(required=True)
    source = fields.String(required=True, validate=ma.validate.OneOf(["submission", "case_data"]))
    fields_ = fields.List(fields.Nested(ShownFieldSchema), data_key="fields", attribute="fields", required=True)
    step = fields.Nested(CaseStepSchema, allow_none=True)


class ReworkSchema(ma.Schema):
    previous = fields.Nested(CaseStepSchema, required=True, metadata={"description": "The earlier submission"})
    reviews = fields.List(fields.Nested(CaseStepSchema), required=True,
                          metadata={"description": "What reviewers decided and said since, newest first"})


class CaseFileSchema(ma.Schema):
    """What the case has gathered so far."""

    stages = fields.List(fields.Nested(CaseStageSchema), required=True, metadata={"description": "Newest first"})
    context = fields.List(fields.Nested(ContextPanelSchema), required=True)
    rework = fields.Nested(ReworkSchema, allow_none=True)
