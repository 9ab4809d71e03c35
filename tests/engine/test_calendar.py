"""Jalali dates, Persian digits, Iranian working days, and the official holidays."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from engine.calendar import (
    TEHRAN,
    HolidayDataMissing,
    WorkingCalendar,
    from_jalali,
    latin_digits,
    persian_digits,
    to_jalali,
)
from engine.holiday_source import CORRECTIONS_FILE, Corrections, load_corrections

UTC = timezone.utc


@pytest.fixture(scope="module")
def iran() -> WorkingCalendar:
    return WorkingCalendar.iran()


# --- Jalali text ---------------------------------------------------------

@pytest.mark.parametrize("jalali, gregorian", [
    ("1405/01/01", date(2026, 3, 21)),   # Nowruz 1405
    ("1404/01/01", date(2025, 3, 21)),
    ("1403/01/01", date(2024, 3, 20)),
    ("1403/12/30", date(2025, 3, 20)),   # 1403 is a leap year
    ("1404/12/29", date(2026, 3, 20)),
    ("1405/09/03", date(2026, 11, 24)),
])
def test_known_jalali_dates(jalali: str, gregorian: date) -> None:
    assert from_jalali(jalali) == gregorian
    assert to_jalali(gregorian) == jalali


def test_every_day_round_trips_across_leap_years() -> None:
    day, last = date(2020, 1, 1), date(2031, 1, 1)
    while day < last:
        text = to_jalali(day)
        assert from_jalali(text) == day, text
        day += timedelta(days=1)


def test_to_jalali_pads_with_zeros() -> None:
    assert to_jalali(date(2026, 4, 1)) == "1405/01/12"


@pytest.mark.parametrize("text", [
    "1405-01-01", "1405/1/1", "۱۴۰۵/۰۱/۰۱", "١٤٠٥/٠١/٠١", "۱۴۰۵-۰۱-۰۱", " 1405/01/01 ", "\u200f۱۴۰۵/۰۱/۰۱\u200f",
])
def test_from_jalali_accepts_other_spellings(text: str) -> None:
    assert from_jalali(text) == date(2026, 3, 21)


@pytest.mark.parametrize("text, message", [
    ("1404/12/30", r"day 30 is out of range for Esfand 1404 \(1-29\)"),   # 1404 is not leap
    ("1405/07/31", r"day 31 is out of range for Mehr 1405 \(1-30\)"),
    ("1405/00/10", r"month 0 is out of range"),
    ("1405/13/01", r"month 13 is out of range"),
    ("1405/01/00", r"day 0 is out of range"),
    ("2026/03/21", r"year 2026 .*Gregorian"),
    ("405/01/01", r"year 405 "),
    ("1405/01-01", r"expected YYYY/MM/DD"),
    ("01/01/1405", r"year 01 "),
    ("1405.01.01", r"expected YYYY/MM/DD"),
    ("", r"expected YYYY/MM/DD"),
    ("tomorrow", r"expected YYYY/MM/DD"),
])
def test_from_jalali_names_the_bad_part(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_jalali(text)


def test_digits_both_ways() -> None:
    assert persian_digits(1405) == "۱۴۰۵"
    assert persian_digits("1405/09/03 ساعت 10:30") == "۱۴۰۵/۰۹/۰۳ ساعت ۱۰:۳۰"
    assert latin_digits("۱۴۰۵/٠٩/۰۳ ساعت ۱۰") == "1405/09/03 ساعت 10"
    assert latin_digits(persian_digits("0123456789")) == "0123456789"


# --- Tehran time ---------------------------------------------------------

def test_tehran_is_three_and_a_half_hours_ahead_all_year() -> None:
    # No daylight saving time since 1402 (2022).
    for month in (1, 4, 7, 10):
        assert datetime(2026, month, 1, tzinfo=TEHRAN).utcoffset() == timedelta(hours=3, minutes=30)


def test_an_aware_datetime_is_dated_in_tehran() -> None:
    assert to_jalali(datetime(2026, 3, 20, 21, 0, tzinfo=UTC)) == "1405/01/01"
    assert to_jalali(datetime(2026, 3, 20, 20, 29, tzinfo=UTC)) == "1404/12/29"
    assert to_jalali(datetime(2026, 3, 20, 20, 30, tzinfo=UTC)) == "1405/01/01"   # Tehran midnight


def test_a_naive_datetime_is_taken_as_tehran_local() -> None:
    assert to_jalali(datetime(2026, 3, 20, 23, 59)) == "1404/12/29"


# --- Working days --------------------------------------------------------

def test_friday_is_not_a_working_day(iran: WorkingCalendar) -> None:
    assert not iran.is_working_day(date(2026, 11, 27))         # Friday
    assert iran.is_working_day(date(2026, 11, 26))             # Thursday
    assert iran.is_working_day(date(2026, 11, 28))             # Saturday
    assert iran.holiday_name(date(2026, 11, 27)) is None       # a weekend, not a holiday


def test_nowruz_is_not_a_working_day(iran: WorkingCalendar) -> None:
    for day in range(21, 25):
        assert not iran.is_working_day(date(2026, 3, day))
    assert iran.is_working_day(date(2026, 3, 25))              # 1405/01/05
    assert "نوروز" in (iran.holiday_name(date(2026, 3, 21)) or "")


def test_is_working_day_uses_the_tehran_day(iran: WorkingCalendar) -> None:
    # Friday 2026-03-20 21:00 UTC is already Saturday 1 Farvardin in Tehran.
    assert iran.holiday_name(datetime(2026, 3, 20, 21, 0, tzinfo=UTC)) == iran.holiday_name(date(2026, 3, 21))
    assert iran.is_working_day(datetime(2026, 11, 26, 20, 0, tzinfo=UTC))       # Thursday 23:30
    assert not iran.is_working_day(datetime(2026, 11, 26, 21, 0, tzinfo=UTC))   # Friday 00:30


def test_add_working_days_over_the_nowruz_week(iran: WorkingCalendar) -> None:
    thursday = datetime(2026, 3, 19, 10, 0, tzinfo=TEHRAN)      # 1404/12/28
    # Friday 29 Esfand and 1-4 Farvardin are off.
    assert iran.add_working_days(thursday, 1) == datetime(2026, 3, 25, 10, 0, tzinfo=TEHRAN)
    assert iran.add_working_days(thursday, 2) == datetime(2026, 3, 26, 10, 0, tzinfo=TEHRAN)
    assert iran.add_working_days(thursday, 3) == datetime(2026, 3, 28, 10, 0, tzinfo=TEHRAN)


def test_add_working_days_keeps_the_callers_timezone(iran: WorkingCalendar) -> None:
    start = datetime(2026, 3, 19, 6, 30, tzinfo=UTC)            # 10:00 in Tehran
    result = iran.add_working_days(start, 1)
    assert result == datetime(2026, 3, 25, 6, 30, tzinfo=UTC)
    assert result.tzinfo is UTC


def test_add_working_days_over_a_weekend() -> None:
    plain = WorkingCalendar()
    wednesday = datetime(2026, 11, 25, 9, 15)
    assert plain.add_working_days(wednesday, 1) == datetime(2026, 11, 26, 9, 15)
    assert plain.add_working_days(wednesday, 2) == datetime(2026, 11, 28, 9, 15)
    assert plain.add_working_days(datetime(2026, 11, 27, 9, 15), 1) == datetime(2026, 11, 28, 9, 15)
    assert plain.add_working_days(wednesday, 2).tzinfo is None
    thursday_and_friday = WorkingCalendar(weekend=(3, 4))
    assert thursday_and_friday.add_working_days(wednesday, 1) == datetime(2026, 11, 28, 9, 15)


def test_add_working_days_counts_from_the_tehran_day() -> None:
    # Thursday 21:00 UTC is Friday 00:30 in Tehran; the next working day is Saturday.
    start = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)
    assert WorkingCalendar().add_working_days(start, 1) == datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


def test_add_working_days_zero_and_negative(iran: WorkingCalendar) -> None:
    friday = datetime(2026, 11, 27, 9, 0, tzinfo=TEHRAN)
    assert iran.add_working_days(friday, 0) == friday
    with pytest.raises(ValueError, match="negative"):
        iran.add_working_days(friday, -1)


def test_working_days_between(iran: WorkingCalendar) -> None:
    assert iran.working_days_between(date(2026, 3, 19), date(2026, 3, 25)) == 1
    assert iran.working_days_between(date(2026, 3, 19), date(2026, 3, 28)) == 3
    assert iran.working_days_between(date(2026, 3, 28), date(2026, 3, 19)) == -3
    assert iran.working_days_between(date(2026, 11, 25), date(2026, 11, 25)) == 0
    assert WorkingCalendar().working_days_between(date(2026, 11, 23), date(2026, 12, 7)) == 12


def test_working_days_between_undoes_add_working_days(iran: WorkingCalendar) -> None:
    start = datetime(2026, 3, 10, 14, 0, tzinfo=TEHRAN)
    for days in (1, 5, 10, 30, 120):
        assert iran.working_days_between(start, iran.add_working_days(start, days)) == days


def test_holiday_names(iran: WorkingCalendar) -> None:
    assert "انقلاب" in (iran.holiday_name(from_jalali("1405/11/22")) or "")
    assert "نفت" in (iran.holiday_name(from_jalali("1405/12/29")) or "")
    assert iran.holiday_name(date(2026, 11, 24)) is None
    named = WorkingCalendar({date(2026, 11, 24): "Test day"})
    assert named.holiday_name(date(2026, 11, 24)) == "Test day"
    assert WorkingCalendar([date(2026, 11, 24)]).holiday_name(date(2026, 11, 24)) == ""
    assert not WorkingCalendar([date(2026, 11, 24)]).is_working_day(date(2026, 11, 24))


def test_weekend_must_leave_a_working_day() -> None:
    with pytest.raises(ValueError, match="weekend"):
        WorkingCalendar(weekend=range(7))
    with pytest.raises(ValueError, match="weekend"):
        WorkingCalendar(weekend=(7,))


# --- The official holidays ----------------------------------------------

def _at_ten(jalali: str) -> datetime:
    return datetime.combine(from_jalali(jalali), time(10, 0), TEHRAN)


@pytest.mark.parametrize("start, days, due", [
    # 1405/01/25 (Tuesday) is the martyrdom of Imam Ja'far al-Sadiq; the tabular calendar had 01/24
    ("1405/01/24", 1, "1405/01/26"),
    ("1405/01/23", 1, "1405/01/24"),
    ("1405/01/23", 2, "1405/01/26"),
    # 1405/05/13 (Tuesday) is Arbaeen; the tabular calendar had 05/14
    ("1405/05/12", 1, "1405/05/14"),
    ("1405/05/11", 3, "1405/05/15"),
    # 1405/12/10 (Monday) is the martyrdom of Imam Ali; the tabular calendar had 12/09
    ("1405/12/09", 1, "1405/12/11"),
    ("1405/12/08", 2, "1405/12/11"),
])
def test_add_working_days_gives_the_official_answers(iran: WorkingCalendar, start: str, days: int, due: str) -> None:
    result = iran.add_working_days(_at_ten(start), days)
    assert to_jalali(result) == due
    assert result.timetz() == time(10, 0, tzinfo=TEHRAN)


@pytest.mark.parametrize("jalali, keyword", [
    ("1405/01/25", "صادق"), ("1405/04/03", "تاسوعا"), ("1405/05/13", "اربعین"), ("1405/05/21", "رحلت رسول"),
    ("1405/05/30", "عسکری"), ("1405/06/08", "میلاد رسول"), ("1405/08/22", "فاطمه"), ("1405/12/10", "علی"),
])
def test_the_lunar_holidays_of_1405_fall_on_the_official_days(iran: WorkingCalendar, jalali: str,
                                                               keyword: str) -> None:
    assert keyword in (iran.holiday_name(from_jalali(jalali)) or "")
    for tabular in ("1405/01/24", "1405/04/05", "1405/05/14", "1405/05/23", "1405/05/31", "1405/06/09",
                    "1405/08/23", "1405/12/09"):
        assert iran.holiday_name(from_jalali(tabular)) is None, tabular


@pytest.mark.parametrize("year", [1404, 1405, 1406])
def test_every_year_has_the_fixed_holidays(iran: WorkingCalendar, year: int) -> None:
    for month_day in ("01/01", "01/02", "01/03", "01/04", "01/12", "01/13", "03/14", "03/15", "11/22", "12/29"):
        assert iran.holiday_name(from_jalali(f"{year}/{month_day}")), f"{year}/{month_day}"
    first, following = from_jalali(f"{year}/01/01"), from_jalali(f"{year + 1}/01/01")
    days_off = sum(1 for n in range((following - first).days) if iran.holiday_name(first + timedelta(days=n)))
    assert days_off >= 24
    if year == 1405:
        assert days_off == 26                                    # the official calendar of 1405


def test_a_year_outside_the_source_is_an_error_not_a_year_without_holidays(iran: WorkingCalendar) -> None:
    with pytest.raises(HolidayDataMissing, match="1480"):
        iran.is_working_day(from_jalali("1480/01/05"))          # a Friday: refused all the same
    with pytest.raises(HolidayDataMissing, match="1359-1478"):
        iran.add_working_days(_at_ten("1479/10/01"), 100)      # runs into 2101
    with pytest.raises(HolidayDataMissing):
        iran.holiday_name(date(1979, 6, 1))


def test_the_shipped_corrections_file_is_valid() -> None:
    corrections = load_corrections(CORRECTIONS_FILE)
    assert set(corrections.added).isdisjoint(corrections.removed)
    assert "about" in json.loads(CORRECTIONS_FILE.read_text(encoding="utf-8"))


def test_corrections_add_and_remove_days(tmp_path: Path) -> None:
    path = tmp_path / "corrections.json"
    path.write_text(json.dumps({"about": "test", "add": [
        {"date": "1405/09/03", "name_fa": "آزمون", "name_en": "Test", "why": "announced in a test"}],
        "remove": [{"date": "1405/01/25", "why": "moved in a test"}]}), encoding="utf-8")
    calendar = WorkingCalendar.iran(corrections=load_corrections(path))
    assert calendar.holiday_name(from_jalali("1405/09/03")) == "آزمون"
    assert calendar.is_working_day(from_jalali("1405/01/25"))
    assert to_jalali(calendar.add_working_days(_at_ten("1405/01/24"), 1)) == "1405/01/25"


def test_bad_corrections_are_refused_naming_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "corrections.json"
    entry = {"date": "1405/09/03", "name_fa": "آزمون", "name_en": "Test", "why": "x"}
    cases = {
        'add #1 needs a non-empty "date", "name_fa", "name_en" and "why"': {"add": [{**entry, "why": ""}],
                                                                          "remove": []},
        "add #1: .*out of range for Esfand": {"add": [{**entry, "date": "1405/12/30"}], "remove": []},
        'remove #1 needs a non-empty "date" and "why"': {"add": [], "remove": [{"date": "1405/01/25"}]},
        "both added and removed": {"add": [entry], "remove": [{"date": "1405/09/03", "why": "x"}]},
        '"add" and "remove" lists': {"add": []},
    }
    for message, doc in cases.items():
        path.write_text(json.dumps(doc), encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            load_corrections(path)


def test_a_closure_is_a_day_off_and_moves_a_due_date() -> None:
    calendar = WorkingCalendar.iran(corrections=Corrections())
    start = _at_ten("1405/09/02")                                # a Monday
    assert to_jalali(calendar.add_working_days(start, 1)) == "1405/09/03"
    calendar.set_closures({from_jalali("1405/09/03"): "آلودگی هوا"})
    assert calendar.holiday_name(from_jalali("1405/09/03")) == "آلودگی هوا"
    assert to_jalali(calendar.add_working_days(start, 1)) == "1405/09/04"
    calendar.set_closures({})
    assert to_jalali(calendar.add_working_days(start, 1)) == "1405/09/03"
