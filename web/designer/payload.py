"""Reading the modeler's JSON requests (marshmallow), and answering with problems."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import abort, jsonify, request

from engine.errors import Problem

from ..services.errors import InvalidInput
from ..services.limits import MAX_ID

MAX_BODY_BYTES = 32 * 1024 * 1024   # a whole set of process files, as the modeler sends it


class FilesSchema(ma.Schema):
    files = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)
    name = ma.fields.String(load_default="")
    reason = ma.fields.String(load_default="")
    based_on = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=MAX_ID))
    draft_id = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=MAX_ID))


class FormTextSchema(ma.Schema):
    text = ma.fields.String(required=True)


def load(schema: ma.Schema) -> dict[str, Any]:
    """The request's JSON body as ``schema`` reads it.

    :raise InvalidInput: not JSON, or not the expected shape. 413 when the body is too large.
    """
    if (request.content_length or 0) > MAX_BODY_BYTES:
        abort(413)
    body = request.get_json(silent=True)
    if body is None:
        raise InvalidInput("the body must be JSON", {"_schema": ["not JSON"]})
    try:
        return schema.load(body, unknown=ma.EXCLUDE)
    except ma.ValidationError as exc:
        raise InvalidInput("invalid request", {k: [str(m) for m in v] if isinstance(v, list) else [str(v)]
                                               for k, v in exc.normalized_messages().items()}) from exc


def problem_dicts(problems: list[Problem]) -> list[dict[str, Any]]:
    return [{"file": p.file, "line": p.line, "element_id": p.element_id, "message": p.message} for p in problems]


def problems_answer(message: str, problems: list[Problem], status: int = 422):  # type: ignore[no-untyped-def]
    return jsonify({"message": message, "problems": problem_dicts(problems)}), status
