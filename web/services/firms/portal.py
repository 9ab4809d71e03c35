"""What firms and the public read: a province's clusters in development and its open calls (public, no firm
data), and a firm representative's home (their firms' cluster stage, meetings, joint actions, announcements,
open tasks).

A firm representative reaches cluster-level information only here, never through the staff case pages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import to_jalali
from engine.clock import Clock

from ...models import (Announcement, Cluster, Firm, JointAction, JointActionDelivery, JointActionFeedback,
                       JointActionRegistration, Meeting, ProcessInstance, SurveyResponse, TaskRecord)
from ...reference import provinces
from ..actors import Actor
from ..errors import NotFound
from .participation import cost_share

CASE_PROCESS = "cluster_case"
FIRM_PROCESSES = ("firm_survey", "firm_interest", "firm_joint_actions", "firm_feedback")
# stages in which the cluster's firms are called to declare their interest (after the feasibility study)
INTEREST_STAGES = ("permit", "contracts", "diagnostic", "council_formation")


@dataclass(frozen=True)
class OpenCall:
    kind: str              # interest | survey | joint_actions
    since: datetime
    items: list[str] = field(default_factory=list)   # the joint actions open for registration


@dataclass(frozen=True)
class PublicCluster:
    name: str
    stage: str | None
    since: datetime
    calls: list[OpenCall]


@dataclass(frozen=True)
class PublicPage:
    province: str
    clusters: list[PublicCluster]


def public_clusters(session: Session, province: str) -> PublicPage:
    """The running cluster cases of ``province`` and their open calls; public information only.

    :raise NotFound: no such province.
    """
    if province not in provinces():
        raise NotFound(f"no province '{province}'")
    cases = list(session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == CASE_PROCESS, ProcessInstance.province == province,
        ProcessInstance.status == "running").order_by(ProcessInstance.started_at)))
    names = _cluster_names(session, [c.cluster_id for c in cases])
    return PublicPage(province, [PublicCluster(names.get(c.cluster_id) or c.title or "", c.stage, c.started_at,
                                               _calls(session, c)) for c in cases])


def _cluster_names(session: Session, ids: list[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(session.execute(select(Cluster.id, Cluster.name).where(Cluster.id.in_(wanted))).all())


def _calls(session: Session, case: ProcessInstance) -> list[OpenCall]:
    calls = []
    # each kind's newest per-firm case still open, by its start (the call's date)
    running = dict(session.execute(select(ProcessInstance.process_id, func.max(ProcessInstance.started_at)).where(
        ProcessInstance.parent_id == case.id, ProcessInstance.status == "running",
        ProcessInstance.process_id.in_(("firm_interest", "firm_survey", "firm_joint_actions")))
        .group_by(ProcessInstance.process_id)).all())
    if case.stage in INTEREST_STAGES:   # open to every firm of the cluster, represented in the portal or not
        calls.append(OpenCall("interest", running.get("firm_interest") or case.updated_at))
    if "firm_survey" in running:
        calls.append(OpenCall("survey", running["firm_survey"]))
    if "firm_joint_actions" in running:
        year = session.scalar(select(JointAction.plan_year).where(JointAction.case_id == case.id)
                              .order_by(JointAction.plan_year.desc()).limit(1))
        titles = list(session.scalars(select(JointAction.title).where(
            JointAction.case_id == case.id, JointAction.plan_year == year).order_by(JointAction.id)))
        calls.append(OpenCall("joint_actions", running["firm_joint_actions"], titles))
    return calls


@dataclass(frozen=True)
class FirmJointAction:
    id: int
    title: str
    action_type: str | None
    plan_year: int
    cost_share: int | None
    registered: bool
    participants: int | None
    done_at: datetime | None
    report: str | None
    has_document: bool
    satisfaction: int | None


@dataclass(frozen=True)
class FirmTask:
    id: str
    name: str
    name_en: str | None
    due_at: datetime | None


@dataclass(frozen=True)
class FirmHome:
    firm_id: int
    firm_name: str
    cluster_name: str | None
    case_id: int | None
    stage: str | None
    meetings: list[Meeting]
    joint_actions: list[FirmJointAction]
    announcements: list[Announcement]
    tasks: list[FirmTask]
    surveys: list[int]          # the firm's answered surveys (survey case ids), for reading back


def firm_homes(session: Session, actor: Actor, clock: Clock) -> list[FirmHome]:
    """One home per firm the actor acts for (none for anyone else)."""
    homes = []
    for firm in session.scalars(select(Firm).where(Firm.id.in_(sorted(actor.firm_ids))).order_by(Firm.name)):
        homes.append(_home(session, firm, clock.now()))
    return homes


def cluster_case_of(session: Session, cluster_id: int | None) -> ProcessInstance | None:
    """The cluster's newest development case (running or not)."""
    if cluster_id is None:
        return None
    return session.scalar(select(ProcessInstance).where(
        ProcessInstance.process_id == CASE_PROCESS, ProcessInstance.cluster_id == cluster_id)
        .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc()).limit(1))


