"""The tabular (arithmetic) Islamic calendar, for estimating lunar holidays.

This is the civil tabular calendar (epoch 16 July 622 Julian; leap years 2, 5,
7, 10, 13, 16, 18, 21, 24, 26 and 29 of each 30-year cycle, when Dhu al-Hijja
has 30 days; otherwise odd months have 30 days and even months 29).

Iran fixes its lunar months by observing the new crescent, so the official
date of a lunar holiday is often a day (rarely two) away from the tabular one.
Use this module to draft holiday data, never as the authority on a holiday.
"""
from __future__ import annotations

from datetime import date

# Julian day number of 1 Muharram 1 AH minus one, so that day 1 lands on it.
_EPOCH = 1948439
# Julian day number of 0001-01-01 in the proleptic Gregorian calendar, minus one.
_ORDINAL_OFFSET = 1721425

MONTHS_EN = (
    "Muharram", "Safar", "Rabi al-Awwal", "Rabi al-Thani", "Jumada al-Awwal",
    "Jumada al-Thani", "Rajab", "Shaban", "Ramadan", "Shawwal",
    "Dhu al-Qada", "Dhu al-Hijja",
)


def is_leap(year: int) -> bool:
    """True when ``year`` AH has 355 days (Dhu al-Hijja has 30)."""
    return (14 + 11 * year) % 30 < 11


def days_in_month(year: int, month: int) -> int:
    """The length of ``month`` (1-12) of ``year`` AH: 29 or 30.

    :raise ValueError: if ``month`` is not 1-12.
    """
    if not 1 <= month <= 12:
        raise ValueError(f"Hijri month {month} is out of range (1-12)")
    if month == 12 and is_leap(year):
        return 30
    return 30 if month % 2 else 29


def to_jdn(year: int, month: int, day: int) -> int:
    """The Julian day number of a tabular Hijri date.

    :raise ValueError: if the year is before 1 AH or month/day do not exist.
    """
    if year < 1:
        raise ValueError(f"Hijri year {year} is out of range (1 or later)")
    length = days_in_month(year, month)
    if not 1 <= day <= length:
        raise ValueError(f"day {day} is out of range for {MONTHS_EN[month - 1]} {year} (1-{length})")
    # (59 * (month - 1) + 1) // 2 is ceil(29.5 * (month - 1)): the days before the month.
    return (day + (59 * (month - 1) + 1) // 2 + (year - 1) * 354
            + (3 + 11 * year) // 30 + _EPOCH)


def from_jdn(jdn: int) -> tuple[int, int, int]:
    """The tabular Hijri (year, month, day) of a Julian day number.

    :raise ValueError: for days before 1 Muharram 1 AH.
    """
    if jdn <= _EPOCH:
        raise ValueError(f"Julian day {jdn} is before the Hijri epoch")
    year = max(1, (30 * (jdn - _EPOCH)) // 10631)  # 10631 days per 30 years
    while to_jdn(year + 1, 1, 1) <= jdn:  # the estimate is off by at most one
        year += 1
    while to_jdn(year, 1, 1) > jdn:
        year -= 1
    month = 12
    while to_jdn(year, month, 1) > jdn:
        month -= 1
    return year, month, jdn - to_jdn(year, month, 1) + 1


def to_gregorian(year: int, month: int, day: int) -> date:
    """The Gregorian date of a tabular Hijri date (see :func:`to_jdn`)."""
    return date.fromordinal(to_jdn(year, month, day) - _ORDINAL_OFFSET)


def from_gregorian(day: date) -> tuple[int, int, int]:
    """The tabular Hijri (year, month, day) of a Gregorian date."""
    return from_jdn(day.toordinal() + _ORDINAL_OFFSET)
