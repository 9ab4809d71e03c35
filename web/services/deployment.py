"""Deploying process files as a new version."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace
from typing import Mapping

from sqlalchemy import bindparam, func, select

from engine.clock import Clock
from engine.errors import Problem, ProcessValidationError
from engine.registry import content_hash

from ..models import ProcessDefinition, ProcessVersion
from ..runtime import Runtime, encode_files
from .errors import DeploymentRefused, ProcessNotFound
from .projection import record
from .uow import UnitOfWork


@dataclass(frozen=True)
class Deployed:
    version: int
    content_hash: str
    process_ids: list[str]
    created: bool  # False when the same files were deployed before


def deploy(sources: Mapping[str, bytes], *, actor: str, reason: str | None, uow: UnitOfWork, runtime: Runtime,
           clock: Clock) -> Deployed:
    """Validate and store a self-contained set of files as a new version.

    Deploying the very same files again returns the existing version. The version names its files relative
    to the folder they share (never where a server keeps them); problems name them as they were given.

    :raise DeploymentRefused: with every problem; nothing is stored.
    """
    relative = _relative(sources)
    given = dict(zip(relative, sources))
    files, problems = _decode(relative)
    if problems:
        raise DeploymentRefused(_as_given(problems, given))
    canonical = encode_files(files)
    key = content_hash(canonical)
    try:
        spec_set = runtime.registry.load(canonical)
    except ProcessValidationError as exc:
        raise DeploymentRefused(_as_given(exc.problems, given)) from exc
    with uow:
        existing = uow.session.scalar(select(ProcessVersion).where(ProcessVersion.content_hash == key))
        if existing is not None:
            return Deployed(existing.id, key, sorted(d.process_id for d in existing.definitions), False)
        version = ProcessVersion(content_hash=key, files=files, serializer_version=runtime.engine.serializer.version,
                                 deployed_by=actor, deployed_at=clock.now(), reason=reason)
        starts = {process_id: name for name, process_id in spec_set.message_starts.items()}
        for process_id in sorted(spec_set.processes):
            manual = spec_set.manual_starts.get(process_id)
            version.definitions.append(ProcessDefinition(
                process_id=process_id, name=spec_set.process_names.get(process_id, process_id),
                name_en=spec_set.process_names_en.get(process_id),
                start_message=starts.get(process_id), manual_start=manual is not None,
                starter_role=manual.role if manual else None, start_form=manual.form if manual else None,
                one_case_per=",".join(manual.one_case_per) if manual and manual.one_case_per else None))
        uow.session.add(version)
        uow.session.flush()
        record(uow.session, None, "deployed", clock.now(), actor=actor,
               data={"version": version.id, "files": sorted(files), "reason": reason})
        uow.commit()
        return Deployed(version.id, key, sorted(spec_set.processes), True)


_LATEST = (select(ProcessDefinition).where(ProcessDefinition.process_id == bindparam("process_id"))
           .order_by(ProcessDefinition.version_id.desc()).limit(1))   # built once: every start asks


def latest_definition(session, process_id: str) -> ProcessDefinition:
    """``process_id`` in the newest version that defines it (new cases start there).

    :raise ProcessNotFound:
    """
    definition = session.scalar(_LATEST, {"process_id": process_id})
    if definition is None:
        raise ProcessNotFound(f"no deployed process '{process_id}'")
    return definition


def newest_definitions():  # type: ignore[no-untyped-def]
    """A query of each process id's definition in the newest version that has it."""
    newest = (select(ProcessDefinition.process_id, func.max(ProcessDefinition.version_id).label("version_id"))
              .group_by(ProcessDefinition.process_id).subquery())
    return select(ProcessDefinition).join(newest, (newest.c.process_id == ProcessDefinition.process_id)
                                          & (newest.c.version_id == ProcessDefinition.version_id))


def _relative(sources: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files named relative to the folder they share: a version never shows where a server keeps them."""
    names = list(sources)
    directories = [posixpath.dirname(name.replace("\\", "/")) for name in names]
    common = posixpath.commonpath(directories) if directories and all(
        d.startswith("/") == directories[0].startswith("/") for d in directories) else ""
    if not common:
        return dict(sources)
    return {posixpath.relpath(name.replace("\\", "/"), common): data for name, data in sources.items()}


def _as_given(problems: list[Problem], given: dict[str, str]) -> list[Problem]:
    return [replace(p, file=given.get(p.file, p.file)) for p in problems]


def _decode(sources: Mapping[str, bytes]) -> tuple[dict[str, str], list[Problem]]:
    files, problems = {}, []
    if not sources:
        problems.append(Problem("", None, None, "no files to deploy"))
    for name, data in sources.items():
        try:
            files[name] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(name, None, None, f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
    return files, problems
