"""Iran's official holidays: the ``holidays`` library's Iran calendar, with our corrections.

The ``holidays`` library (vacanza/holidays) is the maintained source: it
follows the official calendar published each year (time.ir), fixes the lunar
holidays by the dates Iran announced where they are known, and estimates the
rest from the Umm al-Qura calendar one day later (names marked "estimated").
When the government announces a change the library does not have yet, add it
to ``engine/data/holidays/corrections.json`` (see the "about" text there);
one-off closures an administrator declares (pollution, national mourning) are
not configuration: they live in the database and the web layer passes them
to the calendar (:meth:`engine.calendar.WorkingCalendar.set_closures`).

Years outside the library's range are refused with :class:`HolidayDataMissing`,
never treated as years without holidays.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import holidays as holidays_library
import jdatetime

CORRECTIONS_FILE = Path(__file__).parent / "data" / "holidays" / "corrections.json"


class HolidayDataMissing(ValueError):
    """The official holidays of a year are not known (it is outside the source's range)."""


@dataclass(frozen=True)
class Corrections:
    """Announced changes the library does not have: days added (with their name) and days removed."""

    added: dict[date, str] = field(default_factory=dict)
    removed: frozenset[date] = frozenset()


def _jalali_day(text: str, where: str) -> date:
    from .calendar import from_jalali  # the calendar module imports this one

    try:
        return from_jalali(text)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from exc


def load_corrections(path: Path = CORRECTIONS_FILE) -> Corrections:
    """The corrections in ``path``.

    The file holds ``{"about": "...", "add": [{"date": "1405/01/01", "name_fa": "...", "name_en": "...",
    "why": "..."}], "remove": [{"date": "...", "why": "..."}]}``; every entry says why (the announcement).

    :raise ValueError: naming the file and the entry that is wrong.
    """
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name}: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("add"), list) or not isinstance(doc.get("remove"), list):
        raise ValueError(f'{path.name}: expected an object with "add" and "remove" lists')
    added: dict[date, str] = {}
    for index, entry in enumerate(doc["add"]):
        where = f"{path.name}: add #{index + 1}"
        keys = ("date", "name_fa", "name_en", "why")
        if not isinstance(entry, dict) or any(not isinstance(entry.get(k), str) or not entry[k].strip() for k in keys):
            raise ValueError(f'{where} needs a non-empty "date", "name_fa", "name_en" and "why"')
        added[_jalali_day(entry["date"], where)] = entry["name_fa"]
    removed = set()
    for index, entry in enumerate(doc["remove"]):
        where = f"{path.name}: remove #{index + 1}"
        if not isinstance(entry, dict) or any(not isinstance(entry.get(k), str) or not entry[k].strip()
                                              for k in ("date", "why")):
            raise ValueError(f'{where} needs a non-empty "date" and "why"')
        removed.add(_jalali_day(entry["date"], where))
    both = sorted(set(added) & removed)
    if both:
        raise ValueError(f"{path.name}: {both[0]} is both added and removed")
    return Corrections(added, frozenset(removed))


class OfficialHolidays:
    """The official holidays by day, read from the library one Gregorian year at a time.

    Instances are safe to share between threads.
    """

    def __init__(self, corrections: Corrections | None = None) -> None:
        self.corrections = corrections if corrections is not None else load_corrections()
        country = holidays_library.Iran
        self.first_year: int = country.start_year
        self.last_year: int = country.end_year
        self._years: dict[int, dict[date, str]] = {}
        self._lock = threading.Lock()

    @property
    def jalali_years(self) -> tuple[int, int]:
        """The first and last Jalali year wholly inside the source's range."""
        return self.first_year - 621, self.last_year - 622

    def name(self, day: date) -> str | None:
        """The holiday's Persian name on ``day``, else None.

        :raise HolidayDataMissing: when ``day`` is outside the source's range.
        """
        if day in self.corrections.removed:
            return None
        if day in self.corrections.added:
            return self.corrections.added[day]
        return self._year(day).get(day)

    def _year(self, day: date) -> dict[date, str]:
        if not self.first_year <= day.year <= self.last_year:
            jalali = jdatetime.date.fromgregorian(date=day)
            first, last = self.jalali_years
            raise HolidayDataMissing(
                f"the official holidays of {jalali.year} ({day.isoformat()}) are not known: the holiday source "
                f"covers {first}-{last} ({self.first_year}-{self.last_year})")
        found = self._years.get(day.year)
        if found is None:
            table = holidays_library.country_holidays("IR", years=day.year, language="fa_IR",
                                                      islamic_show_estimated=False)
            found = {d: str(name) for d, name in table.items()}
            with self._lock:
                self._years[day.year] = found
        return found
