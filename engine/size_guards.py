"""What an operation is about to build, charged to the evaluation's budget before it is built.

One C-level call can make a string or list of any size without giving the tracer a
chance: ``'x'.ljust(10**9)``, ``'%1000000000d' % 1``, ``f'{1:1000000000}'``,
``'a' * 300000000``, ``big.upper()`` in a loop, ``str()`` of a list sharing itself
60 levels deep. The sandbox (and the instruction renderer) route those operations
through the functions here, which estimate the size of the result, charge it to
the current :class:`~engine.budget.Budget` and only then do the operation.
Format widths and precisions above :data:`MAX_FORMAT_WIDTH` are refused outright.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, time
from typing import Any

from . import budget
from .budget import SLOT, OverBudget

MAX_FORMAT_WIDTH = 10_000  # widths and precisions in format specs, %-formats and strftime
MAX_TEXT_PARTS = 200_000  # containers and items walked to size str() of a value

_TEXT = (str, bytes, bytearray)
_SEQUENCES = (list, tuple)
_CONTAINERS = (list, tuple, dict, set, frozenset)
_DIGITS = re.compile(r"\d+")
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([a-zA-Z%])")


def _refuse(message: str) -> None:
    raise OverBudget(message)


def text_size(value: Any, what: str = "turning a value into text") -> int:
    """About how many characters ``str(value)`` or ``repr(value)`` has, without making it.

    A part shared many times is counted each time, as str() would write it, but sized once,
    so ``a = [a, a]`` sixty times over is sized at once (and found far too big).

    :raise OverBudget: more than MAX_TEXT_PARTS distinct parts, or a value that contains itself.
    """
    if not isinstance(value, _CONTAINERS):
        return _leaf_size(value)
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    parts = 0
    todo: list[tuple[Any, int, list[Any] | None]] = [(value, 0, None)]
    while todo:
        container, own, children = todo.pop()
        key = id(container)
        if children is not None:  # its children are sized: finish it
            open_.discard(key)
            sizes[key] = own + sum(sizes[id(child)] for child in children)
            continue
        if key in sizes:
            continue
        if key in open_:
            _refuse(f"{what}: the value contains itself")
        parts += len(container) + 1
        if parts > MAX_TEXT_PARTS:
            _refuse(f"{what}: the value has more than {MAX_TEXT_PARTS:,} parts")
        if len(open_) % 1024 == 1023:
            budget.tick()
        own = 2 + 4 * len(container) if isinstance(container, dict) else 2 + 2 * len(container)
        children = []
        for item in _items(container):
            kind = type(item)
            if kind is str:
                own += len(item) + 3
            elif kind is int:
                own += item.bit_length() // 3 + 2
            elif kind is float or kind is bool or item is None:
                own += 24
            elif isinstance(item, _CONTAINERS):
                children.append(item)
            else:
                own += _leaf_size(item)
        open_.add(key)
        todo.append((container, own, children))
        todo.extend((child, 0, None) for child in children if id(child) not in sizes)
    return sizes[id(value)]


def _items(container: Any) -> Iterable[Any]:
    return (*container.keys(), *container.values()) if isinstance(container, dict) else container


def _leaf_size(value: Any) -> int:
    if type(value) is str:
        return len(value) + 3
    if isinstance(value, _TEXT):
        return len(value) + 3
    if isinstance(value, int):
        return value.bit_length() // 3 + 2
    return 40  # numbers, dates, None: short


def charge_text(value: Any, what: str) -> None:
    """Charge the text ``str(value)`` would make; strings and scalars cost nothing extra."""
    if isinstance(value, _CONTAINERS):
        budget.charge(text_size(value, what), what)


def check_format_spec(spec: str, what: str = "a format") -> None:
    """Refuse widths and precisions (any number in ``spec``) above MAX_FORMAT_WIDTH."""
    for number in _DIGITS.findall(spec):
        if len(number) > 6 or int(number) > MAX_FORMAT_WIDTH:
            _refuse(f"{what} asks for a width or precision of {number[:12]}; at most {MAX_FORMAT_WIDTH:,}")


def guarded_format(value: Any, conversion: int = -1, spec: str = "") -> str:
    """``f'{value!conversion:spec}'``, what the sandbox compiles every f-string field to."""
    if spec:
        check_format_spec(spec, "an f-string")
    charge_text(value, "an f-string")
    if conversion == ord("s"):
        value = str(value)
    elif conversion == ord("r"):
        value = repr(value)
    elif conversion == ord("a"):
        value = ascii(value)
    result = format(value, spec)
    budget.charge(len(result), "an f-string")
    return result


def guarded_mod(left: Any, right: Any) -> Any:
    """``left % right``: %-formats have their widths checked and their text charged."""
    if isinstance(left, (str, bytes)):
        values = list(right.values()) if isinstance(right, Mapping) else \
            list(right) if isinstance(right, tuple) else [right]
        for match in _PERCENT_SPEC.finditer(left if isinstance(left, str) else left.decode("latin-1")):
            for number in match.group(1, 2):
                if number and number != "*":
                    check_format_spec(number, "a %-format")
                elif number == "*" and any(isinstance(v, int) and abs(v) > MAX_FORMAT_WIDTH for v in values):
                    _refuse(f"a %-format asks for a width or precision above {MAX_FORMAT_WIDTH:,}")
        for value in values:
            charge_text(value, "a %-format")
        result = left % right
        budget.charge(len(result), "a %-format")
        return result
    return left % right


def guarded_add(left: Any, right: Any) -> Any:
    """``left + right``, charging the new string or sequence."""
    if isinstance(left, _TEXT) and isinstance(right, _TEXT):
        budget.charge(len(left) + len(right), "+")
    elif isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        budget.charge((len(left) + len(right)) * SLOT, "+")
    return left + right


def charge_repeat(seq: Any, times: Any) -> None:
    """Charge ``seq * times`` for a string or sequence (callers check MAX_SEQUENCE first)."""
    if isinstance(times, int) and times > 0:
        if isinstance(seq, _TEXT):
            budget.charge(len(seq) * times, "*")
        elif isinstance(seq, _SEQUENCES):
            budget.charge(len(seq) * times * SLOT, "*")


def guarded_getitem(obj: Any, key: Any) -> Any:
    """``obj[key]``; a slice is a copy, charged."""
    if isinstance(key, slice) and isinstance(obj, (*_TEXT, *_SEQUENCES)):
        size = len(range(*key.indices(len(obj))))
        budget.charge(size if isinstance(obj, _TEXT) else size * SLOT, "a slice")
    return obj[key]


def charge_unpack(value: Any) -> Any:
    """``value`` for ``[*value]`` or ``{**value}``, its items charged."""
    if isinstance(value, (*_CONTAINERS, range)):
        budget.charge(len(value) * SLOT, "unpacking")
    return value


def _sized(value: Any) -> int:
    try:
        return len(value)
    except TypeError:  # a generator: what it yields is charged where it is made
        return 0


# -- methods ---------------------------------------------------------------------------

def _arg(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str, default: Any) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def _width(s: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    return max(len(s), int(_arg(args, kwargs, 0, "width", 0)))


def _tabs(s: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    tab = b"\t" if isinstance(s, (bytes, bytearray)) else "\t"
    return len(s) + s.count(tab) * max(0, int(_arg(args, kwargs, 0, "tabsize", 8)))


def _replace(s: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    old, new = args[0], args[1]
    count = int(_arg(args, kwargs, 2, "count", -1))
    found = len(s) + 1 if len(old) == 0 else s.count(old)
    if count >= 0:
        found = min(found, count)
    return len(s) + found * max(0, len(new) - len(old))


def _translate(s: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    table = args[0] if args else None
    longest = 1
    if isinstance(table, Mapping):
        longest = max([len(v) if isinstance(v, str) else 1 for v in table.values()] or [1])
    return len(s) * max(1, longest)


def _split(s: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    return len(s) + (len(s) // 2 + 1) * (SLOT + 48)  # the pieces and a str object each


_TEXT_SIZES: dict[str, Callable[[Any, tuple[Any, ...], dict[str, Any]], int]] = {
    "ljust": _width, "rjust": _width, "center": _width, "zfill": _width,
    "expandtabs": _tabs, "replace": _replace, "translate": _translate,
    "split": _split, "rsplit": _split, "splitlines": _split, "partition": _split, "rpartition": _split,
}
# Text methods that make nothing new; every other one is charged a copy of the text.
_TEXT_READERS = {"count", "find", "rfind", "index", "rindex", "startswith", "endswith", "maketrans"} | {
    name for name in dir(str) if name.startswith("is")}
_SLOTS: dict[str, Callable[[Any, tuple[Any, ...], dict[str, Any]], int]] = {
    "append": lambda obj, a, k: SLOT, "insert": lambda obj, a, k: SLOT,
    "setdefault": lambda obj, a, k: 3 * SLOT, "add": lambda obj, a, k: 2 * SLOT,
    "copy": lambda obj, a, k: len(obj) * SLOT * 3,
    "extend": lambda obj, a, k: sum(_sized(x) for x in a) * SLOT,
    "update": lambda obj, a, k: (sum(_sized(x) for x in a) + len(k)) * SLOT * 3,
    "fromkeys": lambda obj, a, k: _sized(a[0]) * SLOT * 3 if a else 0,
    "union": lambda obj, a, k: (len(obj) + sum(_sized(x) for x in a)) * SLOT * 2,
    "intersection": lambda obj, a, k: len(obj) * SLOT * 2,
    "difference": lambda obj, a, k: len(obj) * SLOT * 2,
    "symmetric_difference": lambda obj, a, k: (len(obj) + sum(_sized(x) for x in a)) * SLOT * 2,
}


def _strftime(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    pattern = _arg(args, kwargs, 0, "format", "")
    check_format_spec(str(pattern), "strftime")
    return len(str(pattern)) * 4


def guarded_method(target: Any, name: str, method: Any) -> Any:
    """``method`` (``target.name``), wrapped so that calling it first charges what it will build.

    ``target`` may be an instance or a class (``str.ljust(s, n)``).
    """
    owner = target if isinstance(target, type) else type(target)
    if issubclass(owner, _TEXT):
        if name in _TEXT_READERS or not callable(method):
            return method
        if name == "join":
            return _joiner(target, method, bound=not isinstance(target, type))
        size = _TEXT_SIZES.get(name, lambda s, a, k: len(s))
    elif issubclass(owner, (list, dict, set, frozenset)) and name in _SLOTS:
        size = _SLOTS[name]
    elif issubclass(owner, (date, time)) and name == "strftime":
        size = _strftime
    else:
        return method
    bound = not isinstance(target, type)
    what = f"{owner.__name__}.{name}()"

    def checked(*args: Any, **kwargs: Any) -> Any:
        self, rest = (target, args) if bound else (args[0] if args else None, args[1:])
        if self is not None:
            try:
                estimate = size(self, rest, kwargs)
            except (TypeError, ValueError, IndexError, AttributeError, OverflowError):
                estimate = 0  # bad arguments: the call itself says what is wrong
            budget.charge(estimate, what)
        return method(*args, **kwargs)

    return checked


def _joiner(obj: Any, method: Any, *, bound: bool) -> Callable[..., Any]:
    def join(*args: Any) -> Any:
        if bound:
            separator, pieces = obj, list(args[0]) if args else []
        else:
            separator, pieces = args[0], list(args[1]) if len(args) > 1 else []
        size = sum(len(p) for p in pieces if isinstance(p, _TEXT)) + len(separator) * max(0, len(pieces) - 1)
        budget.charge(size, "join()")
        return method(pieces) if bound else method(separator, pieces)
    return join


# -- script-visible stand-ins for the builtin types that copy -------------------------

class _StandIn(type):
    """The class of a stand-in: ``isinstance``/``issubclass`` answer for the real type,
    calling it charges the copy and returns a plain instance of the real type."""

    _real: type
    _size: Callable[..., int]

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, cls._real)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, cls._real)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        budget.charge(cls._size(*args, **kwargs), f"{cls._real.__name__}()")
        return cls._real(*args, **kwargs)

    def __repr__(cls) -> str:
        return repr(cls._real)


def _copy_size(*args: Any, **kwargs: Any) -> int:
    return (sum(_sized(a) for a in args) + len(kwargs)) * SLOT * 3


def _str_size(*args: Any, **kwargs: Any) -> int:
    if args and not kwargs and len(args) == 1:
        return text_size(args[0], "str()") if isinstance(args[0], _CONTAINERS) else 0
    return sum(len(a) for a in args if isinstance(a, _TEXT))


def stand_in(real: type, size: Callable[..., int]) -> type:
    return _StandIn(real.__name__, (), {"_real": real, "_size": staticmethod(size)})


STAND_INS: dict[str, type] = {
    "list": stand_in(list, _copy_size), "tuple": stand_in(tuple, _copy_size),
    "set": stand_in(set, _copy_size), "frozenset": stand_in(frozenset, _copy_size),
    "dict": stand_in(dict, _copy_size), "str": stand_in(str, _str_size),
}
REAL_TYPES: dict[type, type] = {standin: standin._real for standin in STAND_INS.values()}  # type: ignore[attr-defined]


def guarded_sorted(iterable: Iterable[Any], /, **kwargs: Any) -> list[Any]:
    budget.charge(_sized(iterable) * SLOT, "sorted()")
    return sorted(iterable, **kwargs)


def guarded_repr(value: Any) -> str:
    charge_text(value, "repr()")
    return repr(value)


class DroppedPrint:
    """``print()`` in a script: its output is dropped without being turned into text."""

    def __init__(self, _getattr_: Any = None) -> None:
        pass

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        return None

    def __call__(self) -> str:
        return ""
