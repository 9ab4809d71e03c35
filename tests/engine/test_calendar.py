"""Jalali dates, Persian digits, Iranian working days, and the holiday data."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine import hijri
from engine.calendar import (
    HOLIDAYS_DIR,
    TEHRAN,
    WorkingCalendar,
    from_jalali,
    latin_digits,
    load_holidays,
    persian_digits,
    to_jalali,
)

UTC = timezone.utc
HOLIDAY_FILES = sorted(HOLIDAYS_DIR.glob("*.json"))


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


# --- Holiday data --------------------------------------------------------

def test_the_data_covers_1404_to_1406(iran: WorkingCalendar) -> None:
    assert [path.stem for path in HOLIDAY_FILES] == ["1404", "1405", "1406"]
    assert iran.years == {1404, 1405, 1406}


@pytest.mark.parametrize("path", HOLIDAY_FILES, ids=lambda p: p.name)
def test_every_data_file_is_valid_sorted_and_without_duplicates(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    dates = [entry["date"] for entry in doc["holidays"]]
    assert dates == sorted(dates) and len(dates) == len(set(dates))
    assert "tabular" in doc["source"] and "check" in doc["source"]
    assert all(set(entry) == {"date", "name_fa", "name_en"} for entry in doc["holidays"])
    assert len(load_holidays(path)) == len(dates)


@pytest.mark.parametrize("path", HOLIDAY_FILES, ids=lambda p: p.name)
def test_every_year_has_the_fixed_holidays(path: Path) -> None:
    year = int(path.stem)
    holidays = load_holidays(path)
    for month_day in ("01/01", "01/02", "01/03", "01/04", "01/12", "01/13", "03/14", "03/15", "11/22", "12/29"):
        assert from_jalali(f"{year}/{month_day}") in holidays, f"{year}/{month_day}"


@pytest.mark.parametrize("gregorian, keyword", [
    (date(2025, 3, 31), "Eid al-Fitr"),     # 1 Shawwal 1446, 1404/01/11
    (date(2025, 6, 6), "Eid al-Adha"),      # 10 Dhu al-Hijja 1446, 1404/03/16
    (date(2025, 7, 6), "Ashura"),           # 10 Muharram 1447, 1404/04/15
    (date(2026, 3, 21), "Eid al-Fitr"),     # 1 Shawwal 1447, 1405/01/01
    (date(2026, 5, 27), "Eid al-Adha"),     # 10 Dhu al-Hijja 1447, 1405/03/06
    (date(2026, 6, 24), "Tasua"),           # 9 Muharram 1448, 1405/04/03
])
def test_lunar_holidays_are_within_a_day_of_the_official_date(gregorian: date, keyword: str) -> None:
    entries = [e for path in HOLIDAY_FILES for e in json.loads(path.read_text(encoding="utf-8"))["holidays"]]
    near = [e["date"] for e in entries
            if keyword in e["name_en"] and abs((from_jalali(e["date"]) - gregorian).days) <= 1]
    assert near, f"no {keyword} within a day of {gregorian}"


def _write(directory: Path, year: int, holidays: list[dict[str, str]]) -> Path:
    path = directory / f"{year}.json"
    path.write_text(json.dumps({"year": year, "source": "test", "holidays": holidays}), encoding="utf-8")
    return path


def test_load_holidays_refuses_bad_files(tmp_path: Path) -> None:
    new_year = {"date": "1405/01/01", "name_fa": "نوروز", "name_en": "Nowruz"}
    second = {"date": "1405/01/02", "name_fa": "نوروز", "name_en": "Nowruz"}
    cases = {
        "not after": [second, new_year],
        "is not after 1405/01/01": [new_year, new_year],
        "is not in 1405": [{**new_year, "date": "1406/01/01"}],
        "out of range for Esfand": [{**new_year, "date": "1405/12/30"}],
        'non-empty "name_en"': [{**new_year, "name_en": ""}],
    }
    for message, holidays in cases.items():
        with pytest.raises(ValueError, match=message):
            load_holidays(_write(tmp_path, 1405, holidays))
    misnamed = tmp_path / "1406.json"
    misnamed.write_text(json.dumps({"year": 1405, "source": "test", "holidays": []}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"1406\.json"):
        load_holidays(misnamed)


def test_iran_reads_another_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        WorkingCalendar.iran(tmp_path)
    _write(tmp_path, 1405, [{"date": "1405/09/03", "name_fa": "آزمون", "name_en": "Test"}])
    calendar = WorkingCalendar.iran(tmp_path)
    assert calendar.holiday_name(date(2026, 11, 24)) == "آزمون"
    assert calendar.is_working_day(date(2026, 3, 21))      # no Nowruz in this data
    assert calendar.years == {1405}


# --- Tabular Hijri calendar ----------------------------------------------

def test_hijri_epoch_and_known_dates() -> None:
    assert hijri.to_gregorian(1, 1, 1) == date(622, 7, 19)   # 16 July 622 Julian
    assert hijri.to_gregorian(1446, 9, 1) == date(2025, 3, 1)
    assert hijri.from_gregorian(date(2025, 3, 1)) == (1446, 9, 1)


def test_hijri_days_follow_each_other_and_round_trip() -> None:
    previous = None
    day = date(2000, 1, 1)
    while day < date(2060, 1, 1):
        y, m, d = hijri.from_gregorian(day)
        assert hijri.to_gregorian(y, m, d) == day
        if previous is not None and d != 1:
            assert (y, m, d - 1) == previous
        elif previous is not None:
            py, pm, pd = previous
            assert pd == hijri.days_in_month(py, pm)
            assert (y, m) == ((py, pm + 1) if pm < 12 else (py + 1, 1))
        previous = (y, m, d)
        day += timedelta(days=1)


def test_hijri_thirty_year_cycle() -> None:
    assert [y for y in range(1, 31) if hijri.is_leap(y)] == [2, 5, 7, 10, 13, 16, 18, 21, 24, 26, 29]
    assert hijri.to_jdn(1471, 1, 1) - hijri.to_jdn(1441, 1, 1) == 10631


@pytest.mark.parametrize("args", [(1447, 13, 1), (1447, 0, 1), (1447, 2, 30), (1446, 12, 30), (0, 1, 1)])
def test_hijri_refuses_impossible_dates(args: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        hijri.to_jdn(*args)