def _home(session: Session, firm: Firm, now: datetime) -> FirmHome:
    case = cluster_case_of(session, firm.cluster_id)
    cluster = session.get(Cluster, firm.cluster_id) if firm.cluster_id is not None else None
    tasks = [FirmTask(t.id, t.name, t.name_en, t.due_at) for t in session.scalars(
        select(TaskRecord).where(TaskRecord.firm_id == firm.id, TaskRecord.status == "open")
        .order_by(TaskRecord.due_at, TaskRecord.created_at))]
    surveys = list(session.scalars(select(SurveyResponse.survey_case_id).where(SurveyResponse.firm_id == firm.id)
                                   .order_by(SurveyResponse.answered_at.desc())))
    if case is None:
        return FirmHome(firm.id, firm.name, cluster.name if cluster else None, None, None, [], [], [], tasks, surveys)
    today = to_jalali(now)
    meetings = [m for m in session.scalars(select(Meeting).where(Meeting.instance_id == case.id,
                                                                 Meeting.held_on.is_(None))
                                           .order_by(Meeting.meeting_date)) if (m.meeting_date or "") >= today]
    announcements = list(session.scalars(select(Announcement).where(Announcement.case_id == case.id)
                                         .order_by(Announcement.posted_at.desc()).limit(20)))
    return FirmHome(firm.id, firm.name, cluster.name if cluster else case.title, case.id, case.stage, meetings,
                    firm_joint_actions(session, case.id, firm.id), announcements, tasks, surveys)


def firm_joint_actions(session: Session, case_id: int, firm_id: int) -> list[FirmJointAction]:
    """The case's joint actions (newest plan year first) as one firm sees them: its registration, delivery,
    its own feedback."""
    rows = session.execute(
        select(JointAction, JointActionRegistration, JointActionDelivery, JointActionFeedback)
        .outerjoin(JointActionRegistration, (JointActionRegistration.joint_action_id == JointAction.id)
                   & (JointActionRegistration.firm_id == firm_id))
        .outerjoin(JointActionDelivery, JointActionDelivery.joint_action_id == JointAction.id)
        .outerjoin(JointActionFeedback, (JointActionFeedback.joint_action_id == JointAction.id)
                   & (JointActionFeedback.firm_id == firm_id))
        .where(JointAction.case_id == case_id).order_by(JointAction.plan_year.desc(), JointAction.id)).all()
    return [FirmJointAction(a.id, a.title, a.action_type, a.plan_year,
                            r.cost_share if r is not None else cost_share(a), r is not None,
                            r.participants if r is not None else None, d.done_at if d is not None else None,
                            d.report if d is not None else None,
                            d is not None and d.attachment_id is not None and r is not None,
                            f.satisfaction if f is not None else None)
            for a, r, d, f in rows]
