"""Checking a parsed definition file and turning it into a :class:`FormDefinition`.

Every mistake is reported, not only the first, each with the field it is in
(see :class:`forms.model.FormProblem`). Messages are in English: they are for
process designers and the command line, not for end users.
"""
from __future__ import annotations

import difflib
import keyword
import re
from decimal import Decimal
from typing import Any, Collection

from .model import (
    COMMON_KEYS, DEFAULT_MAX_LENGTH, DEFAULT_PLACES, FORM_KEYS, LOCALES, MAX_PLACES, MAX_SAFE_INTEGER,
    SIGNIFICANT_DIGITS, TYPE_OPTIONS, TYPES, FieldDefinition, FormDefinition, FormProblem,
)
from .rule_checks import check_rules
from .values import InvalidValue, clean_value, is_blank

NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
# SpiffWorkflow's serializer reads a dict with a "typename" key as one of its
# own objects, so no field or column may be called that.
RESERVED_NAMES = frozenset({"typename"})
# "accept" takes what the HTML attribute takes: MIME types and file extensions.
_ACCEPT = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)|\.[a-z0-9]{1,10}")
_NUMERIC = ("integer", "decimal", "money", "percent")


class DuplicateKeys(dict[str, Any]):
    """A JSON object that remembers keys given more than once (json keeps only the last)."""

    duplicates: list[str]


def json_object(pairs: list[tuple[str, Any]]) -> DuplicateKeys:
    """``object_pairs_hook`` for :func:`json.loads` that records duplicate keys."""
    obj = DuplicateKeys()
    obj.duplicates = []
    for key, value in pairs:
        if key in obj:
            obj.duplicates.append(key)
        obj[key] = value
    return obj


def name_problem(name: Any) -> str | None:
    """Why ``name`` cannot name a field, a column or a form, or None if it can."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return (f"{_show(name)} is not a valid name: use up to 64 lowercase Latin letters, digits and _, "
                f"starting with a letter (e.g. budget_total)")
    if keyword.iskeyword(name) or name in RESERVED_NAMES:
        return f'"{name}" is reserved; choose another name'
    return None


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


class _Report:
    """Collects the problems of one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[FormProblem] = []

    def __call__(self, field: str | None, message: str) -> None:
        self.problems.append(FormProblem(self.file, field, message))

    def keys(self, field: str | None, obj: dict[str, Any], allowed: Collection[str],
             elsewhere: Collection[str] = ()) -> None:
        """Report repeated keys, and keys not in ``allowed`` (with a likely meant one)."""
        for key in getattr(obj, "duplicates", ()):
            self(field, f'key "{key}" is given more than once')
        for key in obj:
            if key in allowed:
                continue
            if key in elsewhere:
                self(field, f'"{key}" is not used by this type of field')
                continue
            close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            self(field, f'unknown key "{key}"{hint}')


def check_form(doc: Any, stem: str, source: str) -> tuple[FormDefinition | None, list[FormProblem]]:
    """The definition in ``doc`` (parsed JSON of the file ``source`` named ``stem``.json) and its problems.

    The definition is None when there is any problem.
    """
    report = _Report(source)
    if not isinstance(doc, dict):
        report(None, 'the file must hold one JSON object {"id": ..., "title": ..., "fields": [...]}')
        return None, report.problems
    report.keys(None, doc, FORM_KEYS)
    if (problem := name_problem(stem)) is not None:
        report(None, f"file name: {problem}")
    if doc.get("id") != stem:
        report(None, f'"id" is {_show(doc.get("id"))}; it must be the file name without .json ("{stem}")')
    title = _localized(report, None, doc, "title", required=True)
    help_text = _localized(report, None, doc, "help", required=False)
    fields = _field_list(report, None, doc.get("fields"), "fields")
    context = _context(report, doc.get("context", []), stem)
    if report.problems or title is None or fields is None:
        return None, report.problems
    rules = check_rules(report, doc.get("rules"), fields)
    if report.problems:
        return None, report.problems
    return FormDefinition(id=stem, title=title, help=help_text, fields=fields, rules=rules, source=source,
                          context=context), []


