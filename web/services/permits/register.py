"""Writing the permits register from the steps of a case and of its permit's life, in the same transaction.

- ``permit_decision`` (cluster_case, the parent organization's answer) or the permit arriving by message:
  the permit and its issue request (requested when the official request was sent);
- ``permit_renewal_request`` / ``permit_renewal_decision`` (permit_lifecycle): a renewal and its outcome;
- ``permit_change_decision`` (permit_change): an amendment or a cancellation.
Each also leaves an event in the case's history.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from flask_babel import gettext

from ...models import Permit, PermitRequest, ProcessInstance, TaskRecord
from ..errors import InvalidInput
from ..event_log import append_event
from .kinds import DEFAULT_KIND, add_months, permit_kinds


def record_permit_task(session: Session, instance: ProcessInstance, task: TaskRecord, data: Mapping[str, Any],
                       facts: Mapping[str, Any], now: datetime) -> None:
    if task.form_id == "permit_decision":
        _issued(session, instance, data, facts, now, actor=task.completed_by)
    elif task.form_id == "permit_renewal_request":
        permit = _permit_of(session, instance, facts)
        if permit is not None:
            session.add(PermitRequest(permit_id=permit.id, kind=permit.kind, type="renewal",
                                      province=permit.province, instance_id=instance.id, requested_at=now,
                                      data=dict(data)))
    elif task.form_id == "permit_renewal_decision":
        _renewal_decided(session, instance, data, facts, now, actor=task.completed_by)
    elif task.form_id == "permit_change_decision":
        _changed(session, instance, data, facts, now, actor=task.completed_by)


def record_permit_state(session: Session, instance: ProcessInstance, facts: Mapping[str, Any], now: datetime) -> None:
    """A permit that arrived by message (no user task): registered once, when the case records it.

    A permit change must name a case that holds a permit in its province.

    :raise InvalidInput: at ``case_key`` for a change of a permit that is not in the register.
    """
    if instance.process_id == "permit_change" and _permit_of(session, instance, facts) is None:
        key = str(facts.get("case_key") or "")[:120]
        raise InvalidInput(f"no permit of case {key!r} in the register",
                           {"case_key": [gettext("No case with this key holds a permit in this province.")]})
    if facts.get("permit_source") == "message" and facts.get("permit_status") == "issued" and \
            session.scalar(select(Permit.id).where(Permit.case_id == instance.id)) is None:
        _issued(session, instance, facts, facts, now, actor=None)


def _issued(session: Session, instance: ProcessInstance, data: Mapping[str, Any], facts: Mapping[str, Any],
            now: datetime, actor: str | None) -> None:
    kind = permit_kinds()[DEFAULT_KIND]
    requested = session.scalar(select(TaskRecord.completed_at).where(
        TaskRecord.instance_id == instance.id, TaskRecord.form_id == "official_request",
        TaskRecord.status == "completed").order_by(TaskRecord.completed_at.desc()).limit(1)) or instance.started_at
    granted = data.get("permit_status") == "issued"
    permit = None
    if granted:
        issued_on = data.get("permit_date") if isinstance(data.get("permit_date"), str) else None
        permit = Permit(kind=kind.id, province=instance.province or "", case_id=instance.id,
                        case_key=facts.get("case_key"), number=data.get("permit_no"), issued_on=issued_on,
                        valid_until=add_months(issued_on, kind.validity_months) if issued_on else None,
                        status="active", recorded_at=now)
        session.add(permit)
        session.flush()
    session.add(PermitRequest(permit_id=permit.id if permit else None, kind=kind.id, type="issue",
                              province=instance.province or "", instance_id=instance.id, requested_at=requested,
                              decided_at=now, outcome="granted" if granted else "refused",
                              data={k: v for k, v in data.items() if k.startswith("permit_")}))
    _note(session, instance.id, "permit_issued" if granted else "permit_refused", now, actor,
          {"number": data.get("permit_no"), "valid_until": permit.valid_until if permit else None})


def _permit_of(session: Session, instance: ProcessInstance, facts: Mapping[str, Any]) -> Permit | None:
    """The permit a lifecycle or change instance is about: its parent case's, or the one of its case key."""
    query = select(Permit).where(Permit.province == (instance.province or facts.get("province")))
    if instance.parent_id is not None:
        found = session.scalar(query.where(Permit.case_id == instance.parent_id).order_by(Permit.id.desc()))
        if found is not None:
            return found
    key = facts.get("case_key")
    return session.scalar(query.where(Permit.case_key == key).order_by(Permit.id.desc())) if key else None


def _renewal_decided(session: Session, instance: ProcessInstance, data: Mapping[str, Any],
                     facts: Mapping[str, Any], now: datetime, actor: str | None) -> None:
    permit = _permit_of(session, instance, facts)
    if permit is None:
        return
    request = session.scalar(select(PermitRequest).where(
        PermitRequest.permit_id == permit.id, PermitRequest.type == "renewal", PermitRequest.decided_at.is_(None))
        .order_by(PermitRequest.id.desc()))
    renewed = data.get("renewal_outcome") == "renewed"
    if request is not None:
        request.decided_at, request.outcome = now, "granted" if renewed else "refused"
    if renewed:
        permit.valid_until = data.get("renewed_until") or permit.valid_until
    else:
        permit.status = "expired"
    _note(session, permit.case_id, "permit_renewed" if renewed else "permit_not_renewed", now, actor,
          {"number": permit.number, "valid_until": permit.valid_until})


def _changed(session: Session, instance: ProcessInstance, data: Mapping[str, Any], facts: Mapping[str, Any],
             now: datetime, actor: str | None) -> None:
    permit = _permit_of(session, instance, facts)
    change = facts.get("change_type") if facts.get("change_type") in ("amendment", "cancellation") else "amendment"
    approved = data.get("change_outcome") == "approved"
    session.add(PermitRequest(permit_id=permit.id if permit else None, kind=permit.kind if permit else DEFAULT_KIND,
                              type=change, province=instance.province or "", instance_id=instance.id,
                              requested_at=instance.started_at, decided_at=now,
                              outcome="granted" if approved else "refused",
                              data={"reason": facts.get("change_reason"), **dict(data)}))
    if permit is None or not approved:
        return
    if change == "cancellation":
        permit.status = "cancelled"
    elif data.get("new_valid_until"):
        permit.valid_until = data["new_valid_until"]
    _note(session, permit.case_id, f"permit_{'cancelled' if change == 'cancellation' else 'amended'}", now, actor,
          {"number": permit.number, "valid_until": permit.valid_until, "reason": facts.get("change_reason")})


def _note(session: Session, case_id: int | None, action: str, now: datetime, actor: str | None,
          data: dict[str, Any]) -> None:
    if case_id is not None:
        append_event(session, case_id, action, now, actor=actor, data=data)
