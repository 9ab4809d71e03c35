"""Iranian dates: Jalali text, Persian digits, and counting in working days.

A *day* here is always a calendar day in Tehran. An aware datetime is first
converted to Tehran time; a naive datetime or a plain date is taken to be
Tehran local already. Jalali dates are written ``YYYY/MM/DD`` with Latin
digits; use :func:`persian_digits` for display.

Official holidays come from the ``holidays`` library's Iran calendar with the
corrections in ``engine/data/holidays/corrections.json`` (see
:mod:`engine.holiday_source`), plus the one-off closures an administrator
declares, which the web layer passes in (:meth:`WorkingCalendar.set_closures`).
"""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jdatetime

from .holiday_source import Corrections, HolidayDataMissing, OfficialHolidays  # noqa: F401 — re-exported


def _tehran_zone() -> tzinfo:
    try:
        return ZoneInfo("Asia/Tehran")
    except ZoneInfoNotFoundError:
        # Without tzdata: +03:30 is right from 1402 (2022) on, when Iran
        # dropped daylight saving time; older summer times are off by an hour.
        return timezone(timedelta(hours=3, minutes=30), "+0330")


TEHRAN: tzinfo = _tehran_zone()
"""Asia/Tehran (a fixed +03:30 if the system has no time zone data)."""

MONTHS = (
    "Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
    "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand",
)
# Jalali years from_jalali accepts: 1821-2321 AD. A year like 2026 is almost
# certainly a Gregorian date typed into a Jalali field, so it is refused.
MIN_YEAR, MAX_YEAR = 1200, 1699

_PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
_TO_PERSIAN = str.maketrans("0123456789", _PERSIAN)
_TO_LATIN = str.maketrans(_PERSIAN + _ARABIC_INDIC, "0123456789" * 2)
# Direction marks that copying from right-to-left text leaves around dates.
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_JALALI = re.compile(r"([0-9]+)([/-])([0-9]+)\2([0-9]+)")


def persian_digits(text: str | int) -> str:
    """``text`` (or the decimal form of an int) with Latin digits made Persian."""
    return str(text).translate(_TO_PERSIAN)


def latin_digits(text: str) -> str:
    """``text`` with Persian and Arabic-Indic digits made Latin; nothing else changes."""
    return text.translate(_TO_LATIN)


