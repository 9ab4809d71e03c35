"""Signing in with a one-time code sent to one's mobile (firm representatives, and anyone with a mobile).

The session it opens is the same as a password's (``SignedIn``: session generation, CSRF, sign-out).
Inviting someone confirms their mobile only when they sign in with a code sent to it: then their invited
links to firms become confirmed.
"""
from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from engine.clock import Clock

from ...models import LoginAttempt, User
from ..auth import SignedIn, end_sessions, signed_in
from ..errors import InvalidInput, UserNotFound
from ..uow import UnitOfWork
from .identity import clean_mobile
from .otp import CodeRefused, CodeSent, check_code, issue_code
from .people import confirm_invitations

MIN_PASSWORD = 8


def request_sign_in_code(mobile: str, address: str, *, secret: str, uow: UnitOfWork, clock: Clock) -> CodeSent:
    """Send a sign-in code to ``mobile`` if an active user has it; the answer is the same either way (who
    has an account is not told), and the request counts for throttling either way.

    :raise InvalidInput: at ``mobile``: not an Iranian mobile number. Nothing is recorded.
    :raise TooManyCodes: 429; nothing is recorded.
    """
    mobile = clean_mobile(mobile)
    with uow:
        known = uow.session.scalar(select(User.id).where(User.mobile == mobile, User.active.is_(True)))
        sent = issue_code(uow.session, mobile, "sign_in", address, secret=secret, now=clock.now(),
                          send=known is not None)
        uow.commit()
        return sent


def sign_in_with_code(mobile: str, code: str, address: str, *, secret: str, uow: UnitOfWork,
                      clock: Clock) -> SignedIn:
    """Sign in with the code last sent to ``mobile``.

    :raise InvalidInput: at ``mobile`` (not an Iranian mobile).
    :raise CodeRefused: at ``code``: wrong (one try counted, nothing else recorded), expired, used, void after
        five wrong tries, or never sent.
    """
    mobile = clean_mobile(mobile)
    now = clock.now()
    with uow:
        try:
            check_code(uow.session, mobile, "sign_in", code, secret=secret, now=now)
        except CodeRefused as exc:
            if getattr(exc, "counted", False):
                uow.commit()          # the wrong try counts against the code; nothing else is kept
            raise
        user = uow.session.scalar(select(User).where(User.mobile == mobile, User.active.is_(True)))
        if user is None:  # the account went away (or was deactivated) after the code was sent
            raise CodeRefused("no active user", {"code": [gettext("No active account has this mobile number.")]})
        confirm_invitations(uow.session, user.id, now)
        uow.session.add(LoginAttempt(username=user.username, address=(address or "-")[:64], success=True, at=now))
        uow.commit()
        return signed_in(uow.session, user)


def set_own_password(user_id: int, password: str, again: str, *, uow: UnitOfWork) -> SignedIn:
    """A signed-in person sets (or changes) their password; every other session of theirs ends, and the
    returned ``SignedIn`` begins a fresh one for this browser.

    :raise InvalidInput: at ``password`` (too short) or ``password2`` (the two differ); nothing is changed.
    """
    errors: dict[str, list[str]] = {}
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = [gettext("At least %(num)d characters, please.", num=MIN_PASSWORD)]
    elif password != again:
        errors["password2"] = [gettext("The two passwords differ.")]
    if errors:
        raise InvalidInput("password refused", errors)
    with uow:
        user = uow.session.get(User, user_id)
        if user is None or not user.active:
            raise UserNotFound(f"no user {user_id}")
        user.password_hash = generate_password_hash(password)
        end_sessions(user)
        uow.commit()
        return signed_in(uow.session, user)
