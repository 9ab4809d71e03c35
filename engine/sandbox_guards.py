"""What BPMN scripts may do: the compile-time policy and the run-time guards.

:mod:`engine.sandbox` compiles every script with :class:`SandboxPolicy` and runs
it with :func:`script_builtins` as its only builtins. Guards refuse by raising
:class:`~engine.errors.ScriptError`; the refused operation has not happened.
"""
from __future__ import annotations

import ast
import builtins
import math
import operator
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Context, Decimal
from types import ModuleType
from typing import Any, cast

from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr_raise,
)
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

from . import budget
from .errors import ScriptError
from .size_guards import (REAL_TYPES, STAND_INS, DroppedPrint, charge_repeat, charge_unpack, guarded_add,
                          guarded_format, guarded_getitem, guarded_method, guarded_mod, guarded_repr,
                          guarded_sorted)

MAX_RANGE = 1_000_000  # elements in one range()
MAX_SEQUENCE = 1_000_000  # items or characters made by one sequence `*`
MAX_INT_BITS = 10_000  # bits of an int made by one `**`, `*` or `<<` (about 3,000 digits)
MAX_DECIMAL_DIGITS = 10_000  # digits, and exponent, of a Decimal: int() of one is quadratic in C

# Scripts' Decimal arithmetic runs in this context (prec 28 as usual): results past
# 1E+10000 raise Overflow instead of making values that take minutes to convert.
DECIMAL_CONTEXT = Context(Emax=MAX_DECIMAL_DIGITS, Emin=-MAX_DECIMAL_DIGITS)


def _refuse(message: str) -> None:
    raise ScriptError(message)


def _check_pow(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0:
        if exponent * math.log2(abs(base)) > MAX_INT_BITS:
            _refuse(f"** would make an integer over {MAX_INT_BITS} bits")


def _check_mul(left: Any, right: Any) -> None:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            _refuse(f"* would make an integer over {MAX_INT_BITS} bits")
        return
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, bytes, bytearray, list, tuple)) and isinstance(times, int):
            if len(seq) * times > MAX_SEQUENCE:
                _refuse(f"* would make a sequence over {MAX_SEQUENCE} items")
            charge_repeat(seq, times)


def _check_add(target: Any, value: Any) -> None:
    if isinstance(target, list):  # in place: only the new items are made
        budget.charge(len(value) * 8 if isinstance(value, (list, tuple, str, dict, set, range)) else 0, "+=")
    elif isinstance(target, (str, bytes, bytearray)) and isinstance(value, (str, bytes, bytearray)):
        budget.charge(len(target) + len(value), "+=")
    elif isinstance(target, tuple) and isinstance(value, tuple):
        budget.charge((len(target) + len(value)) * 8, "+=")


def _check_lshift(value: Any, shift: Any) -> None:
    if isinstance(value, int) and isinstance(shift, int) and value and shift > 0:
        if value.bit_length() + shift > MAX_INT_BITS:
            _refuse(f"<< would make an integer over {MAX_INT_BITS} bits")


def guarded_pow(base: Any, exponent: Any) -> Any:
    _check_pow(base, exponent)
    return base ** exponent


def guarded_mul(left: Any, right: Any) -> Any:
    _check_mul(left, right)
    return left * right


def guarded_lshift(value: Any, shift: Any) -> Any:
    _check_lshift(value, shift)
    return value << shift


_CHECKS: dict[str, Callable[[Any, Any], None]] = {"**=": _check_pow, "*=": _check_mul, "<<=": _check_lshift,
                                                  "+=": _check_add}
_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "|=": operator.ior, "^=": operator.ixor, "&=": operator.iand,
    "@=": operator.imatmul,
}


def guarded_inplacevar(op: str, target: Any, value: Any) -> Any:
    """`x op= y` for names (RestrictedPython rewrites it to a call of this)."""
    if op == "%=":
        return guarded_mod(target, value)
    check = _CHECKS.get(op)
    if check is not None:
        check(target, value)
    return _INPLACE[op](target, value)


def bounded_range(*args: int) -> range:
    """range(), refused above MAX_RANGE elements: sum()/sorted() loop over it in C, untraced."""
    result = range(*args)
    try:
        size = len(result)
    except OverflowError:
        size = MAX_RANGE + 1
    if size > MAX_RANGE:
        _refuse(f"range() of more than {MAX_RANGE} elements")
    return result


