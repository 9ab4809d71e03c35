"""The SMS a firm's representative gets: a one-time code, an invitation, a registration's outcome.

Each is a job (``firms.sms``) queued in the caller's transaction and sent by the worker through the
pluggable sender (web/services/notify/sms.py; in development it only logs). Texts are Persian, the
representatives' language. A code's job carries the code only until it is sent (then the payload keeps
the number alone) and is dropped unsent once the code has expired.
"""
from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from engine.calendar import persian_digits

from ...models import Job
from ..notify import sms
from ..work.jobs import JobContext, enqueue, job_kind

SMS_JOB = "firms.sms"
SMS_ATTEMPTS = 4
SIGN_IN_PATH = "/login/code"


def portal_link() -> str:
    """Where a representative signs in: ``CLUSTERFLOW_BASE_URL`` + the code sign-in page."""
    return os.environ.get("CLUSTERFLOW_BASE_URL", "").rstrip("/") + SIGN_IN_PATH


def queue_code(session: Session, mobile: str, code: str, expires_at: datetime, now: datetime) -> None:
    enqueue(session, SMS_JOB, {"phone": mobile, "kind": "code", "code": code, "until": expires_at.isoformat()},
            now=now, max_attempts=SMS_ATTEMPTS)


def queue_invitation(session: Session, mobile: str, person: str, firm: str, now: datetime) -> None:
    enqueue(session, SMS_JOB, {"phone": mobile, "kind": "invitation", "person": person, "firm": firm}, now=now)


def queue_outcome(session: Session, mobile: str, firm: str, confirmed: bool, now: datetime) -> None:
    enqueue(session, SMS_JOB, {"phone": mobile, "kind": "confirmed" if confirmed else "rejected", "firm": firm},
            now=now)


def text_of(payload: dict) -> str:
    """The Persian text of an SMS job."""
    kind = payload.get("kind")
    if kind == "code":
        return (f"کد ورود شما به سامانه توسعه خوشه‌های کسب‌وکار: {payload['code']}\n"
                f"این کد تا {persian_digits('5')} دقیقه و تنها یک بار معتبر است. آن را به کسی ندهید.")
    if kind == "invitation":
        return (f"{payload.get('person') or ''} گرامی، شرکت شهرک‌های صنعتی استان شما را به‌عنوان نماینده "
                f"«{payload.get('firm')}» به درگاه بنگاه‌های خوشه دعوت کرده است. ورود با شماره همراه و کد "
                f"یک‌بارمصرف: {portal_link()}")
    if kind == "confirmed":
        return (f"نمایندگی شما برای «{payload.get('firm')}» در درگاه بنگاه‌های خوشه تأیید شد. "
                f"ورود: {portal_link()}")
    if kind == "rejected":
        return f"درخواست نمایندگی شما برای «{payload.get('firm')}» در درگاه بنگاه‌های خوشه تأیید نشد."
    raise ValueError(f"unknown SMS kind {kind!r}")


@job_kind(SMS_JOB)
def send_firm_sms(ctx: JobContext) -> None:
    payload = dict(ctx.payload or {})
    if payload.get("kind") == "code":
        until = payload.get("until")
        if not until or datetime.fromisoformat(until) <= ctx.clock.now():
            _scrub(ctx, payload)     # too late: the code has expired, an SMS would only confuse
            return
    if "phone" not in payload or payload.get("sent"):
        return
    sms.load_sender().send(payload["phone"], text_of(payload))
    _scrub(ctx, payload)


def _scrub(ctx: JobContext, payload: dict) -> None:
    """Mark the job done, keeping no code in the database."""
    with ctx.uow_factory() as uow:
        kept = {k: v for k, v in payload.items() if k != "code"} | {"sent": True}
        uow.session.execute(update(Job).where(Job.id == ctx.claim.job_id).values(payload=kept)
                            .execution_options(synchronize_session=False))
        ctx.finish(uow.session)
        uow.commit()
