"""The sandbox through which SpiffWorkflow evaluates every script and expression.

Script tasks, pre/post scripts, gateway conditions, timer expressions, DMN
cells and multi-instance expressions all reach :class:`SandboxedEnvironment`.
Each is compiled by RestrictedPython under :class:`~engine.sandbox_guards.SandboxPolicy`
(no import, no ``_`` names, no frame or generator introspection, no ``str.format``),
sees only task data and the vetted helpers, and is stopped after ``time_limit``
seconds with :class:`~engine.errors.ScriptTimeout`.

Each evaluation runs under one :class:`~engine.budget.Budget`: its running time is
bounded by the deadline checks compiled into every loop pass and function call
(``_tick_``/``_getiter_``; they also hold where a tracer would be switched off), and
what it builds is charged before it is built (:mod:`engine.size_guards`): padding,
format widths, ``*``/``+``/``%`` on strings and sequences, slices, copies, container
growth, ``str()`` of nested values. Single operations that could explode are refused:
``**``, ``*`` and ``<<`` past ~10,000 bits or 1,000,000 items, ``range()`` past
1,000,000, format widths past 10,000. A value too big to store never reaches task data.

Not bounded: one C-level call whose *time* explodes on data the script may build
(``==`` or ``hash()`` on values sharing parts deeply, ``sorted()`` of a million long
lists), memory of small objects made one by one in Python code (bounded only by the
time limit), and C-stack overflows in CPython itself (hashing a tuple nested 200,000
deep kills the process). So let only trusted roles deploy BPMN: the sandbox keeps
scripts away from the host and bounds what they build, it is not an OS quota.
"""
from __future__ import annotations

import builtins
from collections.abc import Mapping
from decimal import localcontext
from functools import lru_cache
from types import CodeType
from typing import Any, Literal

from RestrictedPython.compile import compile_restricted_eval, compile_restricted_exec
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment

from .budget import DEFAULT_MEMORY_LIMIT, Budget, Deadline, OverBudget
from .errors import ScriptError, ScriptTimeout
from .sandbox_guards import DECIMAL_CONTEXT, DEFAULT_HELPERS, SandboxPolicy, script_builtins
from .size_guards import text_size

__all__ = ["DEFAULT_HELPERS", "SandboxedEnvironment", "SandboxedScriptEngine", "compile_script",
           "make_script_engine"]

SCRIPT_FILENAME = "<script>"  # names script frames, for error lines
Mode = Literal["eval", "exec"]
_KIND = {"eval": "Expression", "exec": "Script"}


@lru_cache(maxsize=1024)
def compile_script(source: str, mode: Mode) -> CodeType:
    """``source`` compiled under the sandbox policy: 'eval' for an expression, 'exec' for a script.

    Cached per (source, mode): the same gateway condition runs on every instance.
    Validation can call it to report refused scripts before deployment.

    :raise ScriptError: a syntax error or refused construct; the message gives each line.
    """
    # XML often wraps an expression in newlines and indentation; eval would reject it.
    text = source.strip() if mode == "eval" else source
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(text, SCRIPT_FILENAME, policy=SandboxPolicy)
    if result.errors or result.code is None:
        raise ScriptError(f"{_KIND[mode]} refused: " + "; ".join(result.errors))
    return result.code


def _line(error: BaseException) -> int | str:
    """The script line an error came from: the innermost script frame of its traceback."""
    line: int | str = "?"
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SCRIPT_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


MAX_MESSAGE = 500  # characters of an error's own text kept in the message (int('x' * 10**6) quotes it all)


def _describe(error: BaseException) -> str:
    name = getattr(error, "name", None)
    if isinstance(error, NameError) and isinstance(name, str) and hasattr(builtins, name):
        return f"NameError: {name!r} is not available in scripts"
    text = str(error)
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + " …"
    return f"{type(error).__name__}: {text}"


def _visible(name: object) -> bool:
    # Scripts cannot spell names starting with "_"; keeping such task data out of
    # their scope also keeps it from shadowing the guards (_getattr_, ...).
    return isinstance(name, str) and (not name.startswith("_") or name == "_")


