"""The service card's Form 2: one row per agency the service inquires, declared columns beside measured ones.

Measured with one grouped query over the inquiries register, whatever the number of inquiries.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale, gettext
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from forms.messages import format_number

from ...models import Inquiry
from ..aggregates import days_between
from .register import agencies


def form_two_rows(session: Session, lang: str, *, start: datetime, end: datetime,
                  provinces: list[str] | None) -> list[list[str]]:
    """Form 2's rows: [row, agency, items, other, documents, validity, cost, time, electronic, remarks]."""
    answered_at = Inquiry.answered_at.is_not(None)
    query = (select(Inquiry.agency, func.count(), func.count(Inquiry.answered_at),
                    func.avg(days_between(session, Inquiry.sent_at, Inquiry.answered_at)),
                    func.sum(case((answered_at & Inquiry.by_api.is_(True), 1), else_=0)),
                    func.count(Inquiry.escalated_at))
             .where(Inquiry.sent_at >= start, Inquiry.sent_at < end).group_by(Inquiry.agency))
    if provinces is not None:
        query = query.where(Inquiry.province.in_(provinces))
    # per agency: (sent, answered, mean days to the answer, answered through the API, escalated)
    figures = {agency: (sent, answered, float(days or 0), int(by_api or 0), escalated)
               for agency, sent, answered, days, by_api, escalated in session.execute(query)}
    rows: list[list[str]] = []
    with force_locale(lang):
        for agency_id, agency in agencies().items():
            sent, answered, days, by_api, escalated = figures.get(agency_id, (0, 0, 0.0, 0, 0))
            time = gettext("declared %(days)s days", days=format_number(agency.get("time_days") or 0, lang))
            if answered:
                time += ("؛ " if lang == "fa" else "; ") + gettext(
                    "measured %(days)s days", days=format_number(round(days, 1), lang))
            electronic = gettext("Electronic") if agency.get("electronic") else gettext("Non-electronic")
            if answered:
                share = 100 * by_api / answered
                electronic += " (" + gettext("%(share)s%% answered through the API",
                                             share=format_number(round(share), lang)) + ")"
            remarks = gettext("%(sent)s sent, %(answered)s answered, %(late)s escalated",
                              sent=format_number(sent, lang), answered=format_number(answered, lang),
                              late=format_number(escalated, lang))
            rows.append([format_number(len(rows) + 1, lang), agency["name"][lang], agency["items"][lang], "—",
                         agency["documents"][lang], agency["validity"][lang],
                         format_number(int(agency.get("cost_rials") or 0), lang), time, electronic, remarks])
    return rows
