"""What is deployed: every version with its processes, decisions, files and running cases; downloads; compare."""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.bpmn_meta import decisions
from engine.diffing import DocumentDiff, diff_documents
from engine.xmlsafe import XmlError, parse_xml

from ..models import ProcessDefinition, ProcessInstance, ProcessVersion
from .case_view import diagram_of
from .errors import InvalidInput, NotFound, ProcessNotFound

LIVE = ("running", "suspended")


@dataclass(frozen=True)
class VersionSummary:
    id: int
    deployed_by: str | None
    deployed_at: datetime
    reason: str | None
    files: list[str]
    processes: list[tuple[str, str]]        # (process id, name)
    decisions: list[str]
    running: int
    suspended: int


@dataclass(frozen=True)
class Entry:
    """A process or decision id and the versions that define it, newest first."""

    id: str
    name: str
    versions: list[int]


@dataclass(frozen=True)
class Catalogue:
    versions: list[VersionSummary]
    processes: list[Entry]
    decisions: list[Entry]

    def version(self, version_id: int) -> VersionSummary | None:
        return next((v for v in self.versions if v.id == version_id), None)


def catalogue(session: Session) -> Catalogue:
    """Every deployed version, newest first, with the cases that run (or are suspended) on each."""
    counts: dict[tuple[int, str], int] = {
        (version_id, status): n for version_id, status, n in session.execute(
            select(ProcessInstance.version_id, ProcessInstance.status, func.count(ProcessInstance.id))
            .where(ProcessInstance.status.in_(LIVE)).group_by(ProcessInstance.version_id, ProcessInstance.status))}
    versions, process_entries, decision_entries = [], {}, {}
    for version in session.scalars(select(ProcessVersion).order_by(ProcessVersion.id.desc())):
        files = dict(version.files)
        found = decision_ids(files)
        defined = sorted((d.process_id, d.name) for d in version.definitions)
        versions.append(VersionSummary(version.id, version.deployed_by, version.deployed_at, version.reason,
                                       sorted(files), defined, found, counts.get((version.id, "running"), 0),
                                       counts.get((version.id, "suspended"), 0)))
        for process_id, name in defined:
            process_entries.setdefault(process_id, Entry(process_id, name, [])).versions.append(version.id)
        for decision_id in found:
            decision_entries.setdefault(decision_id, Entry(decision_id, decision_id, [])).versions.append(version.id)
    return Catalogue(versions, sorted(process_entries.values(), key=lambda e: e.id),
                     sorted(decision_entries.values(), key=lambda e: e.id))


def decision_ids(files: dict[str, str]) -> list[str]:
    found = []
    for name, text in files.items():
        if name.lower().endswith(".dmn"):
            try:
                found += [d.get("id", "") for d in decisions(parse_xml(name, text.encode("utf-8")))]
            except XmlError:
                continue
    return sorted(found)


def version_files(session: Session, version_id: int) -> dict[str, str]:
    """:raise NotFound: no such version."""
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound(f"no version {version_id}")
    return dict(version.files)


def version_file(session: Session, version_id: int, name: str) -> str:
    """:raise NotFound: no such version or file."""
    files = version_files(session, version_id)
    if name not in files:
        raise NotFound(f"no file {name} in version {version_id}")
    return files[name]


def version_zip(session: Session, version_id: int) -> bytes:
    """The version's files in a zip archive, under their names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(version_files(session, version_id).items()):
            archive.writestr(_archive_name(name), text.encode("utf-8"))
    return buffer.getvalue()


def _archive_name(name: str) -> str:
    # names are labels (the CLI keeps the paths it was given): never let one point outside the archive
    return "/".join(part for part in name.split("/") if part not in ("", ".", "..")) or "file"


@dataclass(frozen=True)
class Comparison:
    process_id: str
    old: int
    new: int
    diagram: str | None          # the newer version's file that defines the process
    diff: DocumentDiff
    versions: list[int]          # every version that defines the process, newest first


def compare(session: Session, process_id: str, a: int | None, b: int | None) -> Comparison:
    """The element-level differences of ``process_id``'s file between versions ``a`` and ``b``.

    Without versions, the two newest that define the process; the newer of the
    two is shown, the older is what it is compared with.

    :raise ProcessNotFound: no version defines it; InvalidInput: a version does not.
    """
    versions = list(session.scalars(select(ProcessDefinition.version_id).where(
        ProcessDefinition.process_id == process_id).order_by(ProcessDefinition.version_id.desc())))
    if not versions:
        raise ProcessNotFound(f"no deployed process '{process_id}'")
    if a is None or b is None:
        b = b if b is not None else versions[0]
        a = a if a is not None else (versions[1] if len(versions) > 1 else versions[0])
    old, new = sorted((a, b))
    missing = [v for v in (old, new) if v not in versions]
    if missing:
        raise InvalidInput(f"version {missing[0]} does not define '{process_id}'",
                           {"version": [f"choose one of {', '.join(map(str, versions))}"]})
    old_text = diagram_of(session.get(ProcessVersion, old), process_id)
    new_text = diagram_of(session.get(ProcessVersion, new), process_id)
    diff = diff_documents(old_text.encode("utf-8") if old_text else None,
                          new_text.encode("utf-8") if new_text else None)
    return Comparison(process_id, old, new, new_text, diff, versions)