class SandboxedEnvironment(TaskDataEnvironment):
    """A SpiffWorkflow script environment that runs everything under RestrictedPython.

    Pass it as ``PythonScriptEngine(environment=...)``. Scripts see task data, then
    DEFAULT_HELPERS merged with ``helpers`` (functions, classes or plain values, never
    modules; names must not start with ``_``). Task data may not use a helper's name
    unless it is a Python builtin name like ``sum`` (``check_for_overwrite``).
    Every error is a :class:`ScriptError` whose message starts with what happened and
    ``Line N:``; a script over ``time_limit`` seconds raises :class:`ScriptTimeout`.
    """

    def __init__(self, helpers: Mapping[str, Any] | None = None, *, time_limit: float = 1.0,
                 memory_limit: int = DEFAULT_MEMORY_LIMIT) -> None:
        if not time_limit > 0 or not memory_limit > 0:
            raise ValueError("time_limit and memory_limit must be positive")
        extra = dict(helpers or {})
        self._builtins = script_builtins(extra)
        # Plays TaskDataEnvironment.globals: names task data may not take, and that are
        # stripped from it after a script. Python's own builtin names stay shadowable.
        vetted = {**DEFAULT_HELPERS, **extra}
        super().__init__({name: value for name, value in vetted.items() if not hasattr(builtins, name)})
        self.time_limit = time_limit
        self.memory_limit = memory_limit

    def budget(self) -> Budget:
        """A fresh budget for one evaluation under this environment's limits."""
        return Budget(self.time_limit, self.memory_limit)

    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        """The value of ``expression``; task data (``context``) wins over ``external_context``.

        :raise ScriptError: refused or failed; ScriptTimeout past the time limit.
        """
        code = compile_script(expression, "eval")
        value = self._run(code, self._scope(external_context or {}, context), "eval")
        if not self._storable({"value": value}):
            raise ScriptError("Expression refused: its value is too big to store in the task data")
        return value

    def execute(self, script: str, context: dict[str, Any],
                external_context: dict[str, Any] | None = None) -> bool:
        """Run ``script``, updating the task data ``context`` in place; returns True.

        As in TaskDataEnvironment: assignments and ``del`` land in the task data (also
        when the script fails part-way, but not when it ran out of time or memory), then
        callables, helpers and external names are removed from it. Values must still be JSON-able (store ``str(Decimal)``).

        :raise ScriptError: task data uses a helper's name, or the script was refused
            or failed; ScriptTimeout past the time limit.
        """
        external = external_context or {}
        try:
            self.check_for_overwrite(context, external)
        except ValueError as error:
            raise ScriptError(str(error)) from None
        code = compile_script(script, "exec")
        scope = self._scope(context, external)
        try:
            self._run(code, scope, "exec")
        except ScriptError as error:
            # As TaskDataEnvironment, a failed script's assignments land; a breach of the budget changes nothing.
            if not isinstance(error, (ScriptTimeout, OverBudget)) and self._storable(scope):
                self._write_back(scope, context, external)
            raise
        if not self._storable(scope):
            # A list sharing itself 60 levels deep would explode when the case is saved.
            raise ScriptError("Script refused: what it assigned is too big to store in the task data")
        self._write_back(scope, context, external)
        return True

    def _storable(self, scope: Mapping[str, Any]) -> bool:
        # Every value, not only new ones: a script can hang a huge value on a list it was given.
        values = [value for name, value in scope.items() if _visible(name) and not callable(value)]
        try:
            return text_size(values) <= self.memory_limit
        except ScriptError:
            return False



    def _scope(self, *layers: Mapping[str, Any]) -> dict[str, Any]:
        scope: dict[str, Any] = {"__builtins__": self._builtins}
        for layer in layers:
            scope.update((name, value) for name, value in layer.items() if _visible(name))
        return scope

    def _write_back(self, scope: dict[str, Any], context: dict[str, Any], external: dict[str, Any]) -> None:
        for name in [name for name in context if _visible(name) and name not in scope]:
            del context[name]  # the script deleted it
        context.update((name, value) for name, value in scope.items() if _visible(name))
        self._remove_globals_and_functions_from_context(context, external)

    def _run(self, code: CodeType, scope: dict[str, Any], mode: Mode) -> Any:
        kind = _KIND[mode]
        budget = self.budget()
        # The _tick_() and _getiter_() calls compiled into every loop and call check the deadline.
        # Unlike a tracer they cannot be switched off (CPython drops a tracer for good when it
        # raises at the stack limit or inside garbage collection), and they cost far less.
        scope.update(_tick_=budget.tick, _getiter_=budget.iterate)
        try:
            with budget.running(), localcontext(DECIMAL_CONTEXT):
                return eval(code, scope) if mode == "eval" else exec(code, scope)
        except Deadline as stop:
            raise ScriptTimeout(f"{kind} timed out: Line {_line(stop)}: still running after "
                                f"the {self.time_limit:g} s time limit") from None
        except ScriptError as error:  # a guard refused an operation (OverBudget stays OverBudget)
            raise type(error)(f"{kind} refused: Line {_line(error)}: {error}") from None
        except BaseException as error:
            # Scripts can reach BaseException itself (ValueError.mro()), not its other
            # subclasses: KeyboardInterrupt or SystemExit belong to the process.
            if not isinstance(error, Exception) and type(error) is not BaseException:
                raise
            raise ScriptError(f"{kind} failed: Line {_line(error)}: {_describe(error)}") from error


class SandboxedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine over a SandboxedEnvironment that keeps expression errors readable.

    PythonScriptEngine.evaluate reports a failed condition, timer or DMN cell only as
    "Error evaluating expression '...'"; this adds the sandbox's message as a note, so
    ``str(exc)`` and ``exc.notes`` carry it. Subclass this rather than PythonScriptEngine.
    """

    def __init__(self, environment: SandboxedEnvironment | None = None) -> None:
        super().__init__(environment=environment or SandboxedEnvironment())

    def evaluate(self, task: Any, expression: str, external_context: dict[str, Any] | None = None) -> Any:
        try:
            return super().evaluate(task, expression, external_context)
        except WorkflowTaskException as exc:
            if isinstance(exc.__context__, ScriptError):
                exc.add_note(str(exc.__context__))
            raise


def make_script_engine(helpers: Mapping[str, Any] | None = None, *, time_limit: float = 1.0,
                       memory_limit: int = DEFAULT_MEMORY_LIMIT) -> PythonScriptEngine:
    """A SpiffWorkflow script engine running everything in a :class:`SandboxedEnvironment`."""
    return SandboxedScriptEngine(SandboxedEnvironment(helpers, time_limit=time_limit, memory_limit=memory_limit))
