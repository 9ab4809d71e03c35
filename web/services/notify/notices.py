"""Creating notices, in the caller's transaction, and queueing their e-mails and SMS as jobs."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, exists, select
from sqlalchemy.orm import Session

from ...models import Notice, NoticePreference, ProcessInstance, TaskRecord, User, UserProvince, UserRole
from ...reference import roles
from ..firms.people import firm_people
from ..work.jobs import enqueue

EMAIL_JOB = "notify.email"
SMS_JOB = "notify.sms"
DIGEST_JOB = "notify.digest"
SCAN_JOB = "notify.scan_deadlines"
EMAIL_ATTEMPTS = 8            # 30 s ... about an hour between the last tries; then the e-mail is given up
DUE_SOON = timedelta(days=1)
WATCHING_ROLES = ("supervisor",)   # who hears of a failed case: the supervisors of its province


# built once (asked for every task that opens); only the role and the province change
_HOLDERS = (select(User.username).join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == bindparam("role"), User.active.is_(True)))
_HOLDERS_IN = _HOLDERS.where(exists().where(and_(UserProvince.user_id == User.id,
                                                 UserProvince.province == bindparam("province"))))


def people_with_role(session: Session, role: str | None, province: str | None) -> list[str]:
    """Active users who hold ``role`` where ``province`` is (anywhere, for a national role)."""
    if not role:
        return []
    known = roles().get(role)
    if known is not None and known.firm:
        return []   # firm representatives are told of their own firms' tasks only (``holders``)
    if province and not (known and known.national):
        return sorted(set(session.scalars(_HOLDERS_IN, {"role": role, "province": province})))
    return sorted(set(session.scalars(_HOLDERS, {"role": role})))


def holders(session: Session, task: TaskRecord) -> list[str]:
    """Who a task concerns: its assignee, or everyone of its role in its province (a firm-scoped role: the
    confirmed representatives of the task's firm, never of another firm)."""
    if task.assignee:
        return [task.assignee]
    known = roles().get(task.role or "")
    if known is not None and known.firm:
        return firm_people(session, task.firm_id)
    return people_with_role(session, task.role, task.province)


def notify(session: Session, usernames: Iterable[str], kind: str, now: datetime, *, instance_id: int | None = None,
           task_id: str | None = None, params: dict | None = None) -> list[Notice]:
    """One notice per person, with its e-mail (or place in the digest) and SMS queued as the person wishes."""
    names = sorted(set(usernames))
    if not names:
        return []
    prefs = {p.username: p for p in session.scalars(
        select(NoticePreference).where(NoticePreference.username.in_(names)))}
    created = []
    for name in names:
        pref = prefs.get(name)
        mode = "none"
        if pref is not None and pref.email and pref.email_on:
            mode = "digest" if pref.digest else "queued"
        notice = Notice(username=name, kind=kind, instance_id=instance_id, task_id=task_id, params=params or {},
                        created_at=now, email=mode)
        session.add(notice)
        sms = pref is not None and pref.sms_on and pref.phone
        if mode == "queued" or sms:
            session.flush()   # the jobs name the notice by its id; other notices go in with the commit
        if mode == "queued":
            enqueue(session, EMAIL_JOB, {"notice_id": notice.id}, now=now, max_attempts=EMAIL_ATTEMPTS)
        if sms:
            enqueue(session, SMS_JOB, {"notice_id": notice.id}, now=now)
        created.append(notice)
    return created


def _task_params(instance: ProcessInstance, task: TaskRecord) -> dict:
    return {"task": task.name or task.element_id, "case": instance.title or "", "case_id": instance.id,
            "due": task.due_at.isoformat() if task.due_at else None}


def tasks_opened(session: Session, instance: ProcessInstance, rows: Iterable[TaskRecord], now: datetime, *,
                 skip: str | None = None) -> None:
    """Tell the holders of newly opened tasks (not ``skip``, the person whose action opened them)."""
    for row in rows:
        people = [p for p in holders(session, row) if p != skip]
        notify(session, people, "task_opened", now, instance_id=instance.id, task_id=row.id,
               params=_task_params(instance, row))


def task_handed_over(session: Session, instance: ProcessInstance, row: TaskRecord, by: str | None,
                     now: datetime) -> None:
    params = _task_params(instance, row) | {"by": by}
    notify(session, [row.assignee] if row.assignee else [], "task_handed_over", now, instance_id=instance.id,
           task_id=row.id, params=params)


def case_failed(session: Session, instance: ProcessInstance, error: str, now: datetime) -> None:
    people = [p for role in WATCHING_ROLES for p in people_with_role(session, role, instance.province)]
    notify(session, people, "case_failed", now, instance_id=instance.id,
           params={"case": instance.title or "", "case_id": instance.id, "error": error[:500]})


def scan_deadlines(session: Session, now: datetime, *, limit: int = 500) -> int:
    """Notice open tasks due within a day, and overdue ones, once each; returns how many tasks were noticed."""
    count = 0
    for kind, window in (("task_due_soon", and_(TaskRecord.due_at > now, TaskRecord.due_at <= now + DUE_SOON)),
                         ("task_overdue", TaskRecord.due_at <= now)):
        told = exists().where(and_(Notice.task_id == TaskRecord.id, Notice.kind == kind))
        query = (select(TaskRecord, ProcessInstance).join(ProcessInstance, ProcessInstance.id == TaskRecord.instance_id)
                 .where(TaskRecord.status == "open", TaskRecord.due_at.is_not(None), window, ~told,
                        ProcessInstance.status == "running").order_by(TaskRecord.due_at).limit(limit))
        for task, instance in session.execute(query).all():
            notify(session, holders(session, task), kind, now, instance_id=instance.id, task_id=task.id,
                   params=_task_params(instance, task))
            count += 1
    return count