def guarded_sum(iterable: Any, /, start: Any = 0) -> Any:
    """sum(); a sequence start is refused, as sum(lists, []) copies quadratically, in C."""
    if isinstance(start, (list, tuple, str, bytes)):
        _refuse("sum() of sequences; build the list with a comprehension")
    return sum(iterable, start)


class _AnyDecimal(type):
    """Keeps ``isinstance(x, Decimal)`` true in scripts for every Decimal, as usual."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Decimal)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, Decimal)


class ScriptDecimal(metaclass=_AnyDecimal):
    """``Decimal`` as scripts see it: makes plain Decimals, refusing ones past MAX_DECIMAL_DIGITS
    (``int(Decimal('1e999999'))`` runs for minutes in C, holding the GIL). Not a subclass of
    Decimal, so ``Decimal.mro()`` cannot hand scripts the unchecked class."""

    def __new__(cls, value: Any = "0", context: Any = None) -> Decimal:  # type: ignore[misc]
        number = Decimal(value, context)
        if number.is_finite() and max(len(number.as_tuple().digits), abs(number.adjusted())) > MAX_DECIMAL_DIGITS:
            _refuse(f"a Decimal of more than {MAX_DECIMAL_DIGITS} digits")
        return number


_CLOCK_READERS = {"now", "today", "utcnow"}  # read the wall clock when called on an instance


def guarded_getattr(obj: Any, name: str) -> Any:
    """``obj.name``: RestrictedPython's checks (no ``_`` names, no str.format, no frames),
    no ``AttributeError.obj``, which can hold an object internal to a helper, and methods
    that build strings or grow containers charged to the budget (engine.size_guards)."""
    if name == "obj" and isinstance(obj, AttributeError):
        raise AttributeError("AttributeError.obj is not available in scripts")
    if name in _CLOCK_READERS and isinstance(obj, (date, time)):
        raise AttributeError(f"{name}() on a date is not available in scripts; call datetime.now() or date.today()")
    if isinstance(obj, type) and obj in REAL_TYPES:
        if name == "mro":
            raise AttributeError(f"{obj.__name__}.mro is not available in scripts")
        obj = REAL_TYPES[obj]
    return guarded_method(obj, name, safer_getattr_raise(obj, name))


def _relay(iterator: Iterator[Any]) -> Iterator[Any]:
    for item in iterator:
        budget.tick()
        budget.charge(8, "a loop")
        yield item


def _python_level(func: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    """``func`` returning a Python generator. A chain of C iterators, map(f, map(f, ...))
    100,000 deep, overflows the C stack and kills the process; chained generators stop
    at the recursion limit instead."""
    def call(*args: Any, **kwargs: Any) -> Iterator[Any]:
        return _relay(func(*args, **kwargs))
    return call


def decimal_round(value: Decimal | int | float | str, places: int = 0) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimals, as a Decimal.

    Floats go through ``str`` first, so ``decimal_round(2.675, 2) == Decimal('2.68')``.
    Task data cannot hold a Decimal: store ``str(...)`` or ``int(...)`` of the result.
    """
    if not isinstance(places, int):
        raise TypeError("places must be an int")
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


DEFAULT_HELPERS: dict[str, Any] = {
    **{name: getattr(builtins, name) for name in (
        "abs", "all", "any", "bool", "divmod", "float", "int", "isinstance", "len", "max", "min", "next",
        "round")},
    **STAND_INS,  # list, tuple, set, frozenset, dict, str: copies charged
    "sorted": guarded_sorted,
    "repr": guarded_repr,
    **{name: _python_level(getattr(builtins, name)) for name in ("enumerate", "filter", "map", "reversed", "zip")},
    "range": bounded_range,
    "pow": guarded_pow,  # without pow(b, e, mod), slow on huge moduli
    "sum": guarded_sum,
    "Decimal": ScriptDecimal,
    "date": date,
    "datetime": datetime,
    "timedelta": timedelta,
    "decimal_round": decimal_round,
}

# RestrictedPython's safe_builtins minus what lets code define classes, write
# attributes, or catch exceptions outside the Exception tree (the time limit is one).
_UNSAFE = {"__build_class__", "setattr", "delattr", "_getattr_", "pow", "range",
           "BaseException", "GeneratorExit", "KeyboardInterrupt", "SystemExit"}

