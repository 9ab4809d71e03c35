"""The worker's notification jobs: one e-mail per notice, the daily digest, SMS, and the deadline scan."""
from __future__ import annotations

import os
from datetime import datetime, time, timedelta

from sqlalchemy import exists, select

from engine.calendar import TEHRAN

from ..models import Job, Notice, NoticePreference
from ..services.notify import mail, sms
from ..services.notify.notices import DIGEST_JOB, EMAIL_JOB, SCAN_JOB, SMS_JOB, scan_deadlines
from ..services.work.jobs import JobContext, enqueue, job_kind, on_give_up, on_worker_start
from .texts import persian_digest, persian_text

SCAN_EVERY = timedelta(minutes=10)
DIGEST_AT = time(7, 0)   # Tehran time


def _footer(notice: Notice) -> str:
    base = os.environ.get("CLUSTERFLOW_BASE_URL", "").rstrip("/")
    if not base:
        return ""
    path = f"/tasks/{notice.task_id}" if notice.task_id else f"/cases/{notice.instance_id}" if notice.instance_id \
        else "/notices"
    return f"\n\n{base}{path}"


@job_kind(EMAIL_JOB)
def send_notice_email(ctx: JobContext) -> None:
    with ctx.uow_factory(write=False) as uow:
        notice = uow.session.get(Notice, ctx.payload["notice_id"])
        pref = uow.session.get(NoticePreference, notice.username) if notice is not None else None
    if notice is None or notice.email != "queued":
        return                                      # gone, or sent by an earlier try
    if pref is None or not pref.email or not pref.email_on:
        with ctx.uow_factory() as uow:
            uow.session.get(Notice, notice.id).email = "none"    # the person switched e-mail off meanwhile
            ctx.finish(uow.session)
            uow.commit()
        return
    title, body = persian_text(notice.kind, notice.params or {})
    settings = mail.smtp_settings()
    if settings is None:
        raise mail.MailNotConfigured("no SMTP server is configured (CLUSTERFLOW_SMTP_HOST)")
    mail.send(mail.compose(settings.sender, pref.email, title, body + _footer(notice)), settings)
    with ctx.uow_factory() as uow:
        row = uow.session.get(Notice, notice.id)
        row.email, row.emailed_at = "sent", ctx.clock.now()
        ctx.finish(uow.session)
        uow.commit()


@on_give_up(EMAIL_JOB)
def email_given_up(session, payload, error: str) -> None:  # type: ignore[no-untyped-def]
    notice = session.get(Notice, payload.get("notice_id"))
    if notice is not None and notice.email == "queued":
        notice.email = "failed"


@job_kind(SMS_JOB)
def send_notice_sms(ctx: JobContext) -> None:
    with ctx.uow_factory(write=False) as uow:
        notice = uow.session.get(Notice, ctx.payload["notice_id"])
        pref = uow.session.get(NoticePreference, notice.username) if notice is not None else None
    if notice is None or pref is None or not pref.sms_on or not pref.phone:
        return
    title, _ = persian_text(notice.kind, notice.params or {})
    sms.load_sender().send(pref.phone, title)


def next_digest(now: datetime) -> datetime:
    local = now.astimezone(TEHRAN)
    moment = datetime.combine(local.date(), DIGEST_AT, TEHRAN)
    return moment if moment > local else datetime.combine(local.date() + timedelta(days=1), DIGEST_AT, TEHRAN)


@job_kind(DIGEST_JOB)
def send_digests(ctx: JobContext) -> None:
    """One mail per person who chose the digest, listing their notices not yet mailed; then the next run."""
    with ctx.uow_factory(write=False) as uow:
        waiting = list(uow.session.execute(
            select(Notice, NoticePreference).join(NoticePreference, NoticePreference.username == Notice.username)
            .where(Notice.email == "digest").order_by(Notice.username, Notice.id)).all())
    by_person: dict[str, tuple[NoticePreference, list[Notice]]] = {}
    for notice, pref in waiting:
        by_person.setdefault(notice.username, (pref, []))[1].append(notice)
    settings = mail.smtp_settings() if by_person else None
    failures = []
    for username, (pref, notices) in by_person.items():
        if not pref.email or not pref.email_on:
            _set_email([n.id for n in notices], "none", ctx)
            continue
        if settings is None:
            raise mail.MailNotConfigured("no SMTP server is configured (CLUSTERFLOW_SMTP_HOST)")
        subject, body = persian_digest([persian_text(n.kind, n.params or {}) for n in notices])
        try:
            mail.send(mail.compose(settings.sender, pref.email, subject, body), settings)
        except Exception as exc:  # noqa: BLE001 - the others still get theirs; this one is tried again
            failures.append(f"{username}: {exc}")
            continue
        _set_email([n.id for n in notices], "sent", ctx)
    if failures:
        raise RuntimeError("; ".join(failures))
    with ctx.uow_factory() as uow:
        enqueue(uow.session, DIGEST_JOB, {}, now=ctx.clock.now(), run_at=next_digest(ctx.clock.now()))
        ctx.finish(uow.session)
        uow.commit()


def _set_email(ids: list[int], state: str, ctx: JobContext) -> None:
    with ctx.uow_factory() as uow:
        for notice in uow.session.scalars(select(Notice).where(Notice.id.in_(ids))):
            notice.email = state
            notice.emailed_at = ctx.clock.now() if state == "sent" else None
        uow.commit()


@job_kind(SCAN_JOB)
def scan(ctx: JobContext) -> None:
    """Notice tasks due tomorrow and overdue ones, then come back in ten minutes."""
    with ctx.uow_factory() as uow:
        now = ctx.clock.now()
        scan_deadlines(uow.session, now)
        enqueue(uow.session, SCAN_JOB, {}, now=now, run_at=now + SCAN_EVERY)
        ctx.finish(uow.session)
        uow.commit()


@on_worker_start
def ensure_recurring(session, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Queue the deadline scan and the digest if no worker has them queued yet."""
    for kind, first in ((SCAN_JOB, now), (DIGEST_JOB, next_digest(now))):
        pending = exists().where(Job.kind == kind, Job.status.in_(("queued", "running")))
        if not session.scalar(select(pending)):
            enqueue(session, kind, {}, now=now, run_at=first)
