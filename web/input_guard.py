"""The boundary every request crosses: text without NUL or lone surrogates, JSON of bounded depth,
numbers that fit the database's integer columns.

Refused input gets 400 (or 404 for a path that names nothing) before any view runs, so no
database driver, template or engine ever sees it.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Flask, abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from .services.limits import MAX_ID

MAX_JSON_DEPTH = 64       # nesting of arrays and objects in a request body


class UnsafeText(ValueError):
    """Text with a NUL character or a lone surrogate, or JSON nested too deep."""


def text_problem(value: str | None) -> str | None:
    """Why ``value`` cannot be accepted as text, or None."""
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        return "a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate (not valid Unicode)"
    return None


def small_int(text: str | None, default: int | None = None, *, invalid: int | None = 0) -> int | None:
    """An integer from a query or form value: ``default`` when empty or not a number (ASCII digits),
    ``invalid`` when it is a number too large for the database (the caller's range check refuses it)."""
    if not text or not (text.isascii() and text.isdigit()):
        return default
    return int(text) if len(text) <= 10 and int(text) <= MAX_ID else invalid


def check_json_depth(text: str | bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """:raise UnsafeText: arrays/objects nested deeper than ``limit`` (checked before parsing, so a
    deeply nested body never reaches the recursive parser)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    depth, in_string, escaped = 0, False, False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                raise UnsafeText(f"JSON nested deeper than {limit} levels")
        elif byte in (0x5D, 0x7D):
            depth -= 1


def check_json_text(value: Any, path: str = "") -> None:
    """:raise UnsafeText: a string (or object key) in parsed JSON with a NUL or a lone surrogate."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                raise UnsafeText(f"{where or 'the body'} contains {problem}")
        elif isinstance(item, dict):
            for key, inner in item.items():
                problem = text_problem(str(key))
                if problem:
                    raise UnsafeText(f"a key in {where or 'the body'} contains {problem}")
                stack.append((inner, f"{where}.{key}" if where else str(key)))
        elif isinstance(item, list):
            stack.extend((inner, f"{where}.{i}" if where else str(i)) for i, inner in enumerate(item))


def safe_json_loads(text: str | bytes, **kwargs: Any) -> Any:
    """``json.loads`` that refuses deep nesting, NUL characters and lone surrogates with :class:`UnsafeText`
    (a ``ValueError``; invalid JSON still raises ``json.JSONDecodeError``)."""
    check_json_depth(text)
    value = json.loads(text, **kwargs)
    check_json_text(value)
    return value


class SafeJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider; reading a request body goes through :func:`safe_json_loads`."""

    ensure_ascii = False  # Persian text as it is in JSON answers and templates' tojson

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return safe_json_loads(s, **kwargs)


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` in routes: at most ``MAX_ID`` unless a route says otherwise (beyond it: 404)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def _refuse_unsafe_text() -> None:
    """``before_request``: 400 for a query, path or form value (or name) with a NUL or a lone surrogate."""
    sources = [request.args]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form)
    values = [(k, v) for source in sources for k, vs in source.lists() for v in vs]
    values += [(k, v) for k, v in (request.view_args or {}).items() if isinstance(v, str)]
    values += [(f.name or "file", f.filename or "") for f in request.files.values()] if len(sources) > 1 else []
    for name, value in values:
        problem = text_problem(name) or text_problem(value)
        if problem:
            abort(400, description=f"{name!r} contains {problem}")


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.json = SafeJSONProvider(app)
    app.before_request(_refuse_unsafe_text)