def _context(report: _Report, raw: Any, stem: str) -> tuple[str, ...]:
    """The ``context`` list: ids of the forms whose data a person filling this form needs in view."""
    if not isinstance(raw, list):
        report(None, '"context" must be a list of form ids, e.g. ["feasibility_report"]')
        return ()
    ids: list[str] = []
    for item in raw:
        if (problem := name_problem(item)) is not None:
            report(None, f'"context": {problem}')
        elif item == stem or item in ids:
            report(None, f'"context": "{item}" is this form itself or named twice')
        else:
            ids.append(item)
    return tuple(ids)


def _localized(report: _Report, field: str | None, obj: dict[str, Any], key: str,
               required: bool) -> dict[str, str] | None:
    value = obj.get(key)
    if value is None:
        if required:
            report(field, f'needs a "{key}" with "fa" and "en" texts')
        return None
    if not isinstance(value, dict):
        report(field, f'"{key}" must be an object {{"fa": "...", "en": "..."}}')
        return None
    texts: dict[str, str] = {}
    for locale in LOCALES:
        text = value.get(locale)
        if not isinstance(text, str) or not text.strip():
            report(field, f'"{key}" is missing the "{locale}" text')
        else:
            texts[locale] = text.strip()
    for extra in value:
        if extra not in LOCALES:
            report(field, f'"{key}" has an unknown language "{extra}"; give "fa" and "en"')
    return texts if len(texts) == len(LOCALES) else None


def _field_list(report: _Report, parent: str | None, raw: Any, key: str) -> tuple[FieldDefinition, ...] | None:
    """The fields of a form (``parent`` None) or the columns of the records field ``parent``."""
    if not isinstance(raw, list) or not raw:
        report(parent, f'"{key}" must be a non-empty list of fields')
        return None
    fields: list[FieldDefinition] = []
    seen: set[str] = set()
    ok = True
    for index, item in enumerate(raw):
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name in seen:
            report(_path(parent, name), f"the name is used by an earlier {'column' if parent else 'field'}")
            ok = False
        if isinstance(name, str):
            seen.add(name)
        field = _field(report, parent, index, item)
        ok = ok and field is not None
        if field is not None:
            fields.append(field)
    return tuple(fields) if ok else None


