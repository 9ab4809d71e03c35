"""Enrolling firms' representatives, as BPMN cases: the provincial company's invitations
(processes/firm_enrolment.bpmn) and the cluster expert's confirmation of a self-registration
(processes/firm_registration.bpmn).

Two hooks run inside the case's transaction: :func:`start_data` fills an invitation case's data from the
firm register when it starts (the firms of the named cluster case), and :func:`record_enrolment_task` carries
out a completed invitation or review task (people, links, SMS). Either refuses bad input at the field,
and then nothing of the action is recorded.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Cluster, Firm, FirmRepresentation, ProcessInstance, TaskRecord, User
from ..actors import Actor
from ..errors import InvalidInput
from .late_calls import queue_join
from .people import find_or_create_person, link
from .texting import queue_invitation, queue_outcome

INVITATION_PROCESS = "firm_enrolment"
REGISTRATION_PROCESS = "firm_registration"
CLUSTER_PROCESS = "cluster_case"


def developing_case(session: Session, cluster_id: int | None) -> ProcessInstance | None:
    """The running development case of a cluster (None: the cluster is not being developed)."""
    if cluster_id is None:
        return None
    return session.scalar(select(ProcessInstance).where(
        ProcessInstance.process_id == CLUSTER_PROCESS, ProcessInstance.cluster_id == cluster_id,
        ProcessInstance.status == "running").order_by(ProcessInstance.id.desc()).limit(1))


def start_data(session: Session, process_id: str, clean: dict[str, Any], province: str | None,
               actor: Actor) -> dict[str, Any]:
    """An invitation case's start data with its cluster and the cluster's firms of the register (one
    invitation row prepared for each firm nobody represents yet); other processes' data as it is.

    :raise InvalidInput: at ``cluster_case``: no running cluster case of that number in the actor's province,
        or its cluster has no firms in the register yet.
    """
    if process_id != INVITATION_PROCESS:
        return clean
    case = session.get(ProcessInstance, clean.get("cluster_case") or 0)
    if case is None or case.process_id != CLUSTER_PROCESS or case.cluster_id is None or \
            case.province != province or not actor.sees_case(case.province, case.firm_id):
        raise InvalidInput("no such cluster case", {"cluster_case": [gettext(
            "No cluster development case with this number and a registered cluster is in this province.")]})
    firms = list(session.scalars(select(Firm).where(Firm.cluster_id == case.cluster_id).order_by(Firm.name)))
    if not firms:
        raise InvalidInput("no firms registered", {"cluster_case": [gettext(
            "The firm register has no firms of this cluster yet (the feasibility study lists them).")]})
    represented = set(session.scalars(select(FirmRepresentation.firm_id).where(
        FirmRepresentation.firm_id.in_([f.id for f in firms]),
        FirmRepresentation.status.in_(("invited", "confirmed")))))
    cluster = session.get(Cluster, case.cluster_id)
    return {**clean, "cluster_id": case.cluster_id, "cluster_name": cluster.name if cluster else "",
            "title": gettext("Invitations of the firms of %(cluster)s", cluster=cluster.name if cluster else ""),
            "register_firms": [{"national_id": f.national_id, "name": f.name} for f in firms],
            "invitations": [{"firm": f.national_id} for f in firms if f.id not in represented]}


def record_enrolment_task(session: Session, instance: ProcessInstance, task: TaskRecord, data: Mapping[str, Any],
                     facts: Mapping[str, Any], now: datetime) -> None:
    """Carry out a completed invitation or registration review (records.py's hook)."""
    if task.form_id == "firm_invitations" and instance.process_id == INVITATION_PROCESS:
        if instance.cluster_id is None and isinstance(facts.get("cluster_id"), int):
            instance.cluster_id = facts["cluster_id"]   # the cluster named when the case started
        invite(session, instance, data.get("invitations") or [], task.completed_by, now)
    elif task.form_id == "firm_registration_review" and instance.process_id == REGISTRATION_PROCESS:
        decide(session, instance, facts.get("applicant_id"), str(data.get("decision")), task.completed_by, now)


def invite(session: Session, instance: ProcessInstance, rows: list[Mapping[str, Any]], by: str | None,
           now: datetime) -> None:
    """Create or find each representative, link them to their firm (invited) and queue their SMS.

    :raise InvalidInput: at ``invitations``, naming the row: a firm outside the case's cluster, a national id
        and mobile that belong to different people or to staff.
    """
    for number, row in enumerate(rows, start=1):
        firm = session.scalar(select(Firm).where(Firm.national_id == str(row.get("firm") or "")))
        if firm is None or firm.cluster_id != instance.cluster_id:
            raise InvalidInput("firm outside the cluster", {"invitations": [gettext(
                "Row %(row)d: this firm is not one of the cluster's registered firms.", row=number)]})
        try:
            person = find_or_create_person(session, str(row["national_id"]), str(row["mobile"]),
                                           str(row.get("full_name") or ""), now)
        except InvalidInput as exc:
            reason = next(iter(exc.errors.values()))[0]
            raise InvalidInput(str(exc), {"invitations": [gettext("Row %(row)d: %(reason)s", row=number,
                                                                  reason=reason)]}) from None
        link(session, person, firm, "invited", by, now)
        queue_invitation(session, person.mobile or "", person.display_name or "", firm.name, now)


def decide(session: Session, instance: ProcessInstance, person_id: Any, decision: str, by: str | None,
           now: datetime) -> None:
    """Confirm (or reject) the pending representation of ``person_id`` for the firm the registration case is
    about, and tell the person by SMS."""
    row = session.scalar(select(FirmRepresentation).where(FirmRepresentation.firm_id == instance.firm_id,
                                                          FirmRepresentation.user_id == person_id))
    firm = session.get(Firm, instance.firm_id)
    person = session.get(User, person_id) if isinstance(person_id, int) else None
    if row is None or firm is None or person is None or row.status != "pending":
        return   # revoked or confirmed otherwise meanwhile: nothing to change
    confirmed = decision == "confirm"
    row.status = "confirmed" if confirmed else "revoked"
    row.confirmed_by, row.confirmed_at = (by, now) if confirmed else (None, None)
    if confirmed:
        queue_join(session, firm.id, now)
    queue_outcome(session, person.mobile or "", firm.name, confirmed, now)

