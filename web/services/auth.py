"""Signing in: password checks, rate limits, API tokens."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from engine.clock import Clock

from ..models import LoginAttempt, User
from ..models.users import UserProvince, UserRole
from .actors import Actor
from .errors import ServiceError
from .uow import UnitOfWork

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
TOKEN_MAX_AGE = 8 * 3600


class BadCredentials(ServiceError):
    status = 401


class TooManyAttempts(ServiceError):
    status = 429


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    actor: Actor
    display_name: str | None
    stamp: str  # changes with the password: tokens issued before a password change stop working


def authenticate(username: str, password: str, address: str, *, uow: UnitOfWork, clock: Clock) -> SignedIn:
    """Check a password, counting failures per user name and per address.

    :raise TooManyAttempts: too many failures lately; nothing is checked.
    :raise BadCredentials: unknown user, inactive, or wrong password (one message for all three).
    """
    now = clock.now()
    username = (username or "").strip()[:80]
    with uow:
        since = now - WINDOW
        failures = uow.session.scalar(select(func.count(LoginAttempt.id)).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(False), LoginAttempt.at >= since))
        from_address = uow.session.scalar(select(func.count(LoginAttempt.id)).where(
            LoginAttempt.address == address, LoginAttempt.success.is_(False), LoginAttempt.at >= since))
        if failures >= MAX_FAILURES_PER_USER or from_address >= MAX_FAILURES_PER_ADDRESS:
            raise TooManyAttempts("too many failed sign-in attempts; try again in 15 minutes")
        user = uow.session.scalar(select(User).where(User.username == username))
        ok = user is not None and user.active and check_password_hash(user.password_hash, password or "")
        uow.session.add(LoginAttempt(username=username, address=address, success=ok, at=now))
        uow.commit()
        if not ok:
            raise BadCredentials("wrong user name or password")
        return SignedIn(user.id, Actor(user.username, frozenset(user.role_ids), frozenset(user.province_ids)),
                        user.display_name, password_stamp(user.password_hash))


def load_actor(session, user_id: int, stamp: str | None = None) -> tuple[Actor, str | None] | None:
    """The actor of an active user id (for each request), or None; with ``stamp``, only if the
    password has not changed since it was taken."""
    # one query on every request: the user's columns with each of its roles and provinces (outer joins)
    rows = session.execute(
        select(User.username, User.display_name, User.active, User.password_hash, UserRole.role,
               UserProvince.province)
        .outerjoin(UserRole, UserRole.user_id == User.id).outerjoin(UserProvince, UserProvince.user_id == User.id)
        .where(User.id == user_id)).all()
    if not rows:
        return None
    username, display_name, active, password_hash = rows[0][:4]
    if not active or (stamp is not None and stamp != password_stamp(password_hash)):
        return None
    roles = frozenset(row.role for row in rows if row.role is not None)
    provinces = frozenset(row.province for row in rows if row.province is not None)
    return Actor(username, roles, provinces), display_name


def password_stamp(password_hash: str) -> str:
    """A short fingerprint of the stored password hash (not of the password)."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def issue_token(secret: str, user_id: int, stamp: str) -> str:
    return URLSafeTimedSerializer(secret, salt="api-token").dumps({"u": user_id, "s": stamp})


def read_token(secret: str, token: str, max_age: int = TOKEN_MAX_AGE) -> tuple[int, str] | None:
    """(user id, password stamp) of a valid, unexpired token, or None."""
    try:
        data = URLSafeTimedSerializer(secret, salt="api-token").loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("s"), str):
        return None
    return data["u"], data["s"]
