"""The per-app process runtime: one engine, one spec registry, one clock."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from flask import Flask, current_app
from sqlalchemy import func, select

from engine.clock import Clock
from engine.registry import Registry, SpecSet
from engine.runtime import Engine

from .models import ProcessDefinition, ProcessInstance, ProcessVersion
from .reference import roles


def form_ids(forms_dir: Path) -> set[str]:
    """The ids of the form definitions shipped in ``forms/definitions``."""
    return {p.stem for p in (forms_dir / "definitions").glob("*.json")}


class DefinitionNames(NamedTuple):
    name: str
    name_en: str | None
    start_form: str | None


WARM_VERSIONS = 20   # deployed versions parsed before serving (the rest on first use)


@dataclass
class Runtime:
    engine: Engine
    registry: Registry
    clock: Clock
    _hash_of_version: dict[int, str] = field(default_factory=dict)  # versions never change once stored
    # (count, max id) of the closures the engine's calendar holds (services.closures.refresh_calendar)
    closures_marker: tuple[Any, ...] | None = None
    # version id -> {process id: its names and start form}; a deployed version's definitions never change
    _names_of_version: dict[int, dict[str, DefinitionNames]] = field(default_factory=dict)

    def process_names(self, session: Any, version_id: int) -> dict[str, DefinitionNames]:
        """The names (and start forms) of the processes a deployed version defines, read once per worker."""
        names = self._names_of_version.get(version_id)
        if names is None:
            names = {row.process_id: DefinitionNames(row.name, row.name_en, row.start_form) for row in session.execute(
                select(ProcessDefinition.process_id, ProcessDefinition.name, ProcessDefinition.name_en,
                       ProcessDefinition.start_form).where(ProcessDefinition.version_id == version_id)
                .order_by(ProcessDefinition.id))}
            if len(self._names_of_version) > 4096:
                self._names_of_version.clear()
            self._names_of_version[version_id] = names
        return names

    def spec_set_of(self, instance: Any) -> SpecSet:
        """The parsed specs an instance is pinned to, without touching the database when cached."""
        key = self._hash_of_version.get(instance.version_id)
        cached = self.registry.cached(key) if key else None
        if cached is not None:
            return cached
        spec_set = self.spec_set(instance.version)
        self._hash_of_version[instance.version_id] = spec_set.content_hash
        return spec_set

    def spec_set(self, version: Any) -> SpecSet:
        """The parsed specs of a stored ``ProcessVersion`` (parsed once per worker, then cached).

        Its ``files`` are read from the database only on a cache miss.
        """
        cached = self.registry.cached(version.content_hash)
        if cached is not None:
            return cached
        return self.registry.load(encode_files(version.files), validate=False)


    def warm(self, session: Any, *, limit: int = WARM_VERSIONS) -> int:
        """Parse the versions new cases take (the newest of each process) and those of running cases, newest
        first and at most ``limit``, so that requests do not pay for the parse; returns how many were parsed.
        Called before the server forks its workers, which then share the parsed specs."""
        newest = select(func.max(ProcessDefinition.version_id)).group_by(ProcessDefinition.process_id)
        running = select(ProcessInstance.version_id).where(ProcessInstance.status == "running").distinct()
        versions = session.scalars(select(ProcessVersion).where(
            ProcessVersion.id.in_(newest.union(running).scalar_subquery())).order_by(ProcessVersion.id.desc())
            .limit(limit)).all()
        for version in versions:
            self._hash_of_version[version.id] = self.spec_set(version).content_hash
        return len(versions)


def encode_files(files: dict[str, str]) -> dict[str, bytes]:
    return {name: text.encode("utf-8") for name, text in files.items()}


def make_runtime(clock: Clock, *, script_time_limit: float = 1.0, script_memory_limit_mb: int = 64) -> Runtime:
    forms_dir = Path(__file__).resolve().parent.parent / "forms"
    registry = Registry(roles=set(roles()), forms=form_ids(forms_dir))
    engine = Engine(clock, script_time_limit=script_time_limit, script_memory_limit=script_memory_limit_mb << 20)
    return Runtime(engine, registry, clock)


def init_runtime(app: Flask, clock: Clock) -> None:
    app.extensions["clusterflow.runtime"] = make_runtime(
        clock, script_time_limit=app.config["SCRIPT_TIME_LIMIT"],
        script_memory_limit_mb=app.config.get("SCRIPT_MEMORY_LIMIT_MB", 64))


def current_runtime() -> Runtime:
    return current_app.extensions["clusterflow.runtime"]
