"""The CDA's side of firms' participation in a cluster case: who answered the survey, who registered for
which joint action, marking a joint action done (which asks its firms for feedback), announcements, and the
figures the yearly evaluation reads (firms taking part, mean satisfaction)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.clock import Clock

from ...models import (Announcement, Attachment, Cluster, Firm, JointAction, JointActionDelivery, JointActionFeedback,
                       JointActionRegistration, ProcessDefinition, ProcessInstance)
from ...runtime import Runtime
from ..actors import Actor
from ..attachments import discard, may_see_case, store
from ..closures import refresh_calendar
from ..errors import Conflict, Forbidden, InstanceNotFound, InvalidInput, NotFound
from ..projection import record
from ..routing import route
from ..uow import UnitOfWork
from .survey import InterestCount, SurveyCount, Tally, interest_count, survey_count, survey_tallies

CASE_PROCESS = "cluster_case"
# who speaks to the cluster's firms for the case: the development agent, and the provincial cluster expert
POSTING_ROLES = frozenset({"cda", "cluster_expert"})
DONE_MESSAGE = "joint_action_done"
DOCUMENT_FIELD = "joint_action_document"
# the cluster case's tasks whose pages show the firms' figures (the diagnostic study, the plan, its evaluation)
FIGURE_TASKS = frozenset({"diagnostic_study", "review_diagnostic", "draft_action_plan", "annual_report",
                          "yearly_evaluation"})
MAX_TITLE, MAX_BODY, MAX_REPORT = 200, 4000, 4000


@dataclass(frozen=True)
class Registration:
    firm_name: str
    participants: int | None
    cost_share: int | None
    registered_at: datetime


@dataclass(frozen=True)
class ActionParticipation:
    id: int
    title: str
    plan_year: int
    action_type: str | None
    registrations: list[Registration]
    done_at: datetime | None
    report: str | None
    has_document: bool
    feedback_count: int
    mean_satisfaction: float | None


@dataclass(frozen=True)
class Figures:
    """What the yearly evaluation reads: firms taking part in a joint action, and their mean satisfaction."""
    firms_participating: int
    registrations: int
    feedback_count: int
    mean_satisfaction: float | None


@dataclass(frozen=True)
class CaseParticipation:
    case_id: int
    title: str
    cluster_name: str | None
    survey: SurveyCount
    interest: InterestCount
    tallies: list[Tally]
    answered: list[tuple[int, str]]    # (survey case id, firm name), to read each firm's answers
    actions: list[ActionParticipation]
    figures: Figures
    announcements: list[Announcement]
    may_post: bool


def _case(session: Session, actor: Actor, case_id: int) -> ProcessInstance:
    case = session.get(ProcessInstance, case_id)
    if case is None or case.process_id != CASE_PROCESS or actor.for_firms or not may_see_case(session, actor, case):
        raise InstanceNotFound(f"no case {case_id}")
    return case


def may_post(actor: Actor, case: ProcessInstance) -> bool:
    return not actor.for_firms and bool(actor.case_roles & POSTING_ROLES) and actor.sees_cases_in(case.province)


def figures(session: Session, case_id: int, plan_year: int | None = None) -> Figures:
    """Firms taking part in the case's joint actions (of ``plan_year``, or all years) and their satisfaction."""
    scope = [JointAction.case_id == case_id] + ([JointAction.plan_year == plan_year] if plan_year else [])
    firms, registrations = session.execute(
        select(func.count(func.distinct(JointActionRegistration.firm_id)), func.count(JointActionRegistration.id))
        .join(JointAction, JointAction.id == JointActionRegistration.joint_action_id).where(*scope)).one()
    count, mean = session.execute(
        select(func.count(JointActionFeedback.id), func.avg(JointActionFeedback.satisfaction))
        .join(JointAction, JointAction.id == JointActionFeedback.joint_action_id).where(*scope)).one()
    return Figures(int(firms or 0), int(registrations or 0), int(count or 0),
                   None if mean is None else round(float(mean), 2))


