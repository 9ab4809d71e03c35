"""Validating a form submission: a marshmallow schema per form and locale.

``schema.load(data)`` returns the clean data or raises
:class:`marshmallow.ValidationError` whose ``messages`` are in the user's
language; :func:`validate_submission` wraps that and flattens the errors.

Clean data is plain JSON, ready for the workflow's task data: see
:mod:`forms.values` for each type (decimal and percent are JSON numbers,
dates are Jalali ``YYYY/MM/DD`` strings, money is an int of rials). A records
field gives a list of row dicts. An empty value (missing, None, "" or only
spaces, []) counts as not given: a required field reports "required", an
optional one gets its ``default`` or is left out of the clean data. Keys not
in the form are refused, so a client learns of its typos.
"""
from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields

from .context import ValidationContext, reset, using
from .messages import message, normalize_locale
from .model import FieldDefinition, FormDefinition
from .rules import check_rules
from .values import InvalidValue, check_count, clean_value, is_blank

FORM_ERROR_KEY = "_schema"
"""The error key for a problem with the submission as a whole (e.g. not an object)."""


class FormField(fields.Field):
    """A marshmallow field for one :class:`FieldDefinition`; messages in one locale."""

    def __init__(self, definition: FieldDefinition, locale: str, row_schema: Schema | None = None) -> None:
        kwargs: dict[str, Any] = {}
        if definition.has_default:
            default = definition.default
            # A list default must not be shared between submissions.
            kwargs["load_default"] = (lambda: copy.deepcopy(default)) if isinstance(default, list) else default
        super().__init__(required=definition.required,
                         error_messages={"required": message("required", locale)},
                         metadata={"definition": definition}, **kwargs)
        self.definition = definition
        self.locale = locale
        self.row_schema = row_schema

    def deserialize(self, value: Any, attr: str | None = None, data: Mapping[str, Any] | None = None,
                    **kwargs: Any) -> Any:
        if is_blank(value):
            value = fields.missing_
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        try:
            if self.definition.type == "records":
                return self._rows(value)
            return clean_value(self.definition, value)
        except InvalidValue as exc:
            raise ValidationError(exc.text(self.definition, self.locale)) from None

    def _rows(self, value: Any) -> list[dict[str, Any]]:
        if not isinstance(value, (list, tuple)):
            raise InvalidValue("not_list")
        check_count(self.definition, len(value))
        assert self.row_schema is not None
        rows: list[dict[str, Any]] = []
        errors: dict[int, Any] = {}
        for index, row in enumerate(value):
            if not isinstance(row, Mapping):
                errors[index] = [message("not_a_row", self.locale)]
                continue
            try:
                rows.append(self.row_schema.load(row))
            except ValidationError as exc:
                errors[index] = exc.messages
        if errors:
            raise ValidationError(errors)
        return rows


def _schema(name: str, definitions: tuple[FieldDefinition, ...], locale: str) -> Schema:
    declared: dict[str, fields.Field] = {}
    for definition in definitions:
        rows = _schema(f"{name}_{definition.name}", definition.fields, locale) if definition.type == "records" else None
        declared[definition.name] = FormField(definition, locale, rows)
    cls = Schema.from_dict(declared, name=name)
    # Set after the class is made: a field may itself be called "error_messages".
    cls.error_messages = {"unknown": message("unknown_field", locale),
                          "type": message("not_an_object", locale)}
    return cls()


_schemas: dict[tuple[str, str, str], Schema] = {}
_schemas_lock = threading.Lock()


def marshmallow_schema(form: FormDefinition, locale: str = "fa") -> Schema:
    """The schema that validates submissions of ``form``, with messages in ``locale``.

    The instance is shared (cached per form id, locale and the definition's
    content digest; an edited definition gets a new schema): use it to
    ``load``, do not change it. Fields are :class:`FormField`, each with its
    definition in ``metadata["definition"]``.

    :raise ValueError: if the locale is neither Persian nor English.
    """
    lang = normalize_locale(locale)
    key = (form.id, lang, form.digest)
    with _schemas_lock:
        schema = _schemas.get(key)
    if schema is None:
        schema = _schema(f"{form.id}_form", form.fields, lang)
        with _schemas_lock:
            for stale in [k for k in _schemas if k[:2] == key[:2]]:
                del _schemas[stale]
            _schemas[key] = schema
    return schema


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error messages as ``{"rows.1.budget": [...]}``."""
    if not isinstance(messages, Mapping):
        items = messages if isinstance(messages, list) else [messages]
        return {prefix or FORM_ERROR_KEY: [str(m) for m in items]}
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        flat.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


def validate_submission(form: FormDefinition, data: Mapping[str, Any], locale: str = "fa",
                        context: ValidationContext | None = None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """``(clean data, {})`` for a valid submission, else ``({}, errors)``.

    Errors map a field name to its messages in ``locale``; a column of a
    records row is keyed ``"<field>.<row index from 0>.<column>"`` and a whole
    row ``"<field>.<row index>"``; ``"_schema"`` is the submission as a whole.
    When every field is valid, the form's rules (:mod:`forms.rules`) are
    checked on the clean data with ``context`` (the case data, the users who
    may be picked, today), and their failures are errors keyed the same way.

    :raise ValueError: if the locale is neither Persian nor English.
    """
    schema = marshmallow_schema(form, locale)
    token = using(context)
    try:
        clean = schema.load(data)
    except ValidationError as exc:
        return {}, flatten_errors(exc.messages)
    finally:
        reset(token)
    errors = check_rules(form, clean, context, locale)
    return ({}, errors) if errors else (clean, {})