def _local_date(value: date) -> date:
    """The Tehran calendar day of a date or datetime (see the module docstring)."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            return value.date()
        return value.astimezone(TEHRAN).date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


def to_jalali(value: date | datetime) -> str:
    """The Jalali date of ``value`` as ``YYYY/MM/DD`` with Latin digits.

    An aware datetime is dated in Tehran: 2026-03-20 21:00 UTC is ``1405/01/01``.

    :raise TypeError: if ``value`` is neither a date nor a datetime.
    """
    j = jdatetime.date.fromgregorian(date=_local_date(value))
    return f"{j.year:04d}/{j.month:02d}/{j.day:02d}"


def days_in_jalali_month(year: int, month: int) -> int:
    """31 for the first six months, 30 for the next five, Esfand 29 or 30 (leap)."""
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def from_jalali(text: str) -> date:
    """The Gregorian date of a Jalali ``YYYY/MM/DD`` (or ``YYYY-MM-DD``).

    Persian and Arabic-Indic digits, one-digit months and days, surrounding
    spaces and direction marks are accepted. The year must have four digits
    and lie in 1200-1699.

    :raise ValueError: naming the bad part, e.g. "day 30 is out of range for
        Esfand 1404 (1-29)".
    """
    if not isinstance(text, str):
        raise TypeError(f"expected a str, got {type(text).__name__}")
    match = _JALALI.fullmatch(latin_digits(text).translate(_BIDI_MARKS).strip())
    if match is None:
        raise ValueError(f"{text!r} is not a Jalali date: expected YYYY/MM/DD, e.g. 1405/01/01")
    year_text, _, month_text, day_text = match.groups()
    year, month, day = int(year_text), int(month_text), int(day_text)
    if len(year_text) != 4 or not MIN_YEAR <= year <= MAX_YEAR:
        hint = " (is it a Gregorian date?)" if year > MAX_YEAR else ""
        raise ValueError(f"{text!r}: year {year_text} is not a Jalali year in {MIN_YEAR}-{MAX_YEAR}{hint}")
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: month {month} is out of range (1-12)")
    length = days_in_jalali_month(year, month)
    if not 1 <= day <= length:
        raise ValueError(f"{text!r}: day {day} is out of range for {MONTHS[month - 1]} {year} (1-{length})")
    gregorian: date = jdatetime.date(year, month, day).togregorian()
    return gregorian


class WorkingCalendar:
    """Which Tehran days are working days, and counting in working days.

    A day is a working day unless its weekday is in ``weekend`` (numbers as in
    :meth:`date.weekday`: Monday 0 ... Friday 4), it is a holiday, or it is a
    closure. Holidays may be given as dates or as a mapping of date to name;
    :meth:`iran` reads the official ones instead. Instances may be shared
    between threads; only the closures change, replaced all at once by
    :meth:`set_closures`.
    """

    def __init__(self, holidays: Iterable[date] | Mapping[date, str] = (), weekend: Collection[int] = (4,), *,
                 official: OfficialHolidays | None = None) -> None:
        weekend_days = frozenset(weekend)
        if not weekend_days <= set(range(7)) or len(weekend_days) == 7:
            raise ValueError(f"weekend must be some, not all, of the weekdays 0-6; got {sorted(weekend_days)}")
        if isinstance(holidays, Mapping):
            names = {_local_date(day): str(name) for day, name in holidays.items()}
        else:
            names = {_local_date(day): "" for day in holidays}
        self._weekend = weekend_days
        self._names = names
        self._official = official
        self._closures: dict[date, str] = {}

    @classmethod
    def iran(cls, closures: Mapping[date, str] | None = None, *,
             corrections: Corrections | None = None) -> WorkingCalendar:
        """Iran's calendar: Friday weekend, the official holidays (see :mod:`engine.holiday_source`), ``closures``.

        Asking about a day outside the holiday source's range raises
        :class:`~engine.holiday_source.HolidayDataMissing`.

        :raise ValueError: if the corrections file is malformed.
        """
        calendar = cls(weekend=(4,), official=OfficialHolidays(corrections))
        calendar.set_closures(closures or {})
        return calendar

    def set_closures(self, closures: Mapping[date, str]) -> None:
        """Replace the one-off closures (day -> reason) an administrator declared; they are days off too."""
        self._closures = {_local_date(day): str(reason) for day, reason in closures.items()}

    @property
    def closures(self) -> dict[date, str]:
        return dict(self._closures)

    @property
    def weekend(self) -> frozenset[int]:
        """The weekday numbers that are never working days."""
        return self._weekend

    def is_working_day(self, day: date) -> bool:
        """False on the weekend, on holidays and on closures; ``day`` may be a datetime.

        :raise HolidayDataMissing: for :meth:`iran`, a day outside the holiday source's range.
        """
        local = _local_date(day)
        holiday = self.holiday_name(local)  # first: a day outside the source's range is refused even on a Friday
        return local.weekday() not in self._weekend and holiday is None

    def holiday_name(self, day: date) -> str | None:
        """The holiday's or closure's name on ``day`` (Persian for :meth:`iran`), else None.

        An ordinary weekend day is not a holiday and gives None; a holiday given
        without a name gives "".

        :raise HolidayDataMissing: for :meth:`iran`, a day outside the holiday source's range.
        """
        local = _local_date(day)
        closure = self._closures.get(local)
        if closure is not None:
            return closure
        if self._official is not None:
            return self._official.name(local)
        return self._names.get(local)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same Tehran time of day on the ``days``-th working day after ``start``.

        The day of ``start`` itself never counts, working or not: from Thursday
        10:00, one working day is Saturday 10:00 (Friday is the weekend). Zero
        days gives ``start`` back. The result has ``start``'s tzinfo (naive
        stays naive).

        :raise ValueError: if ``days`` is negative.
        """
        if not isinstance(start, datetime):
            raise TypeError(f"expected a datetime, got {type(start).__name__}")
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        if days == 0:
            return start
        local = start.astimezone(TEHRAN) if start.utcoffset() is not None else start
        day = local.date()
        remaining = days
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        # Adding whole days to an aware datetime keeps its wall-clock time.
        result = local + timedelta(days=(day - local.date()).days)
        return result.astimezone(start.tzinfo) if start.utcoffset() is not None else result

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days are after ``start`` and up to ``end`` inclusive.

        So ``working_days_between(d, add_working_days(d, n))`` is ``n``. When
        ``end`` is before ``start`` the count is negative (overdue days).
        Datetimes are reduced to their Tehran day.
        """
        first, last = _local_date(start), _local_date(end)
        if last < first:
            return -self.working_days_between(last, first)
        return sum(
            1 for offset in range(1, (last - first).days + 1)
            if self.is_working_day(first + timedelta(days=offset))
        )
