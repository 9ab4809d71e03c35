"""Demo data for `make run`: users for every role in two provinces, the shipped processes, a few cases."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import func, select

from engine.validation import read_sources

from ..models import ProcessInstance, User
from ..reference import roles
from ..runtime import Runtime
from .actors import Actor
from .deployment import deploy
from .instances import start_instance
from .uow import UnitOfWork
from .users import create_user

DEMO_PROVINCES = ("tehran", "isfahan")


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    province: str | None


def seed_demo(*, uow_factory: Callable[..., UnitOfWork], runtime: Runtime, process_dirs: list[Path]) -> list[DemoUser]:
    """Create what is missing; returns the users created now (with passwords, shown once)."""
    created: list[DemoUser] = []
    for role in roles().values():
        for province in (None,) if role.national else DEMO_PROVINCES:
            username = role.id if province is None else f"{role.id}.{province}"
            with uow_factory(write=False) as uow:
                if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
                    continue
            password = secrets.token_urlsafe(9)
            create_user(username, password, role_ids=[role.id], province_ids=[province] if province else [],
                        display_name=None, uow=uow_factory(), clock=runtime.clock)
            created.append(DemoUser(username, password, role.id, province))

    for directory in process_dirs:
        sources = read_sources([directory]) if directory.exists() else {}
        if sources:
            deploy(sources, actor="demo", reason="demo data", uow=uow_factory(), runtime=runtime,
                   clock=runtime.clock)

    with uow_factory(write=False) as uow:
        has_cases = uow.session.scalar(select(func.count(ProcessInstance.id)))
    if not has_cases:
        for number, province in enumerate(DEMO_PROVINCES, start=1):
            actor = Actor(f"cluster_expert.{province}", frozenset({"cluster_expert"}), frozenset({province}))
            start_instance("document_review", {"document_number": number}, actor=actor, province=province,
                           uow=uow_factory(), runtime=runtime, clock=runtime.clock)
    return created
