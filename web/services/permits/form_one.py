"""The service card's Form 1: one row per permit kind and type, the declared columns beside measured ones.

Measured over the card's period and scope, from the permits register: how many requests were decided, the
mean days from request to decision, and the share handled electronically (one grouped query, whatever the
number of requests).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from forms.messages import format_number

from ...models import PermitRequest
from ..aggregates import days_between
from .kinds import permit_kinds

TYPE_ORDER = ("issue", "renewal", "amendment", "cancellation")


def form_one_rows(session: Session, type_labels: list[str], lang: str, *, start: datetime, end: datetime,
                  provinces: list[str] | None) -> list[list[str]]:
    """Form 1's rows: [row number, title, type, legal basis, documents, validity, cost, applicant, issuing
    process, supervising authorities, processing time, electronic, remarks]."""
    one = PermitRequest
    query = (select(one.kind, one.type, func.count(), func.avg(days_between(session, one.requested_at, one.decided_at)),
                    func.sum(case((one.electronic.is_(True), 1), else_=0)),
                    func.sum(case((one.outcome == "granted", 1), else_=0)))
             .where(one.decided_at >= start, one.decided_at < end).group_by(one.kind, one.type))
    if provinces is not None:
        query = query.where(one.province.in_(provinces))
    decided = {(kind, type_): Decided(count, float(days or 0), int(electronic or 0), int(granted or 0))
               for kind, type_, count, days, electronic, granted in session.execute(query)}
    rows: list[list[str]] = []
    with force_locale(lang):
        for kind in permit_kinds().values():
            for type_ in kind.types:
                label = type_labels[TYPE_ORDER.index(type_)] if type_ in TYPE_ORDER else type_
                mine = decided.get((kind.id, type_), NONE)
                rows.append([format_number(len(rows) + 1, lang), kind.text("title", lang), label,
                             kind.text("legal_basis", lang), kind.text("documents", lang),
                             gettext("%(months)s months", months=format_number(kind.validity_months, lang)),
                             format_number(int(kind.declared.get("cost_rials") or 0), lang),
                             kind.text("applicant", lang), kind.text("issuing", lang),
                             kind.text("supervising_authorities", lang), _time(kind.declared, mine, lang),
                             _electronic(kind.declared, mine, lang), _remarks(mine, lang)])
    return rows


@dataclass(frozen=True)
class Decided:
    """The requests of one permit kind and type decided in the period."""

    count: int
    mean_days: float
    electronic: int
    granted: int


NONE = Decided(0, 0.0, 0, 0)


def _time(declared: dict[str, Any], decided: Decided, lang: str) -> str:
    text = gettext("declared %(days)s days", days=format_number(declared.get("processing_days") or 0, lang))
    if decided.count:
        text += "؛ " if lang == "fa" else "; "
        text += gettext("measured %(days)s days", days=format_number(round(decided.mean_days, 1), lang))
    return text


def _electronic(declared: dict[str, Any], decided: Decided, lang: str) -> str:
    text = gettext("Electronic") if declared.get("electronic") else gettext("Non-electronic")
    if decided.count:
        share = 100 * decided.electronic / decided.count
        text += " (" + gettext("%(share)s%% in clusterflow", share=format_number(round(share), lang)) + ")"
    return text


def _remarks(decided: Decided, lang: str) -> str:
    if not decided.count:
        return gettext("none decided in the period")
    return gettext("%(decided)s decided, %(granted)s granted", decided=format_number(decided.count, lang),
                   granted=format_number(decided.granted, lang))