def _path(parent: str | None, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _field(report: _Report, parent: str | None, index: int, raw: Any) -> FieldDefinition | None:
    before = len(report.problems)
    if not isinstance(raw, dict):
        report(_path(parent, f"#{index + 1}"), "must be an object")
        return None
    name = raw.get("name")
    where = _path(parent, name if isinstance(name, str) and name else f"#{index + 1}")
    if "name" not in raw:
        report(where, 'needs a "name"')
    elif (problem := name_problem(name)) is not None:
        report(where, problem)
    type_ = raw.get("type")
    if type_ not in TYPES:
        close = difflib.get_close_matches(str(type_), TYPES, n=1, cutoff=0.6)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        what = 'needs a "type"' if type_ is None else f"unknown type {_show(type_)}"
        report(where, f"{what}; {hint}the types are: {', '.join(TYPES)}")
        report.keys(where, raw, COMMON_KEYS.union(*TYPE_OPTIONS.values()))
    else:
        others = set().union(*TYPE_OPTIONS.values()) - TYPE_OPTIONS[type_]
        report.keys(where, raw, COMMON_KEYS | TYPE_OPTIONS[type_], elsewhere=others)
    label = _localized(report, where, raw, "label", required=True)
    help_text = _localized(report, where, raw, "help", required=False)
    required = raw.get("required", False)
    if not isinstance(required, bool):
        report(where, '"required" must be true or false')
    if type_ not in TYPES:
        return None
    options = _options(report, where, type_, raw)
    columns: tuple[FieldDefinition, ...] = ()
    if type_ == "records":
        if parent is not None:
            report(where, "a column cannot be a records field (records do not nest)")
        elif "fields" not in raw:
            report(where, 'a records field needs "fields", the list of its columns')
        else:
            columns = _field_list(report, where, raw["fields"], "fields") or ()
    if len(report.problems) > before or label is None:
        return None
    field = FieldDefinition(name=name, type=type_, label=label, help=help_text,
                            required=required, options=options, fields=columns)
    if "default" in raw:
        return _with_default(report, where, field, raw["default"])
    return field


def _options(report: _Report, where: str, type_: str, raw: dict[str, Any]) -> dict[str, Any]:
    options = {key: raw[key] for key in TYPE_OPTIONS[type_] if key in raw and key != "fields"}
    if type_ in DEFAULT_MAX_LENGTH:
        options.setdefault("max_length", DEFAULT_MAX_LENGTH[type_])
        if not _is_int(options["max_length"]) or options["max_length"] < 1:
            report(where, '"max_length" must be a whole number of at least 1')
    if type_ in ("decimal", "percent"):
        options.setdefault("places", DEFAULT_PLACES)
        if not _is_int(options["places"]) or not 0 <= options["places"] <= MAX_PLACES:
            report(where, f'"places" must be a whole number from 0 to {MAX_PLACES}')
            options["places"] = DEFAULT_PLACES
    if type_ in _NUMERIC:
        _bounds(report, where, type_, options)
    if type_ in ("choice", "multi_choice"):
        if "options_from" in raw:
            if "choices" in raw:
                report(where, 'give either "choices" or "options_from", not both')
            options["options_from"] = _options_from(report, where, raw["options_from"])
            options.pop("choices", None)
        else:
            options["choices"] = _choices(report, where, raw.get("choices"))
    if type_ in ("file", "user"):
        options.setdefault("multiple", False)
        if not isinstance(options["multiple"], bool):
            report(where, '"multiple" must be true or false')
        elif not options["multiple"] and ("min_items" in options or "max_items" in options):
            report(where, '"min_items" and "max_items" need "multiple": true')
    if type_ == "file":
        _accept(report, where, options)
    if type_ == "user" and (not isinstance(options.get("role"), str) or not NAME.fullmatch(options["role"])):
        report(where, 'a user field needs "role": the role id the picked users must hold (e.g. "committee_member")')
    if "min_items" in options or "max_items" in options:
        _item_counts(report, where, options)
    if type_ == "boolean" and not raw.get("required") and "default" not in raw:
        options["default"] = False
    return options


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bounds(report: _Report, where: str, type_: str, options: dict[str, Any]) -> None:
    whole = type_ in ("integer", "money")
    places = 0 if whole else options["places"]
    limit = Decimal(MAX_SAFE_INTEGER) if whole else Decimal(10) ** (SIGNIFICANT_DIGITS - places)
    floor, ceiling = {"money": (0, None), "percent": (0, 100)}.get(type_, (None, None))
    bounds: dict[str, Decimal] = {}
    for key in ("min", "max"):
        if key not in options:
            continue
        value = options[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (whole and not _is_int(value)):
            report(where, f'"{key}" must be a {"whole " if whole else ""}number')
            continue
        number = Decimal(repr(value))
        exponent = number.normalize().as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            report(where, f'"{key}" has more decimal places than "places" ({places})')
        elif abs(number) >= limit:
            report(where, f'"{key}" is beyond what the field can hold exactly (less than {limit:,})')
        elif (floor is not None and number < floor) or (ceiling is not None and number > ceiling):
            span = f"from {floor} to {ceiling}" if ceiling is not None else f"at least {floor}"
            report(where, f'"{key}" must be {span} for a {type_} field')
        else:
            bounds[key] = number
    if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
        report(where, f'"min" ({options["min"]}) is greater than "max" ({options["max"]})')
    if floor is not None:
        options.setdefault("min", floor)
    if ceiling is not None:
        options.setdefault("max", ceiling)


def _choices(report: _Report, where: str, raw: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(raw, list) or not raw:
        report(where, 'needs "choices": a non-empty list of {"value": ..., "label": {"fa": ..., "en": ...}}')
        return ()
    choices: list[dict[str, Any]] = []
    for index, item in enumerate(raw):
        what = f"choice #{index + 1}"
        if not isinstance(item, dict):
            report(where, f"{what} must be an object with a value and a label")
            continue
        value = item.get("value")
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            report(where, f'{what} needs a "value": a non-empty string without surrounding spaces')
        elif any(value == c["value"] for c in choices):
            report(where, f'{what}: the value "{value}" is used by an earlier choice')
        sub = _Report(report.file)
        sub.keys(where, item, {"value", "label"})
        label = _localized(sub, where, item, "label", required=True)
        for problem in sub.problems:
            report(where, f"{what}: {problem.message}")
        if isinstance(value, str) and label is not None:
            choices.append({"value": value, "label": label})
    return tuple(choices)


_OPTIONS_FROM_KEYS = frozenset({"case", "value", "label", "where"})


def _options_from(report: _Report, where: str, raw: Any) -> dict[str, Any] | None:
    """``{"case": "ranking", "value": "code", "label": "name", "where": {"eligible": true}}``."""
    shape = ('"options_from" must be an object such as {"case": "ranking", "value": "code", '
             '"label": "name", "where": {"eligible": true}}')
    if not isinstance(raw, dict):
        report(where, shape)
        return None
    sub = _Report(report.file)
    sub.keys(where, raw, _OPTIONS_FROM_KEYS)
    for problem in sub.problems:
        report(where, f'"options_from": {problem.message}')
    ok = not sub.problems
    for key, required in (("case", True), ("value", True), ("label", False)):
        value = raw.get(key)
        if (value is None and required) or (value is not None and (not isinstance(value, str) or not value.strip())):
            report(where, f'"options_from" needs "{key}": a name in the case data' if required
                   else f'"options_from": "{key}" must be a name in the case data')
            ok = False
    condition = raw.get("where")
    if condition is not None and (not isinstance(condition, dict) or not condition or
                                  any(isinstance(v, (dict, list)) for v in condition.values())):
        report(where, '"options_from": "where" must be an object of names and plain values, e.g. {"eligible": true}')
        ok = False
    return dict(raw) if ok else None


def _accept(report: _Report, where: str, options: dict[str, Any]) -> None:
    accept = options.get("accept")
    if accept is None:
        return
    if not isinstance(accept, list) or not accept:
        report(where, '"accept" must be a non-empty list such as ["application/pdf", "image/*", ".docx"]')
        return
    for item in accept:
        if not isinstance(item, str) or not _ACCEPT.fullmatch(item):
            report(where, f'"accept": {_show(item)} is neither a lowercase MIME type such as "application/pdf" '
                          'nor a file extension such as ".pdf"')
    options["accept"] = tuple(accept)


def _item_counts(report: _Report, where: str, options: dict[str, Any]) -> None:
    low, high = options.get("min_items"), options.get("max_items")
    for key, value, least in (("min_items", low, 0), ("max_items", high, 1)):
        if value is not None and (not _is_int(value) or value < least):
            report(where, f'"{key}" must be a whole number of at least {least}')
            return
    if low is not None and high is not None and low > high:
        report(where, f'"min_items" ({low}) is greater than "max_items" ({high})')
    count = len(options.get("choices") or ())
    if options.get("choices") and low is not None and low > count:
        report(where, f'"min_items" ({low}) is more than the number of choices ({count})')


def _with_default(report: _Report, where: str, field: FieldDefinition, default: Any) -> FieldDefinition | None:
    if field.type in ("file", "records", "user") or field.options.get("options_from"):
        report(where, f'"default" is not supported for {field.type} fields'
                      + (' with "options_from"' if field.options.get("options_from") else ""))
    elif field.required:
        report(where, '"default" and "required": true cannot go together: a field with a default '
                      "is never empty; remove one of them")
    elif is_blank(default):
        report(where, '"default" is empty; remove it')
    else:
        try:
            clean = clean_value(field, default)
        except InvalidValue as exc:
            report(where, f'"default" is invalid: {exc.text(field, "en")}')
        else:
            return FieldDefinition(name=field.name, type=field.type, label=field.label, help=field.help,
                                   required=False, options={**field.options, "default": clean})
    return None
