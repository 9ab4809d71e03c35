"""Signing in: password checks, throttling, browser sessions that end together, API tokens."""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, select
from werkzeug.security import check_password_hash

from engine.clock import Clock

from ..models import LoginAttempt, User
from ..models.users import UserProvince, UserRole
from .actors import Actor
from .firms.scope import with_firms
from .errors import ServiceError, UserNotFound
from .uow import UnitOfWork

# Throttling, never locking out: failures of one user name from one address delay only that pair,
# failures from one address (whatever the user name) delay only that address, each for a time that
# grows with every further failure; a user signing in from anywhere else is not held up.
PAIR_WINDOW = timedelta(hours=24)       # failures of a user name from an address are forgotten after this
PAIR_FREE = 5                           # ... or after a success from that address; this many cost nothing
PAIR_FIRST_DELAY, PAIR_MAX_DELAY = 30, 15 * 60  # then 30 s, 60 s, 2 min, ... at most 15 min
ADDRESS_WINDOW = timedelta(minutes=15)  # an office behind one address: a short memory, a short delay
ADDRESS_FREE = 30
ADDRESS_FIRST_DELAY, ADDRESS_MAX_DELAY = 1, 60
TOKEN_MAX_AGE = 8 * 3600


class BadCredentials(ServiceError):
    status = 401


