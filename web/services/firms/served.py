"""Firms served per month, as the service card measures them: the distinct firms taking part in at least one
joint action that month. A firm takes part in a joint action from the month it registers to the month the
CDA marks the action done (to the period's end while it is not done). One query, no workflow state."""
from __future__ import annotations

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from ...models import JointAction, JointActionDelivery, JointActionRegistration, ProcessInstance
from ..dashboard import Period, in_scope, month_start


def firms_served(session: Session, period: Period, provinces: list[str] | None) -> list[int]:
    """Per month of ``period``, in order: the firms taking part in a joint action of a case in ``provinces``
    (None: all)."""
    months = period.months
    bounds = [month_start(m) for m in months[1:]] + [period.end]
    columns = []
    for first, end in zip((month_start(m) for m in months), bounds):
        active = and_(JointActionRegistration.registered_at < end,
                      or_(JointActionDelivery.done_at.is_(None), JointActionDelivery.done_at >= first))
        columns.append(func.count(func.distinct(case((active, JointActionRegistration.firm_id),
                                                      else_=literal(None)))))
    query = (select(*columns).select_from(JointActionRegistration)
             .join(JointAction, JointAction.id == JointActionRegistration.joint_action_id)
             .join(ProcessInstance, ProcessInstance.id == JointAction.case_id)
             .outerjoin(JointActionDelivery, JointActionDelivery.joint_action_id == JointAction.id))
    return [int(n or 0) for n in session.execute(in_scope(query, provinces)).one()]
