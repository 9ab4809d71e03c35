"""Checking the ``rules`` of a definition file when it is loaded (the syntax is in :mod:`forms.rules`).

A wrong rule is a :class:`forms.model.FormProblem` naming the file and the rule
(``rule #2 (sum_equals): ...``), so ``clusterflow validate`` and the forms
editor refuse it before any user meets it.
"""
from __future__ import annotations

import difflib
from typing import Any, Callable, Mapping

from .model import LOCALES, FieldDefinition

NUMERIC = frozenset({"integer", "decimal", "money", "percent"})
OPS = ("==", "!=", "<", "<=", ">", ">=")
COMMON = frozenset({"kind", "field", "records", "message"})
KINDS: dict[str, frozenset[str]] = {
    "compare": frozenset({"op", "than", "left"}),
    "sum_equals": frozenset({"parts"}),
    "sum_at_most": frozenset({"parts"}),
    "not_future": frozenset(),
    "date_after": frozenset({"than", "or_equal"}),
    "one_of_case": frozenset({"case", "value", "where"}),
    "min_rows": frozenset({"min", "where"}),
    "unique": frozenset(),
}
_OPERAND_KEYS = ("field", "case", "value", "today", "sum")

Report = Callable[[Any, str], None]


def check_rules(report: Report, raw: Any, fields: tuple[FieldDefinition, ...]) -> tuple[dict[str, Any], ...]:
    """The checked rules of a form whose fields are ``fields``; problems go to ``report``."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        report(None, '"rules" must be a list of rules such as {"kind": "sum_equals", "field": ..., '
                     '"parts": [...], "message": {"fa": ..., "en": ...}}')
        return ()
    rules = []
    for index, item in enumerate(raw):
        problems: list[str] = []
        rule = _rule(item, fields, problems)
        kind = item.get("kind") if isinstance(item, dict) else None
        label = f"rule #{index + 1}" + (f" ({kind})" if isinstance(kind, str) else "")
        for problem in problems:
            report(None, f"{label}: {problem}")
        if rule is not None and not problems:
            rules.append(rule)
    return tuple(rules)


def _rule(item: Any, fields: tuple[FieldDefinition, ...], problems: list[str]) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        problems.append("must be an object with a kind, a field and a message")
        return None
    kind = item.get("kind")
    if kind not in KINDS:
        close = difflib.get_close_matches(str(kind), list(KINDS), n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        problems.append(f"unknown kind {kind!r}{hint}; the kinds are: {', '.join(KINDS)}")
        return None
    for key in item:
        if key not in COMMON | KINDS[kind]:
            problems.append(f'unknown key "{key}" for a {kind} rule')
    _message(item.get("message"), problems)
    by_name = {f.name: f for f in fields}
    scope = by_name
    records_name = item.get("records")
    if records_name is not None:
        records = by_name.get(records_name) if isinstance(records_name, str) else None
        if records is None or records.type != "records":
            problems.append(f'"records": {records_name!r} is not a records field of this form')
            return None
        scope = {c.name: c for c in records.fields}
    elif kind == "unique":
        problems.append('a unique rule needs "records": the records field whose rows must differ')
        return None
    field = scope.get(item.get("field")) if isinstance(item.get("field"), str) else None
    where = f"a column of {records_name}" if records_name else "a field of this form"
    if field is None:
        problems.append(f'"field": {item.get("field")!r} is not {where}')
        return None
    _kind_specific(kind, item, field, scope, by_name, records_name, problems)
    return dict(item)


def _message(message: Any, problems: list[str]) -> None:
    if not isinstance(message, dict) or any(not isinstance(message.get(lang), str) or not message[lang].strip()
                                             for lang in LOCALES) or set(message) - set(LOCALES):
        problems.append('needs "message": {"fa": "...", "en": "..."} (both texts, nothing else)')


def _kind_specific(kind: str, item: Mapping[str, Any], field: FieldDefinition, scope: dict[str, FieldDefinition],
                   top: dict[str, FieldDefinition], records: str | None, problems: list[str]) -> None:
    if kind in ("sum_equals", "sum_at_most"):
        _need_type(field, NUMERIC, "a number", problems)
        parts = item.get("parts")
        if not isinstance(parts, list) or not parts:
            problems.append('"parts" must be a non-empty list of field names')
        else:
            for part in parts:
                _operand(part, scope, top, problems, numeric=True)
    elif kind == "compare":
        if item.get("op") not in OPS:
            problems.append(f'"op" must be one of {", ".join(OPS)}')
        if "than" not in item:
            problems.append('needs "than": a field name, {"field": ...}, {"case": ...}, {"value": ...}, '
                            '{"today": true} or {"sum": [...]}')
        else:
            _operand(item["than"], scope, top, problems)
        if "left" in item:
            _operand(item["left"], scope, top, problems)
    elif kind in ("not_future", "date_after"):
        _need_type(field, {"date"}, "a date", problems)
        if kind == "date_after":
            if "than" not in item:
                problems.append('needs "than": the date it must come after (a field name or {"case": ...})')
            else:
                _operand(item["than"], scope, top, problems)
            if not isinstance(item.get("or_equal", False), bool):
                problems.append('"or_equal" must be true or false')
    elif kind == "one_of_case":
        for key in ("case", "value"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                problems.append(f'needs "{key}": a name in the case data')
        _where(item.get("where"), problems)
        if field.type in ("records", "file", "boolean"):
            problems.append(f'"field" is a {field.type} field; a one_of_case rule checks values')
    elif kind == "min_rows":
        if records is not None or field.type != "records":
            problems.append('"field" must be a records field of the form (no "records" key)')
        minimum = item.get("min")
        if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
            problems.append('"min" must be a whole number of at least 1')
        columns = {c.name for c in field.fields}
        _where(item.get("where"), problems, columns)


def _need_type(field: FieldDefinition, types: Any, what: str, problems: list[str]) -> None:
    if field.type not in types:
        problems.append(f'"field" {field.name!r} is a {field.type} field; this rule needs {what}')


def _where(where: Any, problems: list[str], columns: set[str] | None = None) -> None:
    if where is None:
        return
    if not isinstance(where, dict) or not where or any(isinstance(v, (dict, list)) for v in where.values()):
        problems.append('"where" must be an object of names and plain values, e.g. {"seat": "firm"}')
        return
    for key in where:
        if columns is not None and key not in columns:
            problems.append(f'"where": {key!r} is not a column of the records field')


def _operand(operand: Any, scope: dict[str, FieldDefinition], top: dict[str, FieldDefinition],
             problems: list[str], numeric: bool = False) -> None:
    if isinstance(operand, str):
        if operand not in scope:
            problems.append(f"{operand!r} is not a field (or column) of this form")
        elif numeric and scope[operand].type not in NUMERIC:
            problems.append(f"{operand!r} is a {scope[operand].type} field, not a number")
        return
    if not isinstance(operand, dict) or len(operand) != 1 or next(iter(operand)) not in _OPERAND_KEYS:
        problems.append(f"{operand!r} is not an operand: give a field name, {{\"field\": ...}}, {{\"case\": ...}}, "
                        "{\"value\": ...}, {\"today\": true} or {\"sum\": [...]}")
        return
    key, value = next(iter(operand.items()))
    if key == "field":
        if value not in top:
            problems.append(f'{{"field": {value!r}}} is not a field of this form')
    elif key == "case":
        if not isinstance(value, str) or not value.strip():
            problems.append('{"case": ...} needs the name of a case value (dotted for nested ones)')
    elif key == "value":
        if isinstance(value, (dict, list)) or (numeric and not isinstance(value, (int, float))):
            problems.append(f'{{"value": {value!r}}} must be a plain {"number" if numeric else "value"}')
    elif key == "today":
        if value is not True:
            problems.append('write today as {"today": true}')
    elif not isinstance(value, list) or not value:
        problems.append('{"sum": [...]} needs a non-empty list of operands')
    else:
        for part in value:
            _operand(part, scope, top, problems, numeric=True)
