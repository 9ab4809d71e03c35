"""The sandboxed Jinja environment letters render in, with the filters letters use."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.calendar import persian_digits

MAX_OUTPUT = 200_000   # characters of one rendered letter


def _fa(value: Any) -> str:
    """Persian digits (dates stay YYYY/MM/DD, codes keep their letters)."""
    return persian_digits("" if value is None else str(value))


def _money(value: Any) -> str:
    try:
        return persian_digits(f"{int(value):,}".replace(",", "٬")) + " ریال"
    except (TypeError, ValueError):
        return _fa(value)


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(autoescape=True)
    env.filters["fa"] = _fa
    env.filters["money"] = _money
    return env


def render(text: str, context: dict[str, Any]) -> str:
    """``text`` rendered over ``context``; undefined names print as nothing.

    :raise jinja2.TemplateError: for a template that does not render.
    :raise ValueError: for output beyond :data:`MAX_OUTPUT` characters.
    """
    out = environment().from_string(text).render(**context)
    if len(out) > MAX_OUTPUT:
        raise ValueError(f"the letter is longer than {MAX_OUTPUT} characters")
    return out
