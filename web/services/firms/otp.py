"""One-time codes by SMS: requesting one (throttled per mobile and per address) and checking one.

A code is 6 digits, kept only as an HMAC (the app's secret and a random salt per code), valid for
``CODE_LIFETIME``, used at most once, and void after ``MAX_ATTEMPTS`` wrong tries. A wrong try changes
nothing but the code's try counter. The SMS is a job the worker sends (``texting``); a request never waits
on the SMS provider.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models.firms import OneTimeCode
from ..errors import InvalidInput, ServiceError
from .identity import clean_mobile
from .texting import queue_code

CODE_LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)      # one code a minute to a mobile
MOBILE_WINDOW, MOBILE_MOST = timedelta(hours=1), 5
ADDRESS_WINDOW, ADDRESS_MOST = timedelta(hours=1), 20
PURPOSES = ("sign_in", "register")


class TooManyCodes(ServiceError):
    """Codes were asked for too often (this mobile or this address); ``retry_after`` seconds to wait."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class CodeRefused(InvalidInput):
    """A code that does not open anything: wrong, expired, used or void (422 at the ``code`` field)."""


@dataclass(frozen=True)
class CodeSent:
    mobile: str
    expires_at: datetime


def _digest(secret: str, salt: str, code: str) -> str:
    return hmac.new(secret.encode("utf-8"), f"{salt}:{code}".encode("ascii"), hashlib.sha256).hexdigest()


def issue_code(session: Session, mobile: str, purpose: str, address: str, *, secret: str, now: datetime,
               send: bool = True) -> CodeSent:
    """Make a new code for ``mobile`` and queue its SMS (unless ``send`` is False: a number nobody holds is
    answered alike, without an SMS), in the caller's transaction.

    :raise InvalidInput: at ``mobile`` for a number that is not an Iranian mobile.
    :raise TooManyCodes: too many codes for this number or from this address lately; nothing is recorded.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    mobile = clean_mobile(mobile)
    address = (address or "-")[:64]
    wait = _throttle(session, mobile, address, now)
    if wait > 0:
        raise TooManyCodes(gettext("Too many codes were asked for. Try again in %(seconds)d seconds.",
                                   seconds=wait), wait)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    salt = secrets.token_hex(8)
    row = OneTimeCode(mobile=mobile, purpose=purpose, salt=salt, code_hash=_digest(secret, salt, code),
                      address=address, created_at=now, expires_at=now + CODE_LIFETIME, attempts=0)
    session.add(row)
    if send:
        queue_code(session, mobile, code, row.expires_at, now)
    return CodeSent(mobile, row.expires_at)


def _throttle(session: Session, mobile: str, address: str, now: datetime) -> int:
    """Seconds until another code may be asked for this mobile from this address (0: now)."""
    count, last, first = session.execute(
        select(func.count(OneTimeCode.id), func.max(OneTimeCode.created_at), func.min(OneTimeCode.created_at))
        .where(OneTimeCode.mobile == mobile, OneTimeCode.created_at > now - MOBILE_WINDOW)).one()
    waits = [0.0]
    if last is not None:
        waits.append((last + RESEND_AFTER - now).total_seconds())
    if count >= MOBILE_MOST and first is not None:
        waits.append((first + MOBILE_WINDOW - now).total_seconds())
    by_address, first_here = session.execute(
        select(func.count(OneTimeCode.id), func.min(OneTimeCode.created_at))
        .where(OneTimeCode.address == address, OneTimeCode.created_at > now - ADDRESS_WINDOW)).one()
    if by_address >= ADDRESS_MOST and first_here is not None:
        waits.append((first_here + ADDRESS_WINDOW - now).total_seconds())
    return max(0, math.ceil(max(waits)))


def check_code(session: Session, mobile: str, purpose: str, code: str, *, secret: str, now: datetime) -> None:
    """Use the newest code sent to ``mobile`` for ``purpose``, in the caller's transaction.

    A wrong code counts one try against the code: the caller must commit even when this raises
    ``CodeRefused`` with ``counted`` (``exc.counted``), and record nothing else.

    :raise InvalidInput: at ``mobile`` for a number that is not an Iranian mobile.
    :raise CodeRefused: at ``code``: none was sent, it expired, it was used, it is void after
        ``MAX_ATTEMPTS`` wrong tries, or it is wrong.
    """
    mobile = clean_mobile(mobile)
    typed = "".join(ch for ch in str(code or "") if not ch.isspace())
    typed = typed.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789"))
    row = session.scalar(select(OneTimeCode).where(OneTimeCode.mobile == mobile, OneTimeCode.purpose == purpose)
                         .order_by(OneTimeCode.created_at.desc(), OneTimeCode.id.desc()).limit(1)
                         .with_for_update())
    if row is None:
        raise _refused(gettext("No code was sent to this number. Ask for a code first."))
    if row.used_at is not None:
        raise _refused(gettext("This code was used already. Ask for a new code."))
    if row.expires_at <= now:
        raise _refused(gettext("This code has expired. Ask for a new code."))
    if row.attempts >= MAX_ATTEMPTS:
        raise _refused(gettext("This code was entered wrongly too many times and no longer works. "
                               "Ask for a new code."))
    if not (len(typed) == 6 and typed.isascii() and typed.isdigit()) or \
            not hmac.compare_digest(row.code_hash, _digest(secret, row.salt, typed)):
        row.attempts += 1
        left = MAX_ATTEMPTS - row.attempts
        text = gettext("Wrong code. Tries left for this code: %(left)d.", left=left) if left else \
            gettext("Wrong code. This code no longer works; ask for a new code.")
        raise _refused(text, counted=True)
    row.used_at = now


def _refused(text: str, counted: bool = False) -> CodeRefused:
    exc = CodeRefused(text, {"code": [text]})
    exc.counted = counted  # type: ignore[attr-defined]
    return exc
