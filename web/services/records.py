"""Writing the register (clusters, rankings, firms, joint actions, meetings) from what a case records.

Two hooks, both inside the action's transaction: :func:`record_task` with the clean data
of a completed task (by its form), and :func:`record_state` with the case's data after the
process ran (for what scripts and decisions computed, such as a round's ranking).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import Cluster, ClusterRanking, Firm, JointAction, Meeting, ProcessInstance, Resolution, TaskRecord
from .firms.enrolment import record_enrolment_task
from .firms.participation import record_participation_task
from .inquiries import record_inquiry_state, record_inquiry_task
from .letters import issue_for_task
from .permits import record_permit_state, record_permit_task

CLUSTER_FIELDS = ("name", "isic4", "subsector", "counties", "firms_micro", "firms_small", "firms_medium",
                  "employment", "output", "value_added", "exports", "growth_3y", "lq")
ACTION_FIELDS = ("title", "pillar", "horizon", "action_type", "lead_institution", "firms_n", "budget_total",
                 "budget_isipo", "budget_others", "kpi", "kpi_baseline", "kpi_target")
BODIES = {"committee_approval": "committee", "council_approval": "council"}


def record_task(session: Session, instance: ProcessInstance, task: TaskRecord, data: Mapping[str, Any],
                facts: Mapping[str, Any], now: datetime) -> None:
    """Register what a completed task's form carries (``facts``: the task's data before it ran),
    and issue the letters it calls for (``processes/letters/kinds.json``)."""
    issue_for_task(session, instance, task, data, facts, now)
    record_permit_task(session, instance, task, data, facts, now)
    record_inquiry_task(session, instance, task, data, facts, now)
    record_enrolment_task(session, instance, task, data, facts, now)
    record_participation_task(session, instance, task, data, facts, now)
    if task.form_id == "candidate_register" and instance.province:
        for candidate in data.get("candidates") or []:
            upsert_cluster(session, instance.province, candidate, now)
    elif task.form_id == "feasibility_report":
        for firm in data.get("firms") or []:
            _upsert_firm(session, instance, firm, now)
    elif task.form_id == "action_plan":
        year = facts["plan_year"] if isinstance(facts.get("plan_year"), int) and facts["plan_year"] > 0 else 1
        # a plan sent back and drafted again replaces the earlier draft of that year
        session.execute(delete(JointAction).where(JointAction.case_id == instance.id, JointAction.plan_year == year))
        for action in data.get("joint_actions") or []:
            session.add(JointAction(case_id=instance.id, cluster_id=instance.cluster_id, plan_year=year,
                                    recorded_at=now, **{k: action.get(k) for k in ACTION_FIELDS}))
    elif task.form_id == "meeting_schedule" and task.process_id in BODIES:
        session.add(Meeting(instance_id=instance.id, body=BODIES[task.process_id],
                            meeting_date=data.get("meeting_date"), agenda=data.get("agenda"),
                            decision_mode=data.get("decision_mode"), scheduled_at=now))
    elif task.form_id == "meeting_minutes":
        meeting = _latest_meeting(session, instance.id)
        if meeting is not None:
            meeting.held_on, meeting.present_count = data.get("held_on"), data.get("present_count")
            meeting.votes = {k[len("votes_"):]: v for k, v in data.items() if k.startswith("votes_")}
            for item in data.get("resolutions") or []:
                session.add(Resolution(meeting_id=meeting.id, text=item.get("text", ""), owner=item.get("owner"),
                                       due=item.get("due")))


def record_state(session: Session, instance: ProcessInstance, facts: Mapping[str, Any], now: datetime) -> None:
    """Register what the process computed: a round's ranking and choice, a case's cluster, a meeting's outcome,
    a permit that arrived by message."""
    record_permit_state(session, instance, facts, now)
    record_inquiry_state(session, instance, facts, now)
    if instance.province and isinstance(facts.get("ranking"), list):
        _record_ranking(session, instance, facts, now)
    request = facts.get("cluster_request")
    if instance.cluster_id is None and isinstance(request, Mapping) and instance.province:
        candidate = request.get("candidate") if isinstance(request.get("candidate"), Mapping) else request
        if candidate.get("code"):
            instance.cluster_id = upsert_cluster(session, instance.province, candidate, now).id
    outcome = facts.get("approval_outcome")
    if isinstance(outcome, str):
        meeting = _latest_meeting(session, instance.id)
        if meeting is not None and meeting.outcome is None:
            meeting.outcome = outcome


def upsert_cluster(session: Session, province: str, candidate: Mapping[str, Any], now: datetime) -> Cluster:
    code = str(candidate.get("code"))
    cluster = session.scalar(select(Cluster).where(Cluster.province == province, Cluster.code == code))
    if cluster is None:
        cluster = Cluster(province=province, code=code, name=str(candidate.get("name") or code), updated_at=now)
        session.add(cluster)
    for key in CLUSTER_FIELDS:
        if candidate.get(key) is not None:
            setattr(cluster, key, candidate[key])
    cluster.updated_at = now
    session.flush()
    return cluster


def _record_ranking(session: Session, instance: ProcessInstance, facts: Mapping[str, Any], now: datetime) -> None:
    candidates = {str(c.get("code")): c for c in facts.get("candidates") or [] if isinstance(c, Mapping)}
    chosen = {str(c.get("code")) for c in facts.get("chosen_clusters") or [] if isinstance(c, Mapping)}
    year = facts.get("year") if isinstance(facts.get("year"), int) else None
    for entry in facts["ranking"]:
        if not isinstance(entry, Mapping) or not entry.get("code"):
            continue
        cluster = upsert_cluster(session, instance.province, {**candidates.get(str(entry["code"]), {}), **entry}, now)
        row = session.scalar(select(ClusterRanking).where(ClusterRanking.round_id == instance.id,
                                                          ClusterRanking.cluster_id == cluster.id))
        if row is None:
            row = ClusterRanking(round_id=instance.id, cluster_id=cluster.id)
            session.add(row)
        row.year, row.score, row.rank = year, entry.get("score"), entry.get("rank")
        row.eligible, row.chosen = entry.get("eligible"), str(entry["code"]) in chosen


def _upsert_firm(session: Session, instance: ProcessInstance, data: Mapping[str, Any], now: datetime) -> None:
    national_id = str(data.get("national_id") or "").strip()
    if not national_id:
        return
    firm = session.scalar(select(Firm).where(Firm.national_id == national_id))
    if firm is None:
        firm = Firm(national_id=national_id, name=str(data.get("name") or national_id), updated_at=now)
        session.add(firm)
    firm.name = str(data.get("name") or firm.name)
    firm.size = data.get("size") or firm.size
    firm.contact = data.get("contact") or firm.contact
    firm.province = instance.province or firm.province
    firm.cluster_id = instance.cluster_id or firm.cluster_id
    firm.updated_at = now


def _latest_meeting(session: Session, instance_id: int) -> Meeting | None:
    return session.scalar(select(Meeting).where(Meeting.instance_id == instance_id).order_by(Meeting.id.desc())
                          .limit(1))
