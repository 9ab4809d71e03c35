"""The service card's Form 2: one row per agency the service inquires, declared columns beside measured ones."""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.messages import format_number

from ...models import Inquiry
from .register import agencies


def form_two_rows(session: Session, lang: str, *, start: datetime, end: datetime,
                  provinces: list[str] | None) -> list[list[str]]:
    """Form 2's rows: [row, agency, items, other, documents, validity, cost, time, electronic, remarks]."""
    query = select(Inquiry).where(Inquiry.sent_at >= start, Inquiry.sent_at < end)
    if provinces is not None:
        query = query.where(Inquiry.province.in_(provinces))
    sent = list(session.scalars(query))
    rows: list[list[str]] = []
    with force_locale(lang):
        for agency_id, agency in agencies().items():
            mine = [i for i in sent if i.agency == agency_id]
            answered = [i for i in mine if i.answered_at is not None]
            time = gettext("declared %(days)s days", days=format_number(agency.get("time_days") or 0, lang))
            if answered:
                days = sum((i.answered_at - i.sent_at).total_seconds() for i in answered) / 86400 / len(answered)
                time += ("؛ " if lang == "fa" else "; ") + gettext(
                    "measured %(days)s days", days=format_number(round(days, 1), lang))
            electronic = gettext("Electronic") if agency.get("electronic") else gettext("Non-electronic")
            if answered:
                share = 100 * sum(1 for i in answered if i.by_api) / len(answered)
                electronic += " (" + gettext("%(share)s%% answered through the API",
                                             share=format_number(round(share), lang)) + ")"
            remarks = gettext("%(sent)s sent, %(answered)s answered, %(late)s escalated",
                              sent=format_number(len(mine), lang), answered=format_number(len(answered), lang),
                              late=format_number(sum(1 for i in mine if i.escalated_at), lang))
            rows.append([format_number(len(rows) + 1, lang), agency["name"][lang], agency["items"][lang], "—",
                         agency["documents"][lang], agency["validity"][lang],
                         format_number(int(agency.get("cost_rials") or 0), lang), time, electronic, remarks])
    return rows
