"""Timer events that read the injected clock instead of the wall clock.

SpiffWorkflow's timer event definitions call ``datetime.now`` themselves. We
swap in subclasses (same class names, so serialized workflows stay plain
SpiffWorkflow JSON) that ask ``workflow.script_engine.clock`` for the time. The
swap happens in our own parser and serializer configuration; no library
default is changed.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.spiff.parser.event_parsers import (
    SpiffBoundaryEventParser,
    SpiffIntermediateCatchEventParser,
    SpiffStartEventParser,
)

_Base = spiff_timer.TimerEventDefinition


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
            event_value = due_after(expression, now).isoformat()
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
            cycles, start, duration = parse_cycle(expression, now)
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


def due_after(expression: Any, start: datetime) -> datetime:
    """The moment an ISO 8601 duration (``"P14D"``) or a timedelta after ``start`` ends."""
    if isinstance(expression, timedelta):
        return start + expression
    if not isinstance(expression, str):
        raise ValueError(f"a timer duration must be an ISO 8601 duration string, not {type(expression).__name__}")
    parsed = _Base.parse_iso_duration(expression)
    return start + _Base.get_timedelta_from_start(parsed, start)


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