class TooManyAttempts(ServiceError):
    """Sign-in attempts from this address are held back for ``retry_after`` seconds (nothing was checked)."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


@dataclass(frozen=True)
class SignedIn:
    user_id: int
    actor: Actor
    display_name: str | None
    stamp: str  # changes with the password: tokens issued before a password change stop working
    session_generation: int = 0  # browser sessions carry it; it moves on when the user's sessions end


def authenticate(username: str, password: str, address: str, *, uow: UnitOfWork, clock: Clock) -> SignedIn:
    """Check a password; failures are recorded with the address and the time, and slow down later
    attempts of the same user name from the same address, and from the same address at all.

    :raise TooManyAttempts: an attempt came too soon after earlier failures; nothing is checked or recorded.
    :raise BadCredentials: unknown user, inactive, or wrong password (one message for all three).
    """
    now = clock.now()
    username = (username or "").strip()[:80]
    address = (address or "-")[:64]
    with uow:
        wait = throttle_delay(uow.session, username, address, now)
        if wait > 0:
            raise TooManyAttempts(f"too many failed sign-in attempts; try again in {wait} seconds", wait)
        user = uow.session.scalar(select(User).where(User.username == username))
        ok = user is not None and user.active and check_password_hash(user.password_hash, password or "")
        uow.session.add(LoginAttempt(username=username, address=address, success=ok, at=now))
        uow.commit()
        if not ok:
            raise BadCredentials("wrong user name or password")
        return signed_in(uow.session, user)


def signed_in(session, user: User) -> SignedIn:
    """What a browser session or a token begins with for ``user`` (a firm representative's firms included),
    whichever way they proved who they are (a password, a one-time code)."""
    actor = with_firms(session, user.id, Actor(user.username, frozenset(user.role_ids), frozenset(user.province_ids)))
    return SignedIn(user.id, actor, user.display_name, password_stamp(user.password_hash), user.session_generation)


def throttle_delay(session, username: str, address: str, now: datetime) -> int:
    """Seconds until the next attempt of ``username`` from ``address`` is heard (0: now)."""
    last_success = session.scalar(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.address == address, LoginAttempt.success.is_(True),
        LoginAttempt.at >= now - PAIR_WINDOW))
    pair_count, pair_last = session.execute(select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(
        LoginAttempt.username == username, LoginAttempt.address == address, LoginAttempt.success.is_(False),
        LoginAttempt.at >= max(now - PAIR_WINDOW, last_success or now - PAIR_WINDOW))).one()
    address_count, address_last = session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(
            LoginAttempt.address == address, LoginAttempt.success.is_(False),
            LoginAttempt.at >= now - ADDRESS_WINDOW)).one()
    return max(_wait(pair_count, pair_last, PAIR_FREE, PAIR_FIRST_DELAY, PAIR_MAX_DELAY, now),
               _wait(address_count, address_last, ADDRESS_FREE, ADDRESS_FIRST_DELAY, ADDRESS_MAX_DELAY, now))


def _wait(failures: int, last: datetime | None, free: int, first: int, most: int, now: datetime) -> int:
    if failures < free or last is None:
        return 0
    delay = min(most, first * 2 ** min(failures - free, 30))
    return max(0, math.ceil((last + timedelta(seconds=delay) - now).total_seconds()))


def recent_failures(session, since: datetime, limit: int = 200) -> list[LoginAttempt]:
    """Failed sign-in attempts since ``since``, newest first (for administrators)."""
    return list(session.scalars(select(LoginAttempt).where(LoginAttempt.success.is_(False), LoginAttempt.at >= since)
                                .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc()).limit(limit)))


def load_session_user(session, user_id: int, generation: object) -> tuple[Actor, str | None] | None:
    """The actor of a browser session's user, or None when the user is inactive or their sessions were ended
    (signed out, password changed, deactivated, or signed out everywhere) since this one began."""
    user = session.get(User, user_id)
    if user is None or not user.active or not isinstance(generation, int) or generation != user.session_generation:
        return None
    return with_firms(session, user.id, Actor(user.username, frozenset(user.role_ids),
                                              frozenset(user.province_ids))), user.display_name


def end_sessions(user: User) -> None:
    """End every browser session of ``user`` (the caller commits)."""
    user.session_generation = (user.session_generation or 0) + 1


def sign_out_everywhere(user_id: int, *, uow: UnitOfWork) -> None:
    """End every browser session of a user at once (signing out does this too).

    :raise UserNotFound:
    """
    with uow:
        user = uow.session.get(User, user_id)
        if user is None:
            raise UserNotFound(f"no user {user_id}")
        end_sessions(user)
        uow.commit()


# the user's columns with each of its roles and provinces (outer joins), built once: only the id changes
_ACTOR_ROWS = (select(User.username, User.display_name, User.active, User.password_hash, UserRole.role,
                      UserProvince.province)
               .outerjoin(UserRole, UserRole.user_id == User.id)
               .outerjoin(UserProvince, UserProvince.user_id == User.id)
               .where(User.id == bindparam("user_id")))


def load_actor(session, user_id: int, stamp: str | None = None) -> tuple[Actor, str | None] | None:
    """The actor of an active user id (for each request), or None; with ``stamp``, only if the
    password has not changed since it was taken."""
    # one query by primary key on every request; ``session`` may be a plain Connection (web.api.auth)
    rows = session.execute(_ACTOR_ROWS, {"user_id": user_id}).all()
    if not rows:
        return None
    username, display_name, active, password_hash = rows[0][:4]
    if not active or (stamp is not None and stamp != password_stamp(password_hash)):
        return None
    roles = frozenset(row.role for row in rows if row.role is not None)
    provinces = frozenset(row.province for row in rows if row.province is not None)
    return with_firms(session, user_id, Actor(username, roles, provinces)), display_name


def password_stamp(password_hash: str) -> str:
    """A short fingerprint of the stored password hash (not of the password)."""
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def issue_token(secret: str, user_id: int, stamp: str) -> str:
    return _token_serializer(secret).dumps({"u": user_id, "s": stamp})


# tokens we issue are under 100 characters; a longer one is refused before its signature is checked, so the
# cache of checked signatures holds at most _signed's maxsize short strings, whatever clients send
MAX_TOKEN_LENGTH = 512


def read_token(secret: str, token: str, max_age: int = TOKEN_MAX_AGE) -> tuple[int, str] | None:
    """(user id, password stamp) of a valid, unexpired token, or None.

    A token's signature is checked once (:func:`_signed`); its age is checked on every call, as itsdangerous does.
    """
    if len(token) > MAX_TOKEN_LENGTH:   # never one of ours; kept out of the cache of signatures below
        return None
    signed = _signed(secret, token)
    if signed is None:
        return None
    data, issued = signed
    age = int(time.time()) - issued
    if age < 0 or age > max_age:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("s"), str):
        return None
    return data["u"], data["s"]


@lru_cache(maxsize=4096)
def _signed(secret: str, token: str) -> tuple[Any, int] | None:
    """The payload of a token signed with ``secret`` and when it was signed (seconds), or None for a bad
    signature. Kept for the tokens seen lately: an API client sends the same token with every request."""
    try:
        data, issued = _token_serializer(secret).loads(token, return_timestamp=True)
    except BadSignature:   # SignatureExpired is one, but no age is asked for here
        return None
    return data, int(issued.timestamp())


@lru_cache(maxsize=8)
def _token_serializer(secret: str) -> URLSafeTimedSerializer:
    """The token signer of a secret key (built once: it derives its signing key from the secret)."""
    return URLSafeTimedSerializer(secret, salt="api-token")
