"""One budget per evaluation: a wall-clock deadline and an allowance of memory.

Everything that runs designer-supplied text — scripts, expressions, DMN cells, the
script helpers, task instructions — runs inside :meth:`Budget.running`. The budget
is found by whatever needs it through a context variable, so it is per thread
(and per asyncio task): nothing process-wide (signals, rlimits) is touched.

Time: scripts are compiled so that every loop pass and function call checks the
deadline (:meth:`Budget.tick`, :meth:`Budget.iterate`); Jinja templates, which have
no such checks, run under a tracer that checks it on every line; helpers check it too.

Memory: the guards charge what an operation is about to build (characters of a
string, slots of a list, ...) *before* building it; when the evaluation's charges
pass ``memory_limit`` the operation is refused. Charges are never given back, so
this bounds what one evaluation can allocate through the guarded operations, not
the process's resident size.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import FrameType
from typing import Any

from .errors import ScriptError

MB = 1 << 20
DEFAULT_TIME_LIMIT = 1.0
DEFAULT_MEMORY_LIMIT = 64 * MB
SLOT = 8  # what one item of a list, tuple, set or dict is charged (a pointer)

_Tracer = Callable[[FrameType, str, Any], Any]


class Deadline(BaseException):
    """The time limit was hit. Not an Exception: ``except Exception`` in a script misses it."""


class OverBudget(ScriptError):
    """An operation would take the evaluation past its memory allowance; it did not happen."""


class Budget:
    """The time and memory one evaluation may use. Not shared between evaluations."""

    def __init__(self, time_limit: float = DEFAULT_TIME_LIMIT, memory_limit: int = DEFAULT_MEMORY_LIMIT) -> None:
        if not time_limit > 0 or not memory_limit > 0:
            raise ValueError("time_limit and memory_limit must be positive")
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.deadline = time.monotonic() + time_limit
        self.used = 0

    def tick(self, value: Any = None) -> Any:
        """``value``, after checking the deadline. :raise Deadline:"""
        if time.monotonic() > self.deadline:
            raise Deadline
        return value

    def iterate(self, iterable: Any) -> Iterator[Any]:
        """``iterable``, checking the deadline and charging one slot per item."""
        for item in iterable:
            self.tick()
            self.charge(SLOT, "a loop")
            yield item

    def charge(self, size: int, what: str) -> None:
        """Count ``size`` bytes about to be allocated by ``what``.

        :raise OverBudget: the evaluation would pass its memory allowance.
        """
        if size <= 0:
            return
        if self.used + size > self.memory_limit:
            raise OverBudget(f"{what} would take the evaluation past its memory limit of "
                             f"{_megabytes(self.memory_limit)} (about {_megabytes(self.used + size)})")
        self.used += size

    @contextmanager
    def running(self, traced: Collection[str] = ()) -> Iterator[Budget]:
        """Make this the current budget; trace code compiled under the file names ``traced``.

        Scripts need no tracer (their loops and calls are compiled to check the deadline, and
        a tracer would cost a Python call for every guard they call); Jinja templates do.
        Nests: the outer tracer and budget are restored on the way out, also after an error.
        """
        token = _CURRENT.set(self)
        previous = sys.gettrace()
        if traced:
            sys.settrace(_tracer(self.deadline, frozenset(traced)))
        try:
            yield self
        finally:
            if traced:
                sys.settrace(previous)  # also after the tracer raised, which switches tracing off
            _CURRENT.reset(token)


_CURRENT: ContextVar[Budget | None] = ContextVar("clusterflow_budget", default=None)


def current() -> Budget | None:
    """The budget of the evaluation running in this thread, if any."""
    return _CURRENT.get()


def charge(size: int, what: str) -> None:
    """Charge the current evaluation (nothing outside one). :raise OverBudget:"""
    budget = _CURRENT.get()
    if budget is not None:
        budget.charge(size, what)


def tick() -> None:
    """Check the current evaluation's deadline (nothing outside one). :raise Deadline:"""
    budget = _CURRENT.get()
    if budget is not None:
        budget.tick()


def _megabytes(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= MB else f"{size / MB:.2f} MB"


def _tracer(deadline: float, filenames: frozenset[str]) -> _Tracer:
    closing: set[FrameType] = set()

    def check(frame: FrameType, event: str, arg: Any) -> _Tracer:
        if event == "exception" and arg[0] is GeneratorExit:
            # A generator being closed, maybe by the garbage collector, which would
            # swallow our exception (and CPython switches tracing off after one). It
            # cannot catch GeneratorExit and has no finally, so it ends by itself.
            closing.add(frame)
        elif event == "return":
            closing.discard(frame)
        elif event == "line" and frame not in closing and time.monotonic() > deadline:
            raise Deadline
        return check

    def on_call(frame: FrameType, event: str, arg: Any) -> _Tracer | None:
        # Helpers and library code run untraced. `while True: pass` gives no 'line'
        # event after the first, only backward jumps: the _tick_() compiled into every
        # loop catches those (opcode events would too, at 1.5x the cost of tracing).
        return check if frame.f_code.co_filename in filenames else None

    return on_call
