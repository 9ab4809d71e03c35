"""Each case's stays in its stages (``stage_stay``), kept in the transaction that changes the stage.

A stay opens when a case enters a stage (the ``stage_changed`` event) and closes
when the case enters its next stage, completes or is terminated; while it is
open it lasts until now. The dashboard's time in stage (mean, p90) is one
aggregate over these rows, whatever the number of events.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..models import ProcessInstance, StageStay


def entered(session: Session, instance: ProcessInstance, stage: str, now: datetime) -> None:
    """``instance`` enters ``stage`` now (call before ``instance.stage`` changes): its stay in the stage it was
    in ends, one in ``stage`` begins. A stage it held with no stay kept (set before stays were kept) counts
    from the case's start, as the history would."""
    if not _close(session, instance, now) and instance.stage:
        session.add(StageStay(instance_id=instance.id, process_id=instance.process_id, province=instance.province,
                              stage=instance.stage, entered_at=instance.started_at,
                              left_at=max(now, instance.started_at)))
    session.add(StageStay(instance_id=instance.id, process_id=instance.process_id, province=instance.province,
                          stage=stage, entered_at=now))


def ended(session: Session, instance: ProcessInstance, now: datetime) -> None:
    """``instance`` completed or was terminated now: its stay in its last stage ends."""
    _close(session, instance, now)


def _close(session: Session, instance: ProcessInstance, now: datetime) -> int:
    return session.execute(update(StageStay).where(StageStay.instance_id == instance.id,
                                                   StageStay.left_at.is_(None))
                           .values(left_at=now).execution_options(synchronize_session=False)).rowcount
