"""Cross-field and case-data rules of a form, checked on submit after each field is valid.

A definition may carry ``"rules": [...]``; each rule is an object::

    {"kind": "<kind>", "field": "<where the message goes>", "records": "<records field>" (optional),
     "message": {"fa": "...", "en": "..."}, ...the kind's own keys}

With ``"records"`` the rule is checked on every row of that records field;
its names are then columns, and a failure is reported at
``"<records>.<row index from 0>.<field>"`` (as per-field errors are).

Kinds:

- ``compare``: ``field <op> than``; ``"op"`` one of ``== != < <= > >=``;
  ``"left"`` (an operand) compares that instead of the field's value, the
  message still going to ``field``.
- ``sum_equals``: ``field == sum of "parts"`` (exact: money has no tolerance).
- ``sum_at_most``: ``sum of "parts" <= field`` (e.g. votes <= members present).
- ``not_future``: the date ``field`` is not after today (the injected clock's).
- ``date_after``: the date ``field`` is after ``than`` (``"or_equal": true``
  allows the same day).
- ``one_of_case``: the value of ``field`` (each item of a list) is among
  ``row[value]`` of the rows of the case list ``"case"`` that match
  ``"where"`` (e.g. eligible ranked candidates).
- ``min_rows``: the records ``field`` has at least ``"min"`` rows matching
  ``"where"`` (e.g. three firm representatives).
- ``unique``: the column ``field`` differs in every row of ``"records"``.

Operands (``than``, ``parts``): a name (a field, or a column in a records
rule), ``{"field": name}`` (a top-level field from a records rule),
``{"case": "dotted.name"}`` (case data), ``{"value": literal}``,
``{"today": true}`` or ``{"sum": [operands]}``. Dates are compared as
canonical Jalali ``YYYY/MM/DD`` strings. A rule whose values are missing
(an optional field left empty, a case value not yet known) is not checked.
"""
from __future__ import annotations

import operator
from decimal import Decimal
from typing import Any, Mapping

from .context import ValidationContext, case_value, matches
from .messages import normalize_locale
from .model import FormDefinition

_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
        ">=": operator.ge}
_MISSING = object()


def check_rules(form: FormDefinition, clean: Mapping[str, Any], context: ValidationContext | None,
                locale: str = "fa") -> dict[str, list[str]]:
    """Errors of the rules of ``form`` on its clean data, keyed as per-field errors; {} when all hold."""
    lang = normalize_locale(locale)
    context = context or ValidationContext()
    errors: dict[str, list[str]] = {}
    for rule in form.rules:
        text = rule["message"][lang]
        for key in _failures(rule, clean, context):
            messages = errors.setdefault(key, [])
            if text not in messages:
                messages.append(text)
    return errors


def _failures(rule: Mapping[str, Any], clean: Mapping[str, Any], context: ValidationContext) -> list[str]:
    kind, field = rule["kind"], rule["field"]
    if kind == "min_rows":
        rows = clean.get(field) or []
        count = sum(1 for row in rows if matches(row, rule.get("where")))
        return [field] if count < rule["min"] else []
    records = rule.get("records")
    if records is None:
        return [field] if not _holds(rule, clean, clean, context) else []
    rows = clean.get(records) or []
    if kind == "unique":
        seen: set[str] = set()
        failed = []
        for index, row in enumerate(rows):
            value = row.get(field)
            if value is None:
                continue
            marker = repr(value)
            if marker in seen:
                failed.append(f"{records}.{index}.{field}")
            seen.add(marker)
        return failed
    return [f"{records}.{index}.{field}" for index, row in enumerate(rows)
            if not _holds(rule, row, clean, context)]


def _holds(rule: Mapping[str, Any], scope: Mapping[str, Any], top: Mapping[str, Any],
           context: ValidationContext) -> bool:
    """Whether the rule holds on one scope (the form, or one row); True when it cannot be checked."""
    kind = rule["kind"]
    value = scope.get(rule["field"])
    if value is None:
        return True
    if kind == "one_of_case":
        rows = case_value(context.case, rule["case"])
        if not isinstance(rows, list):
            return True  # the case does not know the list (yet): nothing to check against
        allowed = {str(r.get(rule["value"])) for r in rows if isinstance(r, Mapping) and matches(r, rule.get("where"))}
        items = value if isinstance(value, list) else [value]
        return all(str(item) in allowed for item in items)
    if kind == "not_future":
        return context.today_jalali is None or _compare("<=", value, context.today_jalali)
    if kind == "date_after":
        other = _operand(rule["than"], scope, top, context)
        return _compare(">=" if rule.get("or_equal") else ">", value, other)
    if kind == "compare":
        left = _operand(rule["left"], scope, top, context) if "left" in rule else value
        return _compare(rule["op"], left, _operand(rule["than"], scope, top, context))
    total = _operand({"sum": rule["parts"]}, scope, top, context)
    if kind == "sum_equals":
        return _compare("==", value, total)
    return _compare("<=", total, value)  # sum_at_most


def _operand(operand: Any, scope: Mapping[str, Any], top: Mapping[str, Any], context: ValidationContext) -> Any:
    if isinstance(operand, str):
        return scope.get(operand, _MISSING)
    key, value = next(iter(operand.items()))
    if key == "field":
        return top.get(value, _MISSING)
    if key == "case":
        found = case_value(context.case, value)
        return _MISSING if found is None else found
    if key == "value":
        return value
    if key == "today":
        return context.today_jalali or _MISSING
    total = Decimal(0)
    for part in value:
        item = _operand(part, scope, top, context)
        if item is None or item is _MISSING:
            continue  # an empty optional part counts as nothing
        number = _number(item)
        if number is None:
            return _MISSING
        total += number
    return total


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is None or right is None or left is _MISSING or right is _MISSING:
        return True
    numbers = _number(left), _number(right)
    if numbers[0] is not None and numbers[1] is not None:
        return _OPS[op](numbers[0], numbers[1])
    if isinstance(left, str) and isinstance(right, str):
        return _OPS[op](left, right)
    if isinstance(left, bool) and isinstance(right, bool) and op in ("==", "!="):
        return _OPS[op](left, right)
    return True  # values of different kinds cannot be compared: not this rule's concern
