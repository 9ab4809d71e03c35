"""Task instructions: the BPMN ``instructionsForEndUser`` text, a Jinja template over task data.

Instructions are written by process designers and filled with what applicants typed, so
they render in Jinja's immutable sandbox, HTML-escaped, and under the same
:class:`~engine.budget.Budget` as scripts: the template's own code is traced against the
deadline; ``*``, ``+``, ``%``, ``~``, slices, string methods and the filters that pad or
copy are charged before they build; every piece of output is charged as it is made.
``str.format`` and ``lipsum`` are not available (use ``~`` or the ``format`` filter).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from jinja2 import TemplateError, Undefined, nodes, pass_eval_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import FILTERS
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import soft_str

from . import budget
from .calendar import persian_digits
from .budget import DEFAULT_MEMORY_LIMIT, DEFAULT_TIME_LIMIT, Budget, Deadline
from .errors import ScriptError, ScriptTimeout
from .sandbox_guards import guarded_mul, guarded_pow
from .size_guards import (MAX_FORMAT_WIDTH, OverBudget, charge_text, guarded_add, guarded_getitem,
                          guarded_method, guarded_mod, text_size)

MAX_MESSAGE = 500  # characters of an error's own text kept in the message
TEMPLATE_FILENAME = "<template>"  # what Jinja names the code of a template made from a string


class _BudgetedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with ``a ~ b`` going through the environment (charged)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.concat_parts(context, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


Check = Callable[[Any, tuple[Any, ...], dict[str, Any]], None]


def _checked_filter(name: str, check: Check) -> Any:
    """Jinja's filter ``name``, calling ``check(value, args, kwargs)`` first."""
    original = FILTERS[name]
    passes = getattr(original, "jinja_pass_arg", None)

    def checked(*args: Any, **kwargs: Any) -> Any:
        rest = args[1:] if passes else args  # the environment or eval context comes first
        check(rest[0] if rest else None, rest[1:], kwargs)
        return original(*args, **kwargs)

    if passes is not None:
        checked.jinja_pass_arg = passes  # type: ignore[attr-defined]
    return checked


def _width(name: str, default: int) -> Check:
    def check(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        width = args[0] if args else kwargs.get("width", default)
        if isinstance(width, int) and abs(width) > MAX_FORMAT_WIDTH:
            raise OverBudget(f"the {name} filter asks for a width of {width:,}; at most {MAX_FORMAT_WIDTH:,}")
        if name == "indent" and isinstance(width, int):  # every line gets the indent
            budget.charge(len(str(value)) * (1 + abs(width)), "the indent filter")
    return check


def _text(name: str) -> Check:
    def check(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        charge_text(value, f"the {name} filter")
    return check


def _replace(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if len(args) >= 2:
        count = args[2] if len(args) > 2 and args[2] is not None else -1
        guarded_method(str(value), "replace", str.replace)(str(args[0]), str(args[1]), count)


def _slices(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    slices = args[0] if args else kwargs.get("slices", 0)
    if isinstance(slices, int) and slices > MAX_FORMAT_WIDTH:
        raise OverBudget(f"the slice filter asks for {slices:,} slices; at most {MAX_FORMAT_WIDTH:,}")


def _format_filter(value: Any, *args: Any, **kwargs: Any) -> str:
    if args and kwargs:
        raise TemplateError("the format filter takes positional or keyword arguments, not both")
    return str(guarded_mod(soft_str(value), kwargs or args))


@pass_eval_context
def _join_filter(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> Any:
    items = list(value)  # a generator is read once: joined from the list
    budget.charge(len(d) * len(items), "the join filter")  # the separators alone may be too much
    budget.charge(text_size(items, "the join filter"), "the join filter")
    return FILTERS["join"](eval_ctx, items, d, attribute)


def _persian(value: Any) -> str:
    """``{{ x|fa }}``: the value with Persian digits (dates stay YYYY/MM/DD, codes keep their letters)."""
    return persian_digits("" if value is None else str(value))


def _money(value: Any) -> str:
    """``{{ x|money }}``: whole rials grouped in thousands, in Persian digits."""
    try:
        return persian_digits(f"{int(value):,}".replace(",", "٬")) + " ریال"
    except (TypeError, ValueError, OverflowError):
        return _persian(value)


class InstructionEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with the sandbox's size guards and no ``str.format``."""

    code_generator_class = _BudgetedCodeGenerator
    intercepted_binops = frozenset({"*", "+", "%", "**"})

    def __init__(self) -> None:
        super().__init__(autoescape=True)
        self.globals.pop("lipsum", None)
        self.filters.update({
            "center": _checked_filter("center", _width("center", 80)),
            "indent": _checked_filter("indent", _width("indent", 4)),
            "wordwrap": _checked_filter("wordwrap", _width("wordwrap", 79)),
            "replace": _checked_filter("replace", _replace),
            "slice": _checked_filter("slice", _slices),
            **{name: _checked_filter(name, _text(name)) for name in ("list", "string", "pprint", "tojson")},
            "format": _format_filter, "join": _join_filter,
            "fa": _persian, "money": _money,
        })

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        guard = {"*": guarded_mul, "+": guarded_add, "%": guarded_mod, "**": guarded_pow}[operator]
        return guard(left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute in ("format", "format_map") and isinstance(obj, str):
            return self.unsafe_undefined(obj, attribute)
        value = super().getattr(obj, attribute)
        return value if isinstance(value, Undefined) else guarded_method(obj, attribute, value)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(argument, slice):
            try:
                guarded_getitem(obj, argument)
            except (TypeError, ValueError):
                pass  # let Jinja say what is wrong
        return super().getitem(obj, argument)

    def concat_parts(self, context: Any, parts: tuple[Any, ...]) -> str:
        """``a ~ b ~ ...``, charged before it is joined."""
        budget.charge(text_size(parts, "~"), "~")
        return markup_join(parts) if context.eval_ctx.autoescape else str_join(parts)


_ENVIRONMENT = InstructionEnvironment()


@lru_cache(maxsize=256)
def compile_instructions(template: str) -> Any:
    """The compiled template (cached). :raise TemplateSyntaxError: with its line."""
    return _ENVIRONMENT.from_string(template)


def render_instructions(template: str | None, data: Mapping[str, Any], *, time_limit: float = DEFAULT_TIME_LIMIT,
                        memory_limit: int = DEFAULT_MEMORY_LIMIT) -> str | None:
    """The instructions with ``data`` filled in, HTML-escaped; None when there are none.

    :raise ScriptError: the template is broken, refused something, or failed; ScriptTimeout
        when it ran past ``time_limit`` seconds.
    """
    if not template:
        return None
    run = Budget(time_limit, memory_limit)
    try:
        with run.running([TEMPLATE_FILENAME]):
            compiled = compile_instructions(template)
            return "".join(_charged(compiled.generate(**dict(data)), run))
    except Deadline:
        raise ScriptTimeout(f"Instructions timed out: still rendering after the {time_limit:g} s time limit") from None
    except ScriptError as error:
        raise ScriptError(f"Instructions refused: {error}") from None
    except TemplateError as error:
        raise ScriptError(f"Instructions failed: {type(error).__name__}: {str(error)[:MAX_MESSAGE]}") from None
    except Exception as error:  # noqa: BLE001 - anything a template does wrong is its own failure
        raise ScriptError(f"Instructions failed: {type(error).__name__}: {str(error)[:MAX_MESSAGE]}") from error


def _charged(pieces: Iterator[str], run: Budget) -> Iterator[str]:
    for piece in pieces:
        run.tick()
        run.charge(len(piece), "the instructions' text")
        yield piece
