"""What a submission is checked against besides its form: the case's data, the people, today.

The service layer builds a :class:`ValidationContext` (forms/ knows nothing of
the database) and passes it to :func:`forms.marshmallow_schema.validate_submission`.
Without one, choices taken from the case or from people are not checked
against anything (any value of the right shape passes) and rules that read
the case or today are skipped; the service layer always gives one.
"""
from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Mapping, Sequence

from engine.calendar import to_jalali

UsersLookup = Callable[[str], Sequence[tuple[str, str]]]
"""``users(role)``: the active users holding ``role`` in the case's province, as ``(username, full name)``."""


@dataclass(frozen=True)
class ValidationContext:
    case: Mapping[str, Any] = field(default_factory=dict)
    today: date | None = None
    users: UsersLookup | None = None

    @property
    def today_jalali(self) -> str | None:
        return to_jalali(self.today) if self.today is not None else None

    def people(self, role: str | None) -> list[tuple[str, str]]:
        """Who may be picked for a ``user`` field of ``role`` (cached per context)."""
        cache = self.__dict__.setdefault("_people", {})
        if role not in cache:
            cache[role] = list(self.users(role or "")) if self.users is not None else []
        return cache[role]


_current: contextvars.ContextVar[ValidationContext | None] = contextvars.ContextVar("form_context", default=None)


def current_context() -> ValidationContext | None:
    return _current.get()


def using(context: ValidationContext | None) -> contextvars.Token:
    return _current.set(context)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)


def case_value(case: Mapping[str, Any], path: str) -> Any:
    """The value at the dotted ``path`` of the case data, or None."""
    value: Any = case
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def matches(row: Any, where: Mapping[str, Any] | None) -> bool:
    """Whether a row (a mapping) has every ``column: value`` of ``where``."""
    if not where:
        return True
    return isinstance(row, Mapping) and all(row.get(k) == v for k, v in where.items())


def case_options(spec: Mapping[str, Any], case: Mapping[str, Any], locale: str) -> list[dict[str, Any]]:
    """The choices ``options_from`` gives in this case: ``[{"value", "label"}]``, each value once."""
    rows = case_value(case, spec["case"])
    if not isinstance(rows, list):
        return []
    options: list[dict[str, Any]] = []
    seen: set[str] = set()
    for row in rows:
        if not matches(row, spec.get("where")):
            continue
        raw = row.get(spec["value"]) if isinstance(row, Mapping) else row
        if raw is None or isinstance(raw, (dict, list)):
            continue
        value = str(raw)
        if value in seen:
            continue
        seen.add(value)
        label = row.get(spec.get("label") or spec["value"]) if isinstance(row, Mapping) else row
        label_text = f"{value} — {label}" if label is not None and str(label) != value else value
        options.append({"value": value, "label": {"fa": label_text, "en": label_text}})
    return options
