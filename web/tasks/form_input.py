"""Turning a posted HTML form into the data a form definition describes (before validation)."""
from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import FileStorage, ImmutableMultiDict

from forms.model import FieldDefinition, FormDefinition

ROW_KEY = re.compile(r"^(?P<field>\w+)\.(?P<row>\d{1,4})\.(?P<column>\w+)$")


def read_form(form: FormDefinition | None, posted: ImmutableMultiDict) -> dict[str, Any]:
    """The submitted values by field name; empty inputs are left out so "required" can speak."""
    if form is None:
        return {}
    data: dict[str, Any] = {}
    for definition in form.fields:
        value = _field_value(definition, posted, definition.name)
        if value is not None:
            data[definition.name] = value
    return data


def uploaded_files(form: FormDefinition | None, files: ImmutableMultiDict) -> dict[str, list[FileStorage]]:
    """The files chosen for each file field (empty file inputs are ignored)."""
    if form is None:
        return {}
    chosen = {}
    for definition in form.fields:
        if definition.type == "file":
            picked = [f for f in files.getlist(definition.name) if f and f.filename]
            if picked:
                chosen[definition.name] = picked
    return chosen


def _field_value(definition: FieldDefinition, posted: ImmutableMultiDict, key: str) -> Any:
    if definition.type == "boolean":
        return key in posted
    if definition.type == "multi_choice" or (definition.type == "user" and definition.options.get("multiple")):
        values = [v for v in posted.getlist(key) if v != ""]
        return values or None
    if definition.type == "file":
        kept = [v for v in posted.getlist(key) if v]  # ids of files already attached (hidden inputs)
        if not kept:
            return None
        return kept if definition.options.get("multiple") else kept[0]
    if definition.type == "records":
        return _records(definition, posted)
    value = posted.get(key, "")
    return value.strip() if value.strip() != "" else None


def _records(definition: FieldDefinition, posted: ImmutableMultiDict) -> list[dict[str, Any]] | None:
    rows: dict[int, dict[str, Any]] = {}
    for key in posted.keys():
        match = ROW_KEY.match(key)
        if not match or match["field"] != definition.name:
            continue
        rows.setdefault(int(match["row"]), {})
    result = []
    for index in sorted(rows):
        row = {}
        for column in definition.fields:
            value = _field_value(column, posted, f"{definition.name}.{index}.{column.name}")
            if value is not None and value is not False:
                row[column.name] = value
        if row:  # a row left entirely empty is no row
            result.append(row)
    return result or None
