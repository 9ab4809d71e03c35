"""A form as JSON Schema (draft 2020-12), for API clients.

The schema describes the canonical submission: numbers as JSON numbers,
Jalali dates as ``YYYY/MM/DD`` with Latin digits, attachment ids as strings,
optional fields left out rather than sent empty. Submissions valid per this
schema pass :func:`forms.marshmallow_schema.validate_submission` too (and so
does its clean output), except for rules JSON Schema cannot express: a day
beyond the month's length (1404/12/30), more decimal places than ``places``
(given as ``x-places``; ``multipleOf`` is unreliable with binary floats),
and length limits counted after surrounding spaces are dropped. The
validator is more lenient in return: Persian digits, number strings,
thousands separators and empty values for optional fields are accepted.

Besides standard keywords the schema carries ``x-form-id``, and on each
property ``x-field-type`` (our type name), ``x-places`` (decimal, percent)
and ``x-accept`` (file MIME types). Choices are ``oneOf`` of
``{"const": value, "title": label}``; choices taken from the case carry
``x-options-from`` instead, user fields ``x-role``; Iranian identifiers are
strings of Latin digits with their length as ``pattern`` (the check digit is
checked by the server). Titles and descriptions are the
labels and help texts in the requested locale.
"""
from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any, Callable

from .messages import normalize_locale
from .model import MAX_SAFE_INTEGER, SIGNIFICANT_DIGITS, FieldDefinition, FormDefinition

DIALECT = "https://json-schema.org/draft/2020-12/schema"
JALALI_DATE_PATTERN = r"^1[2-6][0-9]{2}/(0[1-9]|1[0-2])/(0[1-9]|[12][0-9]|3[01])$"
FILE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


def json_schema(form: FormDefinition, locale: str = "fa") -> dict[str, Any]:
    """The JSON Schema of submissions of ``form``, titled in ``locale`` (see the module docstring).

    A new dict on every call; it is JSON-serializable as is.

    :raise ValueError: if the locale is neither Persian nor English.
    """
    lang = normalize_locale(locale)
    schema: dict[str, Any] = {"$schema": DIALECT, "title": form.title[lang]}
    if form.help:
        schema["description"] = form.help[lang]
    schema["x-form-id"] = form.id
    schema.update(_object(form.fields, lang))
    return schema


def _object(fields: tuple[FieldDefinition, ...], lang: str) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {field.name: _property(field, lang) for field in fields},
        "additionalProperties": False,
    }
    required = [field.name for field in fields if field.required]
    if required:
        schema["required"] = required
    return schema


def _property(field: FieldDefinition, lang: str) -> dict[str, Any]:
    prop: dict[str, Any] = {"title": field.label[lang]}
    if field.help:
        prop["description"] = field.help[lang]
    prop["x-field-type"] = field.type
    prop.update(_TYPES[field.type](field, lang))
    if field.has_default:
        prop["default"] = copy.deepcopy(field.default)
    return prop


def _text(field: FieldDefinition, lang: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": field.options["max_length"]}
    if field.required:
        schema["pattern"] = r"\S"  # all spaces counts as empty
    return schema


def _whole(field: FieldDefinition, lang: str) -> dict[str, Any]:
    low, high = field.options.get("min"), field.options.get("max")
    return {"type": "integer",
            "minimum": -MAX_SAFE_INTEGER if low is None else low,
            "maximum": MAX_SAFE_INTEGER if high is None else high}


def _decimal(field: FieldDefinition, lang: str) -> dict[str, Any]:
    places = field.options["places"]
    limit = float(Decimal(10) ** (SIGNIFICANT_DIGITS - places) - Decimal(10) ** -places)
    low, high = field.options.get("min"), field.options.get("max")
    return {"type": "number",
            "minimum": -limit if low is None else low,
            "maximum": limit if high is None else high,
            "x-places": places}


def _date(field: FieldDefinition, lang: str) -> dict[str, Any]:
    return {"type": "string", "pattern": JALALI_DATE_PATTERN, "examples": ["1405/01/15"]}


def _boolean(field: FieldDefinition, lang: str) -> dict[str, Any]:
    return {"type": "boolean"}


def _choice_values(field: FieldDefinition, lang: str) -> dict[str, Any]:
    if field.options.get("options_from"):
        # the choices depend on the case: the task's form lists them (see x-options-from)
        return {"type": "string", "pattern": r"\S", "x-options-from": dict(field.options["options_from"])}
    return {"type": "string",
            "oneOf": [{"const": c["value"], "title": c["label"][lang]} for c in field.options["choices"]]}


_IDENTIFIER_PATTERNS = {
    "national_id": r"^[0-9]{10}$",
    "company_id": r"^[0-9]{11}$",
    "postal_code": r"^[0-9]{10}$",
    "mobile": r"^09[0-9]{9}$",
}


def _identifier(field: FieldDefinition, lang: str) -> dict[str, Any]:
    return {"type": "string", "pattern": _IDENTIFIER_PATTERNS[field.type]}


def _user(field: FieldDefinition, lang: str) -> dict[str, Any]:
    one = {"type": "string", "pattern": r"\S", "maxLength": 80, "x-role": field.options["role"]}
    if field.options.get("multiple"):
        return {"type": "array", "items": one, "uniqueItems": True, **_counts(field)}
    return one


def _counts(field: FieldDefinition) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    low = field.options.get("min_items")
    if field.required:
        low = max(low or 0, 1)
    if low:
        counts["minItems"] = low
    if field.options.get("max_items") is not None:
        counts["maxItems"] = field.options["max_items"]
    return counts


def _multi_choice(field: FieldDefinition, lang: str) -> dict[str, Any]:
    return {"type": "array", "items": _choice_values(field, lang), "uniqueItems": True, **_counts(field)}


def _file(field: FieldDefinition, lang: str) -> dict[str, Any]:
    one = {"type": "string", "pattern": FILE_ID_PATTERN}
    schema: dict[str, Any] = (
        {"type": "array", "items": one, "uniqueItems": True, **_counts(field)}
        if field.options.get("multiple") else one
    )
    if field.options.get("accept"):
        schema["x-accept"] = list(field.options["accept"])
    return schema


def _records(field: FieldDefinition, lang: str) -> dict[str, Any]:
    return {"type": "array", "items": _object(field.fields, lang), **_counts(field)}


_TYPES: dict[str, Callable[[FieldDefinition, str], dict[str, Any]]] = {
    "text": _text,
    "long_text": _text,
    "integer": _whole,
    "money": _whole,
    "decimal": _decimal,
    "percent": _decimal,
    "date": _date,
    "boolean": _boolean,
    "choice": _choice_values,
    "multi_choice": _multi_choice,
    "file": _file,
    "records": _records,
    "national_id": _identifier,
    "company_id": _identifier,
    "postal_code": _identifier,
    "mobile": _identifier,
    "user": _user,
}
