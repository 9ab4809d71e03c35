"""What a notice says, in the reader's language (e-mails: always Persian)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from ..i18n import digits, jalali


def _case(params: dict[str, Any]) -> str:
    return params.get("case") or _("case %(number)s", number=digits(params.get("case_id") or ""))


def _due(params: dict[str, Any]) -> str:
    due = params.get("due")
    return jalali(datetime.fromisoformat(due), True) if due else _("no deadline")


def notice_text(kind: str, params: dict[str, Any]) -> tuple[str, str]:
    """(title, one-paragraph body) of a notice."""
    task, case = params.get("task") or "", _case(params)
    if kind == "task_opened":
        return (_("New task: %(task)s", task=task),
                _("The task “%(task)s” of %(case)s is open for you. Deadline: %(due)s.", task=task, case=case,
                  due=_due(params)))
    if kind == "task_handed_over":
        return (_("A task was handed to you: %(task)s", task=task),
                _("%(by)s handed you the task “%(task)s” of %(case)s. Deadline: %(due)s.",
                  by=params.get("by") or _("A colleague"), task=task, case=case, due=_due(params)))
    if kind == "task_due_soon":
        return (_("Due tomorrow: %(task)s", task=task),
                _("The task “%(task)s” of %(case)s is due by %(due)s.", task=task, case=case, due=_due(params)))
    if kind == "task_overdue":
        return (_("Overdue: %(task)s", task=task),
                _("The task “%(task)s” of %(case)s was due by %(due)s and is still open.", task=task, case=case,
                  due=_due(params)))
    if kind == "case_failed":
        return (_("A case needs attention: %(case)s", case=case),
                _("A scheduled step of %(case)s failed on every attempt and waits for a retry. Error: %(error)s",
                  case=case, error=params.get("error") or ""))
    return (kind, "")


def persian_text(kind: str, params: dict[str, Any]) -> tuple[str, str]:
    with force_locale("fa"):
        return notice_text(kind, params)


def persian_digest(items: list[tuple[str, str]]) -> tuple[str, str]:
    """(subject, body) of one mail that lists many notices."""
    with force_locale("fa"):
        subject = _("clusterflow: %(count)s new notices", count=digits(len(items)))
        lines = [f"• {title}\n  {body}" for title, body in items]
        return subject, "\n\n".join(lines)
