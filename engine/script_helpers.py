"""The clock- and calendar-aware functions BPMN scripts and expressions may call.

They are added to the sandbox's vetted names; each returns plain values
(datetime, date, str, int) that the serializer can store.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable

from .calendar import TEHRAN, WorkingCalendar, from_jalali, to_jalali
from .clock import Clock


def script_helpers(clock: Clock, calendar: WorkingCalendar) -> dict[str, Callable[..., Any]]:
    def now() -> datetime:
        """The current time (UTC)."""
        return clock.now()

    def today() -> date:
        """Today's date in Tehran."""
        return clock.now().astimezone(TEHRAN).date()

    def add_working_days(days: int, start: datetime | None = None) -> datetime:
        """The moment ``days`` Iranian working days after ``start`` (default: now)."""
        return calendar.add_working_days(start or clock.now(), int(days))

    def working_days_between(start: date, end: date) -> int:
        return calendar.working_days_between(start, end)

    def is_working_day(day: date) -> bool:
        return calendar.is_working_day(day)

    return {
        "now": now,
        "today": today,
        "add_working_days": add_working_days,
        "working_days_between": working_days_between,
        "is_working_day": is_working_day,
        "to_jalali": to_jalali,
        "from_jalali": from_jalali,
    }
