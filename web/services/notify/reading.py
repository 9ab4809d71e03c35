"""A person's notices (the bell and the notices page) and their notice preferences (the profile page)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine.clock import Clock

from ...models import Notice, NoticePreference
from ..errors import InvalidInput
from ..uow import UnitOfWork

PAGE = 50
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9]{10,15}$")


def unread_count(session: Session, username: str) -> int:
    return session.scalar(select(func.count(Notice.id)).where(Notice.username == username,
                                                              Notice.read_at.is_(None))) or 0


def latest(session: Session, username: str, *, limit: int = PAGE) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.username == username)
                                .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)))


def mark_read(username: str, notice_ids: list[int] | None, *, uow: UnitOfWork, clock: Clock) -> int:
    """Mark the person's notices read (all of them when ``notice_ids`` is None); returns how many changed."""
    with uow:
        query = update(Notice).where(Notice.username == username, Notice.read_at.is_(None))
        if notice_ids is not None:
            query = query.where(Notice.id.in_(notice_ids))
        changed = uow.session.execute(query.values(read_at=clock.now())
                                      .execution_options(synchronize_session=False)).rowcount
        uow.commit()
        return changed


@dataclass(frozen=True)
class Preferences:
    email: str | None = None
    email_on: bool = True
    digest: bool = False
    phone: str | None = None
    sms_on: bool = False


def preferences(session: Session, username: str) -> Preferences:
    row = session.get(NoticePreference, username)
    if row is None:
        return Preferences()
    return Preferences(row.email, row.email_on, row.digest, row.phone, row.sms_on)


def save_preferences(username: str, wanted: Preferences, *, uow: UnitOfWork) -> Preferences:
    """Store a person's address and choices. :raise InvalidInput: a malformed address or phone, by field."""
    email = (wanted.email or "").strip() or None
    phone = (wanted.phone or "").strip().replace(" ", "").replace("-", "") or None
    errors: dict[str, list[str]] = {}
    if email and (len(email) > 254 or not EMAIL.match(email)):
        errors["email"] = ["not an e-mail address"]
    if phone and not PHONE.match(phone):
        errors["phone"] = ["10 to 15 digits, e.g. 09121234567"]
    if wanted.sms_on and not phone:
        errors["phone"] = ["a phone number is needed for SMS"]
    if errors:
        raise InvalidInput("invalid notice preferences", errors)
    with uow:
        row = uow.session.get(NoticePreference, username)
        if row is None:
            row = NoticePreference(username=username)
            uow.session.add(row)
        row.email, row.email_on, row.digest = email, bool(wanted.email_on), bool(wanted.digest)
        row.phone, row.sms_on = phone, bool(wanted.sms_on)
        uow.commit()
    return Preferences(email, bool(wanted.email_on), bool(wanted.digest), phone, bool(wanted.sms_on))


def since(session: Session, username: str, moment: datetime) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.username == username, Notice.created_at >= moment)
                                .order_by(Notice.id)))
