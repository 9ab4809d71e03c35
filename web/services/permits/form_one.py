"""The service card's Form 1: one row per permit kind and type, the declared columns beside measured ones.

Measured over the card's period and scope, from the permits register: how many requests were decided, the
mean days from request to decision, and the share handled electronically.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.messages import format_number

from ...models import PermitRequest
from .kinds import permit_kinds

TYPE_ORDER = ("issue", "renewal", "amendment", "cancellation")


def form_one_rows(session: Session, type_labels: list[str], lang: str, *, start: datetime, end: datetime,
                  provinces: list[str] | None) -> list[list[str]]:
    """Form 1's rows: [row number, title, type, legal basis, documents, validity, cost, applicant, issuing
    process, supervising authorities, processing time, electronic, remarks]."""
    query = select(PermitRequest).where(PermitRequest.decided_at >= start, PermitRequest.decided_at < end)
    if provinces is not None:
        query = query.where(PermitRequest.province.in_(provinces))
    decided = list(session.scalars(query))
    rows: list[list[str]] = []
    with force_locale(lang):
        for kind in permit_kinds().values():
            for type_ in kind.types:
                label = type_labels[TYPE_ORDER.index(type_)] if type_ in TYPE_ORDER else type_
                mine = [r for r in decided if r.kind == kind.id and r.type == type_]
                rows.append([format_number(len(rows) + 1, lang), kind.text("title", lang), label,
                             kind.text("legal_basis", lang), kind.text("documents", lang),
                             gettext("%(months)s months", months=format_number(kind.validity_months, lang)),
                             format_number(int(kind.declared.get("cost_rials") or 0), lang),
                             kind.text("applicant", lang), kind.text("issuing", lang),
                             kind.text("supervising_authorities", lang), _time(kind.declared, mine, lang),
                             _electronic(kind.declared, mine, lang), _remarks(mine, lang)])
    return rows


def _time(declared: dict[str, Any], decided: list[PermitRequest], lang: str) -> str:
    text = gettext("declared %(days)s days", days=format_number(declared.get("processing_days") or 0, lang))
    if decided:
        days = sum((r.decided_at - r.requested_at).total_seconds() for r in decided if r.decided_at) \
            / 86400 / len(decided)
        text += "؛ " if lang == "fa" else "; "
        text += gettext("measured %(days)s days", days=format_number(round(days, 1), lang))
    return text


def _electronic(declared: dict[str, Any], decided: list[PermitRequest], lang: str) -> str:
    text = gettext("Electronic") if declared.get("electronic") else gettext("Non-electronic")
    if decided:
        share = 100 * sum(1 for r in decided if r.electronic) / len(decided)
        text += " (" + gettext("%(share)s%% in clusterflow", share=format_number(round(share), lang)) + ")"
    return text


def _remarks(decided: list[PermitRequest], lang: str) -> str:
    if not decided:
        return gettext("none decided in the period")
    granted = sum(1 for r in decided if r.outcome == "granted")
    return gettext("%(decided)s decided, %(granted)s granted", decided=format_number(len(decided), lang),
                   granted=format_number(granted, lang))
