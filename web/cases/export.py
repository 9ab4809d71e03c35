"""The case list as CSV and XLSX, with headers and values in the user's language."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask_babel import gettext as _
from openpyxl import Workbook

from ..i18n import current_language, jalali, stage_label
from ..reference import provinces
from ..services.cases import CaseRow


def _table(rows: Iterable[CaseRow]) -> tuple[list[str], list[list[object]]]:
    fa = current_language() == "fa"
    names = provinces()
    header = [_("Case"), _("Title"), _("Process"), _("Version"), _("Province"), _("Stage"), _("Status"),
              _("Started"), _("Held by"), _("Due"), _("Overdue")]
    body = []
    for row in rows:
        first = row.holders[0] if row.holders else None
        province = names.get(row.province) if row.province else None
        body.append([
            row.id, row.title or "", row.process_name, row.version,
            (province.fa if fa else province.en) if province else "", stage_label(row.stage), _status(row.status),
            jalali(row.started_at, True), ", ".join(h.assignee or h.role or "" for h in row.holders),
            jalali(first.due_at, True) if first and first.due_at else "", _("yes") if row.overdue else _("no"),
        ])
    return header, body


def _status(status: str) -> str:
    return {"running": _("Running"), "completed": _("Completed"), "suspended": _("Suspended"),
            "terminated": _("Terminated")}.get(status, status)


def export_csv(rows: Iterable[CaseRow]) -> bytes:
    header, body = _table(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in line] for line in body])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes spreadsheet programs read UTF-8


def export_xlsx(rows: Iterable[CaseRow]) -> bytes:
    header, body = _table(rows)
    book = Workbook()
    sheet = book.active
    sheet.title = _("Cases")[:31]
    sheet.sheet_view.rightToLeft = current_language() == "fa"
    sheet.append(header)
    for line in body:
        sheet.append([_cell(value) for value in line])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: object) -> object:
    # a text cell that starts like a formula would be run by the spreadsheet program
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
