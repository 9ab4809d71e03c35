"""Recording what firms submit in their per-firm cases: survey answers, joint-action registrations, feedback.

Called by web/services/records.py with the clean data of a completed task, in its transaction. A per-firm
case (``firm_id`` set) started by a cluster case's message has that cluster case as its parent.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import (JointAction, JointActionFeedback, JointActionRegistration, ProcessInstance,
                       SurveyResponse, TaskRecord)

SURVEY_FORM = "firm_survey"
REGISTRATION_FORM = "joint_action_registration"
FEEDBACK_FORM = "joint_action_feedback"


def cost_share(action: JointAction) -> int | None:
    """A firm's share of a joint action's cost: the others' contribution split over the firms it plans for."""
    if action.budget_others and action.firms_n:
        return int(action.budget_others) // int(action.firms_n)
    return None


def plan_actions(session: Session, case_id: int, plan_year: int) -> list[JointAction]:
    """A cluster case's joint actions of one plan year, in the plan's order (``no`` 1, 2, ...)."""
    return list(session.scalars(select(JointAction).where(JointAction.case_id == case_id,
                                                          JointAction.plan_year == plan_year)
                                .order_by(JointAction.id)))


def record_participation_task(session: Session, instance: ProcessInstance, task: TaskRecord, data: Mapping[str, Any],
                     facts: Mapping[str, Any], now: datetime) -> None:
    if instance.firm_id is None or instance.parent_id is None:
        return
    if task.form_id == SURVEY_FORM:
        session.add(SurveyResponse(case_id=instance.parent_id, survey_case_id=instance.id, firm_id=instance.firm_id,
                                   answers=dict(data), answered_by=task.completed_by, answered_at=now))
    elif task.form_id == REGISTRATION_FORM:
        _register(session, instance, task, data, facts, now)
    elif task.form_id == FEEDBACK_FORM and isinstance(facts.get("joint_action_id"), int):
        session.add(JointActionFeedback(joint_action_id=facts["joint_action_id"], firm_id=instance.firm_id,
                                        satisfaction=int(data["satisfaction"]), feedback=data.get("feedback"),
                                        given_by=task.completed_by, given_at=now))


def _register(session: Session, instance: ProcessInstance, task: TaskRecord, data: Mapping[str, Any],
              facts: Mapping[str, Any], now: datetime) -> None:
    year = facts.get("plan_year")
    if not isinstance(year, int):
        return
    actions = plan_actions(session, instance.parent_id, year)
    taken = {r for r in session.scalars(select(JointActionRegistration.joint_action_id).where(
        JointActionRegistration.firm_id == instance.firm_id))}
    for chosen in data.get("joint_actions") or []:
        index = int(chosen) - 1
        if not 0 <= index < len(actions) or actions[index].id in taken:
            continue
        action = actions[index]
        taken.add(action.id)
        session.add(JointActionRegistration(joint_action_id=action.id, firm_id=instance.firm_id, case_id=instance.id,
                                            participants=data.get("participants"), cost_share=cost_share(action),
                                            registered_by=task.completed_by, registered_at=now))
