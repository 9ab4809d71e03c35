"""Firms' representatives as people: finding or creating the person (a user with the firm_representative
role, a national id and a mobile), linking them to firms, confirming and revoking the links."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from ...models import Firm, FirmRepresentation, User, UserRole
from ..errors import InvalidInput
from .late_calls import queue_join

ROLE = "firm_representative"


def find_person(session: Session, national_id: str, mobile: str, *, field: str = "national_id") -> User | None:
    """The user with this national id and mobile; None when neither is known.

    :raise InvalidInput: the national id and the mobile belong to different people (or the national id to
        another mobile), or to a staff account (staff never act for firms with the same account).
    """
    found = list(session.scalars(select(User).where(or_(User.national_id == national_id, User.mobile == mobile))))
    if not found:
        return None
    if len(found) > 1 or found[0].national_id != national_id or found[0].mobile != mobile:
        raise InvalidInput("national id and mobile do not match", {field: [gettext(
            "This national id or mobile number is registered with another mobile number or national id.")]})
    person = found[0]
    if set(person.role_ids) != {ROLE}:
        raise InvalidInput("a staff account", {field: [gettext(
            "This national id belongs to a staff account; a firm needs a representative's own account.")]})
    return person


def find_or_create_person(session: Session, national_id: str, mobile: str, full_name: str, now: datetime, *,
                          field: str = "national_id") -> User:
    """The representative with this national id and mobile, created if new (user name: the national id; no
    usable password until they set one; they sign in by one-time code).

    :raise InvalidInput: see :func:`find_person`; a user name taken by someone else.
    """
    person = find_person(session, national_id, mobile, field=field)
    if person is not None:
        if full_name and not person.display_name:
            person.display_name = full_name
        return person
    if session.scalar(select(User.id).where(User.username == national_id)) is not None:
        raise InvalidInput("user name taken", {field: [gettext(
            "This national id or mobile number is registered with another mobile number or national id.")]})
    person = User(username=national_id, display_name=full_name[:160] or None, national_id=national_id, mobile=mobile,
                  password_hash=generate_password_hash(secrets.token_urlsafe(32)), active=True, created_at=now,
                  roles=[UserRole(role=ROLE)], provinces=[])
    session.add(person)
    session.flush()
    return person


def link(session: Session, person: User, firm: Firm, status: str, by: str | None, now: datetime) -> FirmRepresentation:
    """Link ``person`` to ``firm`` with ``status`` (invited or pending); a confirmed link stays confirmed."""
    row = session.scalar(select(FirmRepresentation).where(FirmRepresentation.user_id == person.id,
                                                          FirmRepresentation.firm_id == firm.id))
    if row is None:
        row = FirmRepresentation(user_id=person.id, firm_id=firm.id, status=status, created_at=now)
        session.add(row)
    elif row.status != "confirmed":
        row.status, row.created_at, row.confirmed_at, row.confirmed_by = status, now, None, None
    if status == "invited":
        row.invited_by = by
    session.flush()
    return row


def confirm_invitations(session: Session, user_id: int, now: datetime) -> None:
    """A person invited by the provincial company signed in with a code sent to their mobile: the
    invitations are confirmed (the mobile is theirs)."""
    for row in session.scalars(select(FirmRepresentation).where(FirmRepresentation.user_id == user_id,
                                                                FirmRepresentation.status == "invited")):
        row.status, row.confirmed_at, row.confirmed_by = "confirmed", now, "sms"
        queue_join(session, row.firm_id, now)


def representations(session: Session, user_id: int) -> list[tuple[FirmRepresentation, Firm]]:
    """A person's links to firms with the firms, newest first."""
    return list(session.execute(select(FirmRepresentation, Firm).join(Firm, Firm.id == FirmRepresentation.firm_id)
                                .where(FirmRepresentation.user_id == user_id)
                                .order_by(FirmRepresentation.created_at.desc())).tuples())


def firm_people(session: Session, firm_id: int | None) -> list[str]:
    """User names of the active, confirmed representatives of ``firm_id``."""
    if firm_id is None:
        return []
    return sorted(session.scalars(select(User.username).join(FirmRepresentation, FirmRepresentation.user_id == User.id)
                                  .where(FirmRepresentation.firm_id == firm_id, FirmRepresentation.status == "confirmed",
                                         User.active.is_(True))))
