"""Demo data for `make run`: users for every role in two provinces, the shipped processes, and cases
played forward through their real forms to several stages (web/data/demo.json)."""
from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select

from engine.validation import read_sources

from ..models import Firm, FirmRepresentation, ProcessInstance, TaskRecord, User
from ..reference import DATA, roles
from ..runtime import Runtime
from .actors import SYSTEM, Actor
from .deployment import deploy
from .instances import start_instance
from .task_page import complete_with_form
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
    """Create what is missing; returns the users created now (with passwords, shown once).

    :raise ServiceError: when the demo script no longer fits the processes (say which step).
    """
    script = json.loads((DATA / "demo.json").read_text(encoding="utf-8"))
    wanted = [(role.id, None) if role.national else (role.id, p) for role in roles().values()
              for p in ((None,) if role.national else DEMO_PROVINCES)]
    accounts = [(r if p is None else f"{r}.{p}", r, p) for r, p in wanted]
    accounts += [(u["username"], u["role"], u["province"]) for u in script["extra_users"]]
    created = [_ensure_user(username, role, province, uow_factory, runtime) for username, role, province in accounts]

    for directory in process_dirs:
        sources = read_sources([directory]) if directory.exists() else {}
        if sources:
            deploy(sources, actor="demo", reason="demo data", uow=uow_factory(), runtime=runtime, clock=runtime.clock)

    with uow_factory(write=False) as uow:
        has_cases = uow.session.scalar(select(func.count(ProcessInstance.id)))
    if not has_cases:
        _play(script, uow_factory, runtime)
        demo_firm_representative(script.get("firm_representative"), uow_factory, runtime)
    return [user for user in created if user is not None]


def _ensure_user(username: str, role: str, province: str | None, uow_factory: Callable[..., UnitOfWork],
                 runtime: Runtime) -> DemoUser | None:
    with uow_factory(write=False) as uow:
        if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
            return None
    password = secrets.token_urlsafe(9)
    create_user(username, password, role_ids=[role], province_ids=[province] if province else [],
                display_name=None, uow=uow_factory(), clock=runtime.clock)
    return DemoUser(username, password, role, province)


def _play(script: dict[str, Any], uow_factory: Callable[..., UnitOfWork], runtime: Runtime) -> None:
    for round_ in script["rounds"]:
        province = round_["province"]
        outcome = start_instance("identification_round", {"province": province, **round_["start"]},
                                 actor=_person("cluster_expert", province), province=province, uow=uow_factory(),
                                 runtime=runtime, clock=runtime.clock, title=round_["start"].get("title"))
        _steps(outcome.instance_id, round_["steps"], uow_factory, runtime)
    for case in script["cases"]:
        with uow_factory(write=False) as uow:
            ids = list(uow.session.scalars(select(ProcessInstance.id).where(
                ProcessInstance.process_id == case["process_id"], ProcessInstance.province == case["province"])
                .order_by(ProcessInstance.id)))
        _steps(ids[case["nth"]], case["steps"], uow_factory, runtime)


def _steps(instance_id: int, steps: list, uow_factory: Callable[..., UnitOfWork], runtime: Runtime) -> None:
    for element_id, data, *assignee in steps:
        with uow_factory(write=False) as uow:
            query = select(TaskRecord).where(TaskRecord.instance_id == instance_id, TaskRecord.status == "open",
                                             TaskRecord.element_id == element_id)
            if assignee:
                query = query.where(TaskRecord.assignee == assignee[0])
            task = uow.session.scalars(query).first()
        if task is None:
            raise RuntimeError(f"demo script: case {instance_id} has no open '{element_id}' task; "
                               "web/data/demo.json is out of step with processes/")
        actor = (Actor(task.assignee, frozenset({task.role or ""}), frozenset({task.province or ""}))
                 if task.assignee else _person(task.role, task.province))
        complete_with_form(task.id, data, actor=actor, locale="fa", uow=uow_factory(), runtime=runtime,
                           clock=runtime.clock)


def _person(role: str | None, province: str | None) -> Actor:
    """The demo user of a role in a province (as seed_demo names them)."""
    if role is None:
        return SYSTEM
    national = roles()[role].national if role in roles() else False
    username = role if national or province is None else f"{role}.{province}"
    return Actor(username, frozenset({role}), frozenset({province}) if province else frozenset())


def demo_firm_representative(spec: dict[str, Any] | None, uow_factory: Callable[..., UnitOfWork],
                             runtime: Runtime) -> None:
    """The demo's firm representative (firm_representative.tehran): a national id and mobile to sign in with a
    code, and a confirmed link to a firm the Tehran cluster case's feasibility study registered."""
    if not spec:
        return
    with uow_factory() as uow:
        user = uow.session.scalar(select(User).where(User.username == spec["username"]))
        firm = uow.session.scalar(select(Firm).where(Firm.national_id == spec["firm"]))
        if user is None or firm is None:
            raise RuntimeError(f"demo script: no user {spec['username']!r} or no firm {spec['firm']!r} in the "
                               "register; web/data/demo.json is out of step with processes/")
        user.national_id, user.mobile, user.display_name = spec["national_id"], spec["mobile"], spec["full_name"]
        now = runtime.clock.now()
        uow.session.add(FirmRepresentation(user_id=user.id, firm_id=firm.id, status="confirmed", invited_by="demo",
                                           confirmed_by="demo", created_at=now, confirmed_at=now))
        uow.commit()
