"""The clock- and calendar-aware functions BPMN scripts and expressions may call.

They are added to the sandbox's vetted names; each returns plain values
(datetime, date, str, int) that the serializer can store. Helpers run as
library code, untraced, so each bounds its own arguments (a deadline ten
thousand working days away is refused at once, not computed for a minute) and
checks the evaluation's deadline.

``datetime`` and ``date`` as scripts see them read the engine's clock:
``datetime.now()``, ``datetime.today()``, ``datetime.utcnow()`` and
``date.today()`` give the injected clock's time, never the wall clock's. They
are stand-ins made per engine (no library class is changed), and make plain
``datetime``/``date`` objects.
"""
from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from typing import Any

from . import budget
from .calendar import TEHRAN, WorkingCalendar, from_jalali, to_jalali
from .clock import Clock
from .errors import ScriptError

MAX_WORKING_DAYS = 2_500  # about ten years of Iranian working days
MAX_SPAN_DAYS = 3_660  # about ten years of calendar days
MAX_DATE_TEXT = 100  # characters of a Jalali date given to from_jalali (errors quote it)
HELPER_NAMES = frozenset({"now", "today", "add_working_days", "working_days_between", "is_working_day",
                          "to_jalali", "from_jalali", "datetime", "date"})  # what script_helpers() gives


def script_helpers(clock: Clock, calendar: WorkingCalendar) -> dict[str, Any]:
    """The helpers, and ``datetime``/``date`` reading ``clock``, for a SandboxedEnvironment."""
    def now() -> datetime:
        """The current time (UTC)."""
        return clock.now()

    def today() -> date:
        """Today's date in Tehran."""
        return clock.now().astimezone(TEHRAN).date()

    def add_working_days(days: int, start: datetime | None = None) -> datetime:
        """The moment ``days`` Iranian working days after ``start`` (default: now).

        :raise ScriptError: ``days`` is past MAX_WORKING_DAYS.
        """
        count = int(days)
        if count > MAX_WORKING_DAYS:
            raise ScriptError(f"add_working_days: at most {MAX_WORKING_DAYS:,} working days (about ten years),"
                              f" not {count:,}")
        budget.tick()
        return calendar.add_working_days(start or clock.now(), count)

    def working_days_between(start: date, end: date) -> int:
        """Working days after ``start`` up to ``end``; negative when ``end`` is earlier.

        :raise ScriptError: the dates are more than MAX_SPAN_DAYS apart.
        """
        if isinstance(start, date) and isinstance(end, date):
            span = abs((_day(end) - _day(start)).days)
            if span > MAX_SPAN_DAYS:
                raise ScriptError(f"working_days_between: the dates may be at most {MAX_SPAN_DAYS:,} days"
                                  f" (about ten years) apart, not {span:,}")
        budget.tick()
        return calendar.working_days_between(start, end)

    def is_working_day(day: date) -> bool:
        return calendar.is_working_day(day)

    def from_jalali_text(text: str) -> date:
        """The Gregorian date of a Jalali ``YYYY/MM/DD``. :raise ScriptError: text past 100 characters."""
        if isinstance(text, str) and len(text) > MAX_DATE_TEXT:
            raise ScriptError(f"from_jalali: a Jalali date is at most {MAX_DATE_TEXT} characters, not {len(text):,}")
        return from_jalali(text)

    return {
        "now": now,
        "today": today,
        "add_working_days": add_working_days,
        "working_days_between": working_days_between,
        "is_working_day": is_working_day,
        "to_jalali": to_jalali,
        "from_jalali": from_jalali_text,
        "datetime": clocked_datetime(clock),
        "date": clocked_date(clock),
    }


def _day(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


class _ClockedClass(type):
    """The class of ``datetime``/``date`` as scripts see them: ``isinstance`` answers for the
    real class, calling makes a real instance, other class attributes are the real class's."""

    _real: type

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, cls._real)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, cls._real)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._real(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(cls._real, name)

    def __repr__(cls) -> str:
        return repr(cls._real)


def clocked_datetime(clock: Clock) -> type:
    """``datetime`` whose ``now()``, ``today()`` and ``utcnow()`` read ``clock``."""
    def now(tz: tzinfo | None = None) -> datetime:
        moment = clock.now()
        # As datetime.now(): the machine's local time, naive, unless a zone is asked for.
        return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)

    def today() -> datetime:
        return now()

    def utcnow() -> datetime:
        return clock.now().astimezone(timezone.utc).replace(tzinfo=None)

    return _ClockedClass("datetime", (), {"_real": datetime, "now": staticmethod(now),
                                          "today": staticmethod(today), "utcnow": staticmethod(utcnow)})


def clocked_date(clock: Clock) -> type:
    """``date`` whose ``today()`` reads ``clock`` (the machine's local date, as date.today())."""
    def today() -> date:
        return clock.now().astimezone().date()

    return _ClockedClass("date", (), {"_real": date, "today": staticmethod(today)})
