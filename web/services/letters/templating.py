"""Letters render like task instructions: the engine's Jinja sandbox under the scripts' time and memory budget.

Besides Jinja's own, templates have the filters ``fa`` (Persian digits) and ``money`` (rials grouped in
thousands), which instructions have too.
"""
from __future__ import annotations

from typing import Any

from jinja2 import TemplateSyntaxError

from engine.errors import ScriptError
from engine.instructions import compile_instructions, render_instructions


def parse(text: str) -> None:
    """:raise TemplateSyntaxError: with the line of the mistake."""
    compile_instructions(text)


def render(text: str, context: dict[str, Any]) -> str:
    """``text`` rendered over ``context``, HTML-escaped; undefined names print as nothing.

    :raise ValueError: the template is broken, refused something, ran too long or built too much.
    """
    try:
        return render_instructions(text, context) or ""
    except ScriptError as exc:
        raise ValueError(str(exc)) from None


__all__ = ["TemplateSyntaxError", "parse", "render"]
