"""Timer events that read the injected clock instead of the wall clock.

SpiffWorkflow's timer event definitions call ``datetime.now`` themselves. We
swap in subclasses (same class names, so serialized workflows stay plain
SpiffWorkflow JSON) that ask ``workflow.script_engine.clock`` for the time. The
swap happens in our own parser and serializer configuration; no library
default is changed.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)

from .errors import ScriptError

_Base = spiff_timer.TimerEventDefinition
MAX_AHEAD = timedelta(days=3660)  # about ten years: a due date or timer further away is a mistake


def clock_now(my_task: Any) -> datetime:
    """The time as the workflow's script engine sees it (UTC, aware)."""
    clock = getattr(my_task.workflow.script_engine, "clock", None)
    return clock.now() if clock is not None else datetime.now(timezone.utc)


class TimeDateEventDefinition(spiff_timer.TimeDateEventDefinition):
    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            if isinstance(event_value, datetime):
                event_value = event_value.isoformat()
            my_task._set_internal_data(event_value=event_value)
        if _Base.get_datetime(event_value) <= clock_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class DurationTimerEventDefinition(spiff_timer.DurationTimerEventDefinition):
    def has_fired(self, my_task: Any) -> bool:
        event_value = my_task._get_internal_data("event_value")
        now = clock_now(my_task)
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            event_value = _at(my_task, due_after, expression, now).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if _Base.get_datetime(event_value) <= now:
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class CycleTimerEventDefinition(spiff_timer.CycleTimerEventDefinition):
    def cycle_complete(self, my_task: Any) -> bool:
        now = clock_now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            cycles, start, duration = _at(my_task, parse_cycle, expression, now)
            event_value = {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}

        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event <= now:
                event_value["next"] = (next_event + timedelta(seconds=event_value["duration"])).isoformat()
                event_value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


def _at(my_task: Any, compute: Any, *args: Any) -> Any:
    """``compute(*args)``, a bad duration reported at its timer event, as other expression errors are."""
    try:
        return compute(*args)
    except (ScriptError, ValueError, OverflowError, TypeError) as exc:
        raise WorkflowTaskException(f"Timer refused: {exc}", task=my_task, exception=exc) from exc


def due_after(expression: Any, start: datetime) -> datetime:
    """The moment an ISO 8601 duration (``"P14D"``) or a timedelta after ``start`` ends.

    :raise ScriptError: not a duration, or one past MAX_AHEAD.
    """
    if isinstance(expression, timedelta):
        return _ahead(start, expression, expression)
    if not isinstance(expression, str):
        raise ScriptError(f"a duration must be an ISO 8601 duration such as \"P14D\", not {expression!r}")
    try:
        parsed = _Base.parse_iso_duration(expression)
        delta = _Base.get_timedelta_from_start(parsed, start)
    except (OverflowError, ValueError, TypeError, AttributeError, IndexError) as exc:
        if isinstance(exc, OverflowError) or "out of range" in str(exc):
            raise ScriptError(f"the duration {expression[:40]!r} is too long; at most {MAX_AHEAD.days:,} days") \
                from None
        raise ScriptError(f"{expression[:40]!r} is not an ISO 8601 duration such as \"P14D\"") from None
    return _ahead(start, delta, expression)


def due_moment(value: Any, now: datetime) -> datetime:
    """A task's due moment from its ``due`` property's value: a datetime (naive is UTC), a date
    (23:59 UTC that day), a number of days or an ISO 8601 duration from ``now``.

    :raise ScriptError: anything else, or a moment more than MAX_AHEAD after ``now``.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime.combine(value, time(23, 59), timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not abs(value) <= MAX_AHEAD.days:  # also NaN
            raise ScriptError(f"a due date {value!r} days ahead is too far; at most {MAX_AHEAD.days:,} days")
        return now + timedelta(days=value)
    if isinstance(value, str):
        return due_after(value, now)
    raise ScriptError(f"a due date must be an ISO 8601 duration, a number of days or a date, not {value!r}")


def _ahead(start: datetime, delta: timedelta, expression: Any) -> datetime:
    if abs(delta) > MAX_AHEAD:
        raise ScriptError(f"the duration {str(expression)[:40]!r} is too long; at most {MAX_AHEAD.days:,} days")
    return start + delta


def parse_cycle(expression: str, now: datetime) -> tuple[int, datetime, timedelta]:
    """Like SpiffWorkflow's recurring-interval parser, but 'now' is the clock's."""
    components = expression.upper().replace("--", "/").strip("R").split("/")
    if len(components) == 2 and components[1].startswith("P"):
        cycles = int(components[0]) if components[0] else -1
        parsed = _Base.parse_iso_duration(components[1])
        duration = _Base.get_timedelta_from_start(parsed, now)
        return cycles, now + duration, duration
    return _Base.parse_iso_recurring_interval(expression)


# Library class -> our clocked class, used by the parser and the serializer config.
CLOCKED_TIMERS: dict[type, type] = {
    spiff_timer.TimeDateEventDefinition: TimeDateEventDefinition,
    spiff_timer.DurationTimerEventDefinition: DurationTimerEventDefinition,
    spiff_timer.CycleTimerEventDefinition: CycleTimerEventDefinition,
}


class _ClockedTimerParsing:
    """Parser mixin: build clocked timer definitions instead of the library's."""

    def parse_timer_event(self, event: Any) -> Any:
        definition = super().parse_timer_event(event)  # type: ignore[misc]
        clocked = CLOCKED_TIMERS.get(type(definition))
        if clocked is not None:
            definition.__class__ = clocked
        return definition


class StartEventParser(_ClockedTimerParsing, SpiffStartEventParser):
    pass


class IntermediateCatchEventParser(_ClockedTimerParsing, SpiffIntermediateCatchEventParser):
    pass


class BoundaryEventParser(_ClockedTimerParsing, SpiffBoundaryEventParser):
    pass
