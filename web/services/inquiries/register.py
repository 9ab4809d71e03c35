"""Writing the inquiries register from the agency_inquiry process, in the same transaction as its steps.

The process names the inquiry by ``inquiry_key``; the register follows what its data says: sent, answered
(by the expert's ``inquiry_answer`` form, or through the API: ``inquiry_answer_source == "api"``), escalated.
"""
from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...config import shipped_dir
from ...models import Inquiry, ProcessInstance, TaskRecord

AGENCIES_FILE = shipped_dir("processes") / "inquiries" / "agencies.json"


@lru_cache(maxsize=1)
def agencies() -> dict[str, dict[str, Any]]:
    """The agencies the service inquires, with their contact details and the declared Form 2 columns."""
    loaded: dict[str, dict[str, Any]] = json.loads(AGENCIES_FILE.read_text(encoding="utf-8"))
    return loaded


def record_inquiry_state(session: Session, instance: ProcessInstance, facts: Mapping[str, Any],
                         now: datetime) -> None:
    key = facts.get("inquiry_key")
    if not isinstance(key, str) or not key:
        return
    inquiry = session.scalar(select(Inquiry).where(Inquiry.key == key))
    if inquiry is None:
        inquiry = Inquiry(key=key, agency=str(facts.get("inquiry_agency") or ""), province=instance.province or "",
                          instance_id=instance.id, case_key=facts.get("case_key"),
                          items=facts.get("inquiry_items"), sent_at=now, by_api=False)
        session.add(inquiry)
    if facts.get("inquiry_answer_source") == "api" and inquiry.answered_at is None:
        inquiry.answered_at, inquiry.answer, inquiry.by_api = now, facts.get("answer_text"), True
    if facts.get("inquiry_escalated") and inquiry.escalated_at is None:
        inquiry.escalated_at = now


def record_inquiry_task(session: Session, instance: ProcessInstance, task: TaskRecord, data: Mapping[str, Any],
                        facts: Mapping[str, Any], now: datetime) -> None:
    if task.form_id != "inquiry_answer":
        return
    inquiry = session.scalar(select(Inquiry).where(Inquiry.key == facts.get("inquiry_key")))
    if inquiry is not None and inquiry.answered_at is None:
        inquiry.answered_at, inquiry.answer = now, data.get("answer_text")
