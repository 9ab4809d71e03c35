"""Moving running cases to a newer version of their process, where that is safe.

A case may move when no element it has completed, or is at, was changed or
removed in the newer version (engine.diffing, on SpiffWorkflow's diff). The
case's ``version_id`` changes, its workflow is settled again (tasks, timers,
waits), and its history says who moved it, when, why, and from which version
to which.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from engine.clock import Clock
from engine.diffing import MigrationCheck, check_migration, migrate
from engine.diffing import MigrationRefused as EngineMigrationRefused

from ..models import ProcessDefinition, ProcessInstance, ProcessVersion
from ..runtime import Runtime
from .actors import Actor
from .catalogue import LIVE
from .designs import require_designer
from .engine_calls import engine_errors, restore_workflow
from .errors import Conflict, InstanceNotFound, InvalidInput
from .projection import record
from .routing import settle
from .uow import UnitOfWork

MAX_REASON = 1000


class MigrationRefused(Conflict):
    """The case cannot move to that version; ``reasons`` say why."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


@dataclass(frozen=True)
class CaseCheck:
    """Whether one case can move to ``to_version`` and, if not, why."""

    instance_id: int
    process_id: str
    title: str | None
    status: str
    from_version: int
    to_version: int | None
    reasons: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)   # "added notify_applicant", "changed gw_decision (outputs)"

    @property
    def safe(self) -> bool:
        return self.to_version is not None and not self.reasons


def newest_version_of(session: Session, process_id: str) -> int | None:
    return session.scalar(select(ProcessDefinition.version_id).where(ProcessDefinition.process_id == process_id)
                          .order_by(ProcessDefinition.version_id.desc()).limit(1))


def cases_on_version(session: Session, runtime: Runtime, version_id: int, actor: Actor,
                     to_version: int | None = None) -> list[CaseCheck]:
    """The running and suspended cases on ``version_id``, each checked against ``to_version``
    (default: the newest version of its process)."""
    found = session.scalars(select(ProcessInstance).where(ProcessInstance.version_id == version_id,
                                                          ProcessInstance.status.in_(LIVE))
                            .options(undefer(ProcessInstance.state))   # each one is restored: one query for all
                            .order_by(ProcessInstance.id))
    return [check_case(session, runtime, instance, to_version or newest_version_of(session, instance.process_id))
            for instance in found if actor.sees_province(instance.province)]


def check_case(session: Session, runtime: Runtime, instance: ProcessInstance, to_version: int | None) -> CaseCheck:
    """Whether ``instance`` can move to ``to_version``; nothing is changed."""
    def result(reasons: list[str], check: MigrationCheck | None = None) -> CaseCheck:
        changes = [f"{c.change} {c.element_id}" + (f" ({', '.join(c.attributes)})" if c.attributes else "")
                   for c in (check.changes if check else [])]
        return CaseCheck(instance.id, instance.process_id, instance.title, instance.status, instance.version_id,
                         to_version, reasons, changes)

    problem = _target_problem(session, instance, to_version)
    if problem is not None:
        return result([problem])
    workflow = restore_workflow(runtime, instance)
    spec, subprocesses = runtime.spec_set(session.get(ProcessVersion, to_version)).spec_for(instance.process_id)
    check = check_migration(runtime.engine.serializer, workflow, spec, subprocesses, instance.visited or [])
    return result([str(b) for b in check.blockers], check)


def migrate_case(instance_id: int, to_version: int, reason: str | None, *, actor: Actor, uow: UnitOfWork,
                 runtime: Runtime, clock: Clock) -> CaseCheck:
    """Move a running or suspended case to ``to_version`` of its process, in one transaction.

    :raise Forbidden: not a process designer. InvalidInput: no reason.
    :raise InstanceNotFound, MigrationRefused (with the reasons; nothing changed), ProcessFailed:
    """
    require_designer(actor)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput("a reason is required", {"reason": [f"1 to {MAX_REASON} characters"]})
    with uow:
        instance = uow.session.scalar(select(ProcessInstance).where(ProcessInstance.id == instance_id)
                                      .options(undefer(ProcessInstance.state))
                                      .with_for_update().execution_options(populate_existing=True))
        if instance is None or not actor.sees_province(instance.province):
            raise InstanceNotFound(f"no case {instance_id}")
        problem = _target_problem(uow.session, instance, to_version)
        if problem is not None:
            raise MigrationRefused([problem])
        workflow = restore_workflow(runtime, instance)
        target = uow.session.get(ProcessVersion, to_version)
        spec, subprocesses = runtime.spec_set(target).spec_for(instance.process_id)
        check = check_migration(runtime.engine.serializer, workflow, spec, subprocesses, instance.visited or [])
        if not check.safe:
            raise MigrationRefused([str(b) for b in check.blockers])
        try:
            migrate(runtime.engine.serializer, workflow, spec, subprocesses, instance.visited or [])
        except EngineMigrationRefused as exc:   # nothing is stored: the half-moved workflow is dropped
            raise MigrationRefused([str(b) for b in exc.blockers]) from exc
        if instance.status == "running":
            with engine_errors():
                runtime.engine.run(workflow)   # whatever the new version made ready now runs, as after any step
        now, from_version = clock.now(), instance.version_id
        instance.version_id = target.id
        record(uow.session, instance, "instance_migrated", now, actor=actor.username,
               data={"from": from_version, "to": target.id, "reason": reason,
                     "changes": [f"{c.change} {c.element_id}" for c in check.changes]})
        settle(uow.session, instance, workflow, runtime, now, actor.username)
        uow.commit()
        return CaseCheck(instance.id, instance.process_id, instance.title, instance.status, from_version,
                         target.id)


def _target_problem(session: Session, instance: ProcessInstance, to_version: int | None) -> str | None:
    if instance.status not in LIVE:
        return f"the case is {instance.status}"
    if to_version is None or to_version <= instance.version_id:
        return f"there is no newer version of '{instance.process_id}' than {instance.version_id}"
    defines = session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.version_id == to_version,
                                                               ProcessDefinition.process_id == instance.process_id))
    if defines is None:
        return f"version {to_version} does not define '{instance.process_id}'"
    return None
