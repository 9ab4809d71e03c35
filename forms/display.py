"""Showing submitted values to people: labelled by their form definition, formatted for a locale.

The opposite direction of :mod:`forms.values`: a clean stored value becomes
text a user reads — Jalali dates and numbers with Persian digits and
separators in Persian, money with thousands separators and its unit, yes/no
for booleans, choices by their labels. Values that do not fit their field
(data kept from an older definition) are shown as plain text, never refused.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from engine.calendar import persian_digits

from .messages import LIST_SEPARATOR, format_number, message, normalize_locale
from .model import FieldDefinition, FormDefinition

FILE_TYPES = frozenset({"file"})


@dataclass(frozen=True)
class ShownField:
    """One field of a submission as a user reads it.

    ``text`` is the formatted value for scalar fields; a ``records`` field has
    ``columns`` (labels) and ``rows`` (formatted cells, one list per row)
    instead; a file field has the attachment ids in ``files``.
    """

    name: str
    label: str
    type: str
    text: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _plain(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return message("yes" if value else "no", lang)
    if isinstance(value, (int, float)):
        return format_number(value, lang)
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR[lang].join(_plain(item, lang) for item in value)
    if isinstance(value, Mapping):
        return LIST_SEPARATOR[lang].join(f"{key}: {_plain(item, lang)}" for key, item in value.items())
    text = "" if value is None else str(value)
    return persian_digits(text) if lang == "fa" and _looks_numeric(text) else text


def _looks_numeric(text: str) -> bool:
    """Codes and dates such as "1405/01/15" or "TH-11" keep their letters; only digit runs change."""
    return any(ch.isdigit() for ch in text) and not any(ch.isalpha() and ch.isascii() for ch in text)


def _choice_label(definition: FieldDefinition, value: Any, lang: str) -> str:
    for choice in definition.options.get("choices") or ():
        if choice["value"] == value:
            return str(choice["label"][lang])
    return _plain(value, lang)


def display_value(definition: FieldDefinition, value: Any, locale: str) -> str:
    """``value`` of ``definition`` as text for a user of ``locale`` (see the module docstring)."""
    lang = normalize_locale(locale)
    if value is None or value == "" or value == []:
        return ""
    kind = definition.type
    try:
        if kind in ("integer", "decimal") and not isinstance(value, bool):
            return format_number(value, lang)
        if kind == "money" and not isinstance(value, bool):
            return message("money", lang, amount=_grouped(value, lang))
        if kind == "percent" and not isinstance(value, bool):
            return format_number(value, lang) + ("٪" if lang == "fa" else "%")
        if kind == "boolean" and isinstance(value, bool):
            return message("yes" if value else "no", lang)
        if kind == "choice":
            return _choice_label(definition, value, lang)
        if kind == "multi_choice" and isinstance(value, (list, tuple)):
            return LIST_SEPARATOR[lang].join(_choice_label(definition, item, lang) for item in value)
    except (TypeError, ValueError, ArithmeticError):
        pass
    return _plain(value, lang)


def _grouped(value: Any, lang: str) -> str:
    """Money always grouped in thousands (format_number groups only five digits and more)."""
    text = f"{int(value):,}"
    return persian_digits(text.replace(",", "٬")) if lang == "fa" else text


def shown_field(definition: FieldDefinition, value: Any, locale: str) -> ShownField:
    """One field of a submission, ready for a template or an API answer."""
    lang = normalize_locale(locale)
    label = str(definition.label[lang])
    if definition.type == "records":
        rows = value if isinstance(value, list) else []
        return ShownField(
            name=definition.name, label=label, type="records",
            columns=[str(column.label[lang]) for column in definition.fields],
            rows=[[display_value(column, row.get(column.name), lang) if isinstance(row, Mapping) else ""
                   for column in definition.fields] for row in rows])
    if definition.type in FILE_TYPES:
        ids = value if isinstance(value, list) else ([value] if value else [])
        return ShownField(name=definition.name, label=label, type="file", files=[str(i) for i in ids])
    return ShownField(name=definition.name, label=label, type=definition.type,
                      text=display_value(definition, value, lang))


def shown_submission(form: FormDefinition | None, data: Mapping[str, Any], locale: str) -> list[ShownField]:
    """Every field of ``form`` that has a value in ``data``, in the form's order.

    Without a form (a task whose definition is gone), the keys are shown as
    they are, labelled by their names.
    """
    lang = normalize_locale(locale)
    if form is None:
        return [ShownField(name=str(key), label=str(key), type="text", text=_plain(value, lang))
                for key, value in data.items() if value not in (None, "", [])]
    shown = []
    for definition in form.fields:
        value = data.get(definition.name)
        if value is None or value == "" or value == []:
            continue
        shown.append(shown_field(definition, value, lang))
    return shown