_GUARDS: dict[str, Any] = {
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_write_": full_write_guard,  # item assignment on dict/list only, never attributes
    "_inplacevar_": guarded_inplacevar,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_apply_": lambda func, *args, **kwargs: func(*args, **kwargs),
    "_print_": DroppedPrint,  # print() output is dropped, never turned into text
    "_pow_": guarded_pow,
    "_mul_": guarded_mul,
    "_lshift_": guarded_lshift,
    "_add_": guarded_add,
    "_mod_": guarded_mod,
    "_format_": guarded_format,
    "_unpack_": charge_unpack,
}


def script_builtins(helpers: Mapping[str, Any]) -> dict[str, Any]:
    """The ``__builtins__`` of a script: safe builtins, guards, DEFAULT_HELPERS, then ``helpers``.

    ``_getiter_`` and ``_tick_`` are not among them: they carry one run's deadline
    and go into that run's globals.

    :raise ValueError: a helper is named ``_...`` (it could replace a guard), or is a
        module (every name the module imports would be reachable through it).
    """
    for name, value in helpers.items():
        if not name.isidentifier() or name.startswith("_"):
            raise ValueError(f"helper name {name!r} is not allowed")
        if isinstance(value, ModuleType):
            raise ValueError(f"helper {name!r} is a module; pass its vetted functions instead")
    safe = {name: value for name, value in safe_builtins.items() if name not in _UNSAFE}
    return {**safe, **DEFAULT_HELPERS, **helpers, **_GUARDS}


class SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, tightened for untrusted BPMN scripts.

    Beyond RestrictedPython: no import, class or with; no bare ``except:``; ``**``,
    ``*``, ``<<``, ``+`` and ``%``, every f-string field and every ``*x``/``**x`` unpacking
    go through size guards; every while test, function and lambda
    calls ``_tick_()``, which checks the deadline (as ``_getiter_`` does for each item
    of a for loop or comprehension), so a script stops even if tracing is switched off.
    """

    _GUARDED_OPS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_", ast.Add: "_add_",
                    ast.Mod: "_mod_"}

    def visit_Import(self, node: ast.Import) -> ast.AST:
        self.error(node, "import statements are not allowed; use the helpers the engine provides.")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        self.error(node, "import statements are not allowed; use the helpers the engine provides.")
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, "class definitions are not allowed.")
        return node

    def visit_With(self, node: ast.With) -> ast.AST:
        self.error(node, "with statements are not allowed.")
        return node

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        if node.type is None:
            self.error(node, "a bare except: is not allowed; name the exceptions to catch.")
        return super().visit_ExceptHandler(node)

    def visit_While(self, node: ast.While) -> Any:
        node = self.node_contents_visit(node)
        node.test = _call("_tick_", [node.test], node.test)  # `while _tick_(test):`
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        node = cast(ast.FunctionDef, super().visit_FunctionDef(node))
        tick = ast.Expr(_call("_tick_", [], node))
        copy_locations(tick, node)
        node.body.insert(0, tick)
        return node

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        node = cast(ast.Lambda, super().visit_Lambda(node))
        body = ast.BoolOp(op=ast.Or(), values=[_call("_tick_", [], node.body), node.body])
        copy_locations(body, node.body)
        node.body = body  # `lambda: _tick_() or body`; _tick_() returns None
        return node

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        guard = self._GUARDED_OPS.get(type(node.op))
        if guard is None:
            return node
        return _call(guard, [node.left, node.right], node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        # f'{value!r:spec}' -> f'{_format_(value, ord("r"), f"spec")}': widths checked, text charged
        node = self.node_contents_visit(node)
        spec: ast.expr = node.format_spec or ast.Constant("")
        call = _call("_format_", [node.value, ast.Constant(node.conversion), spec], node)
        formatted = ast.FormattedValue(value=call, conversion=-1, format_spec=None)
        return copy_locations(formatted, node) or formatted

    def visit_Starred(self, node: ast.Starred) -> Any:
        node = self.node_contents_visit(node)
        if isinstance(node.ctx, ast.Load):  # [*items], f(*items): the copy is charged
            node.value = _call("_unpack_", [node.value], node.value)
        return node

    def visit_Dict(self, node: ast.Dict) -> Any:
        node = self.node_contents_visit(node)
        node.values = [_call("_unpack_", [value], value) if key is None else value
                       for key, value in zip(node.keys, node.values)]  # {**mapping}
        return node


def _call(name: str, args: list[ast.expr], where: Any) -> ast.Call:
    call = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    copy_locations(call, where)
    return call