def case_participation(session: Session, actor: Actor, case_id: int, locale: str) -> CaseParticipation:
    """The firms' participation in a cluster case, for staff who may read the case.

    :raise InstanceNotFound: no such cluster case, or not visible to the actor (firm representatives never).
    """
    case = _case(session, actor, case_id)
    cluster = session.get(Cluster, case.cluster_id) if case.cluster_id is not None else None
    answered = [(sid, name) for sid, name in session.execute(
        select(ProcessInstance.id, Firm.name).join(Firm, Firm.id == ProcessInstance.firm_id)
        .where(ProcessInstance.parent_id == case.id, ProcessInstance.process_id == "firm_survey",
               ProcessInstance.status == "completed").order_by(Firm.name))]
    return CaseParticipation(case.id, case.title or "", cluster.name if cluster else None,
                             survey_count(session, case.id), interest_count(session, case.id),
                             survey_tallies(session, case.id, locale), answered,
                             _actions(session, case.id), figures(session, case.id),
                             list(session.scalars(select(Announcement).where(Announcement.case_id == case.id)
                                                  .order_by(Announcement.posted_at.desc()))),
                             may_post(actor, case))


def _actions(session: Session, case_id: int) -> list[ActionParticipation]:
    regs: dict[int, list[Registration]] = {}
    for reg, name in session.execute(
            select(JointActionRegistration, Firm.name).join(Firm, Firm.id == JointActionRegistration.firm_id)
            .join(JointAction, JointAction.id == JointActionRegistration.joint_action_id)
            .where(JointAction.case_id == case_id).order_by(Firm.name)):
        regs.setdefault(reg.joint_action_id, []).append(
            Registration(name, reg.participants, reg.cost_share, reg.registered_at))
    feedback = {aid: (n, mean) for aid, n, mean in session.execute(
        select(JointActionFeedback.joint_action_id, func.count(JointActionFeedback.id),
               func.avg(JointActionFeedback.satisfaction))
        .join(JointAction, JointAction.id == JointActionFeedback.joint_action_id)
        .where(JointAction.case_id == case_id).group_by(JointActionFeedback.joint_action_id))}
    rows = session.execute(select(JointAction, JointActionDelivery)
                           .outerjoin(JointActionDelivery, JointActionDelivery.joint_action_id == JointAction.id)
                           .where(JointAction.case_id == case_id)
                           .order_by(JointAction.plan_year.desc(), JointAction.id)).all()
    out = []
    for action, done in rows:
        n, mean = feedback.get(action.id, (0, None))
        out.append(ActionParticipation(action.id, action.title, action.plan_year, action.action_type,
                                       regs.get(action.id, []), done.done_at if done else None,
                                       done.report if done else None, bool(done and done.attachment_id), int(n),
                                       None if mean is None else round(float(mean), 2)))
    return out


