"""User accounts."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from engine.clock import Clock

from ..models import User, UserProvince, UserRole
from ..reference import provinces, roles
from .actors import Actor
from .firms.scope import with_firms
from .auth import end_sessions
from .errors import Conflict, InvalidInput, UserNotFound
from .uow import UnitOfWork

MIN_PASSWORD = 8


def create_user(username: str, password: str, *, role_ids: Iterable[str], province_ids: Iterable[str],
                display_name: str | None = None, uow: UnitOfWork, clock: Clock) -> int:
    """Create a user with hashed password, roles and provinces.

    :raise InvalidInput: unknown role or province, a short password, a bad name.
    :raise Conflict: the username is taken.
    """
    role_ids, province_ids = sorted(set(role_ids)), sorted(set(province_ids))
    errors: dict[str, list[str]] = {}
    if not username or not username.replace("_", "").replace(".", "").replace("-", "").isalnum():
        errors["username"] = ["letters, digits, '.', '_' and '-' only"]
    unknown_roles = [r for r in role_ids if r not in roles()]
    if unknown_roles or not role_ids:
        errors["role"] = [f"unknown role: {r}" for r in unknown_roles] or ["at least one role is needed"]
    unknown_provinces = [p for p in province_ids if p not in provinces()]
    if unknown_provinces:
        errors["province"] = [f"unknown province: {p}" for p in unknown_provinces]
    if len(password) < MIN_PASSWORD:
        errors["password"] = [f"at least {MIN_PASSWORD} characters"]
    if errors:
        raise InvalidInput("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()), errors)
    with uow:
        if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
            raise Conflict(f"user '{username}' exists already")
        user = User(username=username, display_name=display_name, password_hash=generate_password_hash(password),
                    active=True, created_at=clock.now(),
                    roles=[UserRole(role=r) for r in role_ids],
                    provinces=[UserProvince(province=p) for p in province_ids])
        uow.session.add(user)
        uow.commit()
        return user.id


def actor_for(session, username: str) -> Actor:
    """The actor of an active user.

    :raise UserNotFound:
    """
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if user is None:
        raise UserNotFound(f"no active user '{username}'")
    return with_firms(session, user.id, Actor(user.username, frozenset(user.role_ids), frozenset(user.province_ids)))


def set_password(username: str, password: str, *, uow: UnitOfWork) -> None:
    """Give a user a new password (e.g. a lost demo password).

    :raise UserNotFound, InvalidInput:
    """
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"password: at least {MIN_PASSWORD} characters",
                           {"password": [f"at least {MIN_PASSWORD} characters"]})
    with uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise UserNotFound(f"no user '{username}'")
        user.password_hash = generate_password_hash(password)
        end_sessions(user)  # a password change ends every browser session (API tokens carry the password stamp)
        uow.commit()


def set_active(username: str, active: bool, *, uow: UnitOfWork) -> None:
    """Deactivate (or reactivate) a user; deactivating ends every browser session of theirs at once.

    :raise UserNotFound:
    """
    with uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise UserNotFound(f"no user '{username}'")
        user.active = active
        end_sessions(user)
        uow.commit()


def user_id_of(session, username: str) -> int:
    """:raise UserNotFound:"""
    user_id = session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise UserNotFound(f"no user '{username}'")
    return user_id
