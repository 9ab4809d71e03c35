"""Reading request input: marshmallow errors become the named errors ``web.errors`` answers.

Input that does not match a schema raises :class:`InvalidInput` (422) with ``errors`` per field;
a body that is not JSON at all raises :class:`MalformedJSON` (400). Nested field errors are
flattened to dotted names (``data.decision``), so every answer has the shape
``{"errors": {field: [message, ...]}}``. Marshmallow's common messages are given in the
user's language from the forms' catalogue; the rest stay as marshmallow words them.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any, NoReturn

import marshmallow as ma
from flask_smorest import Blueprint
from webargs.core import missing
from webargs.flaskparser import FlaskParser, is_json_request

from forms.messages import message

from ..i18n import current_language
from ..input_guard import UnsafeText, check_json_depth, check_json_text
from ..services.errors import InvalidInput

LOCATIONS = frozenset({"json", "query", "querystring", "view_args", "path", "headers", "form", "files", "cookies"})
# marshmallow's default messages -> keys of forms.messages.CATALOGUE
CATALOGUE_KEYS = {
    ma.fields.Field.default_error_messages["required"]: "required",
    ma.fields.Field.default_error_messages["null"]: "required",
    ma.fields.String.default_error_messages["invalid"]: "not_text",
    ma.fields.Integer.default_error_messages["invalid"]: "not_integer",
    ma.fields.Boolean.default_error_messages["invalid"]: "not_boolean",
    ma.fields.List.default_error_messages["invalid"]: "not_list",
    ma.fields.Mapping.default_error_messages["invalid"]: "not_an_object",
    ma.Schema._default_error_messages["type"]: "not_an_object",
    ma.Schema._default_error_messages["unknown"]: "unknown_field",
}
WHOLE_BODY = "_schema"  # marshmallow's name for errors of the whole input


class MalformedJSON(InvalidInput):
    """The request body is not JSON (or not UTF-8)."""

    status = 400


def field_errors(messages: Any, locale: str) -> dict[str, list[str]]:
    """``{field: [message]}`` from marshmallow's (possibly nested, location-keyed) error messages."""
    if isinstance(messages, dict) and len(messages) == 1 and next(iter(messages)) in LOCATIONS:
        messages = next(iter(messages.values()))
    flat: dict[str, list[str]] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path and key != WHOLE_BODY else (path or str(key)))
        elif isinstance(value, (list, tuple)) and any(isinstance(v, (dict, list)) for v in value):
            for index, inner in enumerate(value):
                walk(inner, f"{path}.{index}")
        else:
            texts = value if isinstance(value, (list, tuple)) else [value]
            flat.setdefault(path or WHOLE_BODY, []).extend(_translated(str(t), locale) for t in texts)

    walk(messages, "")
    return flat


def _translated(text: str, locale: str) -> str:
    key = CATALOGUE_KEYS.get(text)
    return message(key, locale) if key else text


class ApiParser(FlaskParser):
    """webargs' Flask parser, raising the service layer's named errors instead of aborting."""

    def handle_error(self, error: ma.ValidationError, req: Any, schema: ma.Schema, *,
                     error_status_code: int | None, error_headers: Any) -> NoReturn:
        errors = field_errors(error.messages, current_language())
        raise InvalidInput("the request does not match the API's schema: "
                           + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()), errors)

    def _raw_load_json(self, req: Any) -> Any:
        # depth, NUL characters and lone surrogates are checked before the schema sees anything
        if not is_json_request(req):
            return missing
        try:
            check_json_depth(req.get_data(cache=True))
            value = super()._raw_load_json(req)
            check_json_text(value)
        except UnsafeText as exc:
            raise MalformedJSON(f"the body cannot be accepted: {exc}",
                                {WHOLE_BODY: [f"The request body cannot be accepted: {exc}."]}) from None
        return value

    def _handle_invalid_json_error(self, error: Exception, req: Any, *args: Any, **kwargs: Any) -> NoReturn:
        raise MalformedJSON(f"the body is not valid JSON: {error}",
                            {WHOLE_BODY: ["The request body is not valid JSON."]})


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint that parses with :class:`ApiParser` and documents error answers."""

    ARGUMENTS_PARSER = ApiParser()

    def answers(self, *codes: int):  # type: ignore[no-untyped-def]
        """Document the error answers (status codes) a route may give, with the shared error schema."""
        def decorator(view):  # type: ignore[no-untyped-def]
            for code in codes:
                view = self.alt_response(code, response=HTTPStatus(code).name)(view)
            return view

        return decorator
