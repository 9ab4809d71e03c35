"""What BPMN scripts may do: the compile-time policy and the run-time guards.

:mod:`engine.sandbox` compiles every script with :class:`SandboxPolicy` and runs
it with :func:`script_builtins` as its only builtins. Guards refuse by raising
:class:`~engine.errors.ScriptError`, which scripts cannot catch.
"""
from __future__ import annotations

import ast
import builtins
import math
import operator
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import ModuleType
from typing import Any

from RestrictedPython import PrintCollector, RestrictingNodeTransformer, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)
from RestrictedPython.transformer import copy_locations

from .errors import ScriptError

MAX_RANGE = 1_000_000  # elements in one range()
MAX_SEQUENCE = 1_000_000  # items or characters made by one sequence `*`
MAX_INT_BITS = 10_000  # bits of an int made by one `**`, `*` or `<<` (about 3,000 digits)

# The only exceptions a script may catch. Anything broader (Exception,
# RuntimeError, bare `except:`) could swallow a RecursionError raised inside the
# time-limit tracer, which switches tracing off, and then loop unbounded.
CATCHABLE: dict[str, type[Exception]] = {
    cls.__name__: cls
    for cls in (ArithmeticError, AssertionError, AttributeError, IndexError, KeyError, LookupError,
                NameError, OverflowError, StopIteration, TypeError, UnicodeError, ValueError,
                ZeroDivisionError)
}


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


_CHECKS: dict[str, Callable[[Any, Any], None]] = {"**=": _check_pow, "*=": _check_mul, "<<=": _check_lshift}
_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "<<=": operator.ilshift,
    ">>=": operator.irshift, "|=": operator.ior, "^=": operator.ixor, "&=": operator.iand,
    "@=": operator.imatmul,
}


def guarded_inplacevar(op: str, target: Any, value: Any) -> Any:
    """`x op= y` for names (RestrictedPython rewrites it to a call of this)."""
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


def guarded_pow_builtin(base: Any, exponent: Any) -> Any:
    """pow(base, exponent); the three-argument form is not offered (slow on huge moduli)."""
    return guarded_pow(base, exponent)


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
        "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "filter", "float", "frozenset",
        "int", "isinstance", "len", "list", "map", "max", "min", "next", "reversed", "round", "set",
        "sorted", "str", "sum", "tuple", "zip")},
    "range": bounded_range,
    "pow": guarded_pow_builtin,
    "Decimal": Decimal,
    "date": date,
    "datetime": datetime,
    "timedelta": timedelta,
    "decimal_round": decimal_round,
}

# RestrictedPython's safe_builtins minus what lets code define classes, write
# attributes, or raise/catch exceptions outside the Exception tree.
_UNSAFE = {"__build_class__", "setattr", "delattr", "_getattr_", "pow", "range",
           "BaseException", "GeneratorExit", "KeyboardInterrupt", "SystemExit"}

_GUARDS: dict[str, Any] = {
    "_getattr_": safer_getattr_raise,  # refuses "_*" names, str.format/format_map; raises if missing
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_write_": full_write_guard,  # item assignment on dict/list only, never attributes
    "_inplacevar_": guarded_inplacevar,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_apply_": lambda func, *args, **kwargs: func(*args, **kwargs),
    "_print_": PrintCollector,  # print() output is collected and dropped
    "_pow_": guarded_pow,
    "_mul_": guarded_mul,
    "_lshift_": guarded_lshift,
}


def script_builtins(helpers: Mapping[str, Any]) -> dict[str, Any]:
    """The ``__builtins__`` of a script: safe builtins, guards, DEFAULT_HELPERS, then ``helpers``.

    :raise ValueError: a helper is named ``_...`` (it could replace a guard) or like a
        catchable exception, or is a module (every name a module imports would be reachable).
    """
    for name, value in helpers.items():
        if not name.isidentifier() or name.startswith("_") or name in CATCHABLE:
            raise ValueError(f"helper name {name!r} is not allowed")
        if isinstance(value, ModuleType):
            raise ValueError(f"helper {name!r} is a module; pass its vetted functions instead")
    safe = {name: value for name, value in safe_builtins.items() if name not in _UNSAFE}
    return {**safe, **DEFAULT_HELPERS, **helpers, **_GUARDS}


class SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, tightened for untrusted BPMN scripts.

    Beyond RestrictedPython: no import, class, with or try/finally; handlers must
    name exceptions from CATCHABLE, which scripts may not rebind; ``**``, ``*``
    and ``<<`` go through size guards.
    """

    _GUARDED_OPS = {ast.Pow: "_pow_", ast.Mult: "_mul_", ast.LShift: "_lshift_"}

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

    def visit_Try(self, node: ast.Try) -> Any:
        # A finally block would run untraced after the time limit stops the script.
        if node.finalbody:
            self.error(node, "try/finally is not allowed.")
        return super().visit_Try(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        if not all(isinstance(n, ast.Name) and n.id in CATCHABLE for n in names):
            self.error(node, f"except must name exceptions among {', '.join(CATCHABLE)}.")
        return super().visit_ExceptHandler(node)

    def check_name(self, node: Any, name: str | None, allow_magic_methods: bool = False) -> None:
        super().check_name(node, name, allow_magic_methods)
        loading = isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
        if name in CATCHABLE and not loading:
            self.error(node, f'"{name}" cannot be reassigned.')

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        guard = self._GUARDED_OPS.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right], keywords=[])
        copy_locations(call, node)
        return call
