"""The case list as CSV and XLSX, with headers and values in the user's language, streamed row by row.

Both writers take an iterator of case rows (``cases.iter_cases`` reads them from the
database a batch at a time) and yield the file in pieces, so memory stays flat in
the number of rows: CSV is encoded a chunk of lines at a time; XLSX is written by
openpyxl's write-only workbook to a temporary file, which is then sent in blocks.
"""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook

from engine.calendar import TEHRAN, persian_digits, to_jalali

from ..i18n import current_language, stage_label
from ..reference import provinces
from ..services.cases import CaseRow
from ..services.exports import ExportSettings

CSV_CHUNK = 500          # lines per piece of the CSV answer
BLOCK = 256 * 1024       # bytes per piece of the XLSX answer
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def export_settings(config: Mapping[str, Any]) -> ExportSettings:
    """Background exports as configured: files under DATA_DIR/exports, the row threshold, how long files stay."""
    return ExportSettings(Path(config["DATA_DIR"]) / "exports", int(config["EXPORT_BACKGROUND_ROWS"]),
                          timedelta(hours=float(config["EXPORT_KEEP_HOURS"])))


def write(rows: Iterable[CaseRow], kind: str) -> Iterator[bytes]:
    """The file of ``kind`` (csv or xlsx) in pieces."""
    return export_csv(rows) if kind == "csv" else export_xlsx(rows)


def _header() -> list[str]:
    return [_("Case"), _("Title"), _("Process"), _("Version"), _("Province"), _("Stage"), _("Status"),
            _("Started"), _("Held by"), _("Due"), _("Overdue")]


def _dates(fa: bool) -> Callable[[datetime | None], str]:
    """``jalali(value, True)`` for many values: the language is read once, each calendar day converted once and
    each time of day written once (an export writes two dates a row, some 100,000 rows)."""
    days: dict[date, str] = {}
    clock = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]
    if fa:
        clock = [persian_digits(t) for t in clock]

    def text(value: datetime | None) -> str:
        if value is None:
            return ""
        local = value.astimezone(TEHRAN)
        day = local.date()
        shown = days.get(day)
        if shown is None:
            shown = days[day] = persian_digits(to_jalali(day)) if fa else day.isoformat()
        return f"{shown} {clock[local.hour * 60 + local.minute]}"

    return text


def _lines(rows: Iterable[CaseRow]) -> Iterator[list[object]]:
    fa = current_language() == "fa"
    jalali = _dates(fa)
    names = {key: _cell(p.fa if fa else p.en) for key, p in provinces().items()}
    statuses = {"running": _("Running"), "completed": _("Completed"), "suspended": _("Suspended"),
                "terminated": _("Terminated")}
    stages: dict[str | None, object] = {}
    processes: dict[str, object] = {}
    yes, no = _("yes"), _("no")
    for row in rows:
        holders = row.holders
        if row.stage not in stages:
            stages[row.stage] = _cell(stage_label(row.stage))
        if row.process_name not in processes:
            processes[row.process_name] = _cell(row.process_name)
        # only free text can start like a formula (_cell); numbers, dates and fixed labels cannot
        yield [row.id, _cell(row.title or ""), processes[row.process_name], row.version,
               names.get(row.province, "") if row.province else "", stages[row.stage],
               statuses.get(row.status, row.status), jalali(row.started_at),
               _cell(", ".join(h.assignee or h.role or "" for h in holders)) if holders else "",
               jalali(holders[0].due_at) if holders else "", yes if row.overdue else no]


def export_csv(rows: Iterable[CaseRow]) -> Iterator[bytes]:
    """The CSV file in pieces; the first starts with a BOM, so spreadsheet programs read UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(_header())
    for count, line in enumerate(_lines(rows), 1):
        writer.writerow(line)
        if count % CSV_CHUNK == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def export_xlsx(rows: Iterable[CaseRow]) -> Iterator[bytes]:
    """The XLSX file in pieces, built with openpyxl's write-only workbook (rows are not kept in memory)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Cases")[:31])
    sheet.sheet_view.rightToLeft = current_language() == "fa"
    sheet.append(_header())
    for line in _lines(rows):
        sheet.append(line)
    with tempfile.TemporaryFile() as file:
        book.save(file)
        file.seek(0)
        while block := file.read(BLOCK):
            yield block


def _cell(value: object) -> object:
    # a text cell that starts like a formula would be run by the spreadsheet program
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