def post_announcement(case_id: int, title: str | None, body: str | None, *, actor: Actor, uow: UnitOfWork,
                      clock: Clock) -> int:
    """An announcement to the cluster case's firms (shown on their home pages); its id.

    :raise InstanceNotFound: no such cluster case visible to the actor.
    :raise Forbidden: not the case's CDA or cluster expert.
    :raise InvalidInput: no title or text, or too long.
    """
    title, body = (title or "").strip(), (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not title or len(title) > MAX_TITLE:
        errors["title"] = [f"a title of 1 to {MAX_TITLE} characters is required"]
    if not body or len(body) > MAX_BODY:
        errors["body"] = [f"a text of 1 to {MAX_BODY} characters is required"]
    with uow:
        case = _case(uow.session, actor, case_id)
        if not may_post(actor, case):
            raise Forbidden("announcements are posted by the case's development agent or cluster expert")
        if errors:
            raise InvalidInput("; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
        row = Announcement(case_id=case.id, title=title, body=body, posted_by=actor.username, posted_at=clock.now())
        uow.session.add(row)
        uow.session.flush()
        record(uow.session, case, "announcement_posted", clock.now(), actor=actor.username,
               data={"announcement_id": row.id, "title": title})
        uow.commit()
        return row.id


def mark_done(case_id: int, joint_action_id: int, report: str | None, *, actor: Actor, uow: UnitOfWork,
              runtime: Runtime, clock: Clock, document: tuple[BinaryIO, str] | None = None,
              data_dir: Path | None = None) -> int:
    """Record a joint action as done, with its report and a document for the firms (``document``: a stream and
    its file name, kept under ``data_dir``), and ask each firm registered for it for feedback (message
    ``joint_action_done``: one firm_feedback case per firm); the number of firms asked.

    :raise InstanceNotFound: no such cluster case visible to the actor.
    :raise NotFound: no such joint action in the case.
    :raise Forbidden: not the case's CDA or cluster expert.
    :raise Conflict: already done.
    :raise InvalidInput: a report too long, a document refused (see attachments.check_upload).
    """
    report = (report or "").strip() or None
    if report is not None and len(report) > MAX_REPORT:
        raise InvalidInput(f"report: at most {MAX_REPORT} characters", {"report": [f"at most {MAX_REPORT} characters"]})
    with uow:
        session = uow.session
        # the case's row is locked first: two marks of one action cannot both pass the check below
        session.scalar(select(ProcessInstance.id).where(ProcessInstance.id == case_id).with_for_update())
        case = _case(session, actor, case_id)
        if not may_post(actor, case):
            raise Forbidden("joint actions are marked done by the case's development agent or cluster expert")
        action = session.get(JointAction, joint_action_id)
        if action is None or action.case_id != case.id:
            raise NotFound(f"no joint action {joint_action_id} in case {case_id}")
        if session.get(JointActionDelivery, action.id) is not None:
            raise Conflict(f"joint action {joint_action_id} is already done")
        now = clock.now()
        stored = None
        if document is not None and data_dir is not None:
            stored = store(session, data_dir, document[0], document[1], instance_id=case.id, task_id=None,
                           field=DOCUMENT_FIELD, actor=actor, clock=clock)
        try:
            firm_ids = _deliver(session, case, action, report, stored.id if stored else None, actor, runtime, now)
            uow.commit()
        except BaseException:
            if stored is not None and data_dir is not None:
                discard(data_dir, [stored])
            raise
        return len(firm_ids)


def _deliver(session: Session, case: ProcessInstance, action: JointAction, report: str | None,
             attachment_id: str | None, actor: Actor, runtime: Runtime, now: datetime) -> list[int]:
    """Store the delivery and start the registered firms' feedback cases; the firms asked."""
    session.add(JointActionDelivery(joint_action_id=action.id, report=report, attachment_id=attachment_id,
                                    done_by=actor.username, done_at=now))
    firm_ids = sorted(session.scalars(select(JointActionRegistration.firm_id).where(
        JointActionRegistration.joint_action_id == action.id)))
    record(session, case, "joint_action_done", now, actor=actor.username,
           data={"joint_action_id": action.id, "title": action.title, "firms": len(firm_ids)})
    cluster = session.get(Cluster, case.cluster_id) if case.cluster_id is not None else None
    if firm_ids and _feedback_deployed(session):
        refresh_calendar(runtime, session)
        route(session, case, DONE_MESSAGE, {
            "joint_action_id": action.id, "joint_action_title": action.title,
            "cluster_name": cluster.name if cluster else (case.title or ""),
            "title": f"بازخورد اقدام مشترک {action.title}", "firm_ids": firm_ids},
            runtime, now, actor.username, 0)
    return firm_ids


def _feedback_deployed(session: Session) -> bool:
    return session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.start_message == DONE_MESSAGE)
                          .limit(1)) is not None


@dataclass(frozen=True)
class Summary:
    case_id: int
    survey: SurveyCount
    figures: Figures


def summary(session: Session, actor: Actor, case: ProcessInstance, element_id: str | None = None) -> Summary | None:
    """The firms' figures shown on a cluster case's page and on its tasks that read them (``element_id``); None
    for other cases and tasks, and for firm representatives. The caller has checked that the actor may read the
    case."""
    if case.process_id != CASE_PROCESS or actor.for_firms:
        return None
    if element_id is not None and element_id not in FIGURE_TASKS:
        return None
    return Summary(case.id, survey_count(session, case.id), figures(session, case.id))


def delivery_document(session: Session, data_dir: Path, actor: Actor, joint_action_id: int) -> tuple[Attachment, Path]:
    """The document of a done joint action: for the firms registered for it, and staff who may read its case.

    :raise NotFound: no document, or not the actor's to read.
    """
    delivery = session.get(JointActionDelivery, joint_action_id)
    attachment = session.get(Attachment, delivery.attachment_id) if delivery and delivery.attachment_id else None
    if attachment is None:
        raise NotFound(f"no document for joint action {joint_action_id}")
    if actor.for_firms:
        allowed = session.scalar(select(JointActionRegistration.id).where(
            JointActionRegistration.joint_action_id == joint_action_id,
            JointActionRegistration.firm_id.in_(sorted(actor.firm_ids))).limit(1)) is not None
    else:
        case = session.get(ProcessInstance, attachment.instance_id)
        allowed = case is not None and may_see_case(session, actor, case)
    if not allowed:
        raise NotFound(f"no document for joint action {joint_action_id}")
    return attachment, data_dir / attachment.path
