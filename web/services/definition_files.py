"""One deployed version of a process (or decision), with its files: what an API client downloads."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from ..models import ProcessVersion
from .catalogue import decision_ids
from .errors import ProcessNotFound


@dataclass(frozen=True)
class VersionFiles:
    version: int
    definition_id: str              # the process or decision id asked for
    name: str                       # the process's name (a decision's id)
    deployed_by: str | None
    deployed_at: datetime
    reason: str | None
    files: list[tuple[str, str]]    # (file name, XML text), by name


def definition_version(session: Session, definition_id: str, version_id: int) -> VersionFiles:
    """Version ``version_id`` with all its files, when it defines the process or decision ``definition_id``.

    A version is self-contained, so every file comes along (called processes, decisions).

    :raise ProcessNotFound: no such version, or it does not define ``definition_id``.
    """
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise ProcessNotFound(f"no version {version_id}")
    names = {d.process_id: d.name for d in version.definitions}
    files = dict(version.files)
    if definition_id not in names and definition_id not in decision_ids(files):
        raise ProcessNotFound(f"version {version_id} does not define '{definition_id}'")
    return VersionFiles(version.id, definition_id, names.get(definition_id, definition_id), version.deployed_by,
                        version.deployed_at, version.reason, sorted(files.items()))
