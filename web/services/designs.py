"""Process designers' work on process files: drafts, uploads, validation and deployment from the designer.

Files travel as ``{file name: XML text}``; a set is always whole (a version is
self-contained), so a draft opened from a version holds all of its files.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn_meta import document_kind
from engine.clock import Clock
from engine.diffing import extension_marks
from engine.errors import Problem
from engine.xmlsafe import MAX_FILE_BYTES, XmlError, parse_xml

from ..models import DesignDraft, ProcessVersion
from ..runtime import Runtime, encode_files
from .actors import Actor
from .deployment import Deployed, deploy
from .errors import Forbidden, InvalidInput, NotFound
from .uow import UnitOfWork

DESIGNER = "process_designer"
SUFFIXES = (".bpmn", ".dmn")
MAX_FILES = 50
MAX_REASON = 1000
_BAD_NAME = re.compile(r'[\x00-\x1f\\:*?"<>|]')
# extension namespaces the engine reads: anything else belongs to another tool and is only kept
_ENGINE_PREFIXES = ("spiffworkflow:", "@spiffworkflow:")
# what the modeler's side panel adds and removes on purpose: its disappearance is no loss
_PANEL_MANAGED = frozenset(f"spiffworkflow:{name}" for name in (
    "properties", "property", "calledDecisionId", "messageVariable", "instructionsForEndUser", "preScript",
    "postScript"))


class DraftNotFound(NotFound):
    pass


class FilesRefused(InvalidInput):
    """Uploaded or saved files are not acceptable; ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems),
                         {"files": [str(p) for p in self.problems]})


@dataclass(frozen=True)
class Report:
    """What validation found: problems block deployment, warnings do not."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def require_designer(actor: Actor) -> None:
    """:raise Forbidden: the actor is not a process designer."""
    if not (actor.system or DESIGNER in actor.roles):
        raise Forbidden("only process designers may change processes")


def check_files(files: Mapping[str, str]) -> dict[str, str]:
    """The files, when each has a usable name and is safe BPMN or DMN XML.

    :raise FilesRefused: with every problem (bad names, non-XML, DOCTYPE/entities, too large).
    """
    problems: list[Problem] = []
    if not files:
        problems.append(Problem("", None, None, "no files"))
    if len(files) > MAX_FILES:
        problems.append(Problem("", None, None, f"at most {MAX_FILES} files"))
    for name, text in files.items():
        problem = _name_problem(name)
        if problem is not None:
            problems.append(Problem(name, None, None, problem))
            continue
        try:
            root = parse_xml(name, text.encode("utf-8"))
        except XmlError as exc:
            problems.append(exc.problem)
            continue
        kind = document_kind(root)
        if kind is None or not name.lower().endswith("." + kind):
            problems.append(Problem(name, root.sourceline, None,
                                    "not a BPMN 2.0 file (.bpmn) or a DMN 1.1-1.3 file (.dmn)"))
    if problems:
        raise FilesRefused(problems)
    return dict(files)


def read_uploads(uploads: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """Uploaded files as text, checked as :func:`check_files` does (each read up to the size limit).

    :raise FilesRefused:
    """
    files, problems = {}, []
    for name, data in uploads:
        name = name.replace("\\", "/").rsplit("/", 1)[-1]  # browsers may send a path
        if len(data) > MAX_FILE_BYTES:
            problems.append(Problem(name, None, None, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"))
            continue
        try:
            files[name] = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(Problem(name, None, None, f"not UTF-8 text: {exc.reason} at byte {exc.start}"))
    try:
        check_files(files)
    except FilesRefused as exc:
        problems.extend(exc.problems)
    if problems:
        raise FilesRefused(problems)
    return files


def _name_problem(name: str) -> str | None:
    if not name or len(name) > 255 or _BAD_NAME.search(name):
        return "not a usable file name"
    if any(part in (".", "..") for part in name.split("/")) or name.endswith("/"):
        return "not a usable file name"
    if not name.lower().endswith(SUFFIXES):
        return "only .bpmn and .dmn files"
    return None


# -- drafts ------------------------------------------------------------------------------------

def save_draft(name: str, files: Mapping[str, str], *, based_on: int | None, draft_id: int | None, actor: Actor,
               uow: UnitOfWork, clock: Clock) -> DesignDraft:
    """Save the files as the actor's draft ``name`` (replacing their draft of that name, or ``draft_id``).

    :raise Forbidden, FilesRefused, DraftNotFound, InvalidInput (no name):
    """
    require_designer(actor)
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise InvalidInput("a draft needs a name", {"name": ["1 to 255 characters"]})
    checked = check_files(files)
    with uow:
        draft = _own_draft(uow.session, draft_id, actor) if draft_id is not None else uow.session.scalar(
            select(DesignDraft).where(DesignDraft.saved_by == actor.username, DesignDraft.name == name))
        if based_on is not None and uow.session.get(ProcessVersion, based_on) is None:
            based_on = None
        if draft is None:
            draft = DesignDraft(saved_by=actor.username)
            uow.session.add(draft)
        elif draft.name != name:
            clash = uow.session.scalar(select(DesignDraft.id).where(
                DesignDraft.saved_by == actor.username, DesignDraft.name == name, DesignDraft.id != draft.id))
            if clash is not None:
                raise InvalidInput("you have another draft of this name", {"name": ["already used"]})
        draft.name, draft.files, draft.saved_at = name, checked, clock.now()
        draft.based_on = based_on if based_on is not None else draft.based_on
        uow.commit()
        return draft


def list_drafts(session: Session, actor: Actor) -> list[DesignDraft]:
    return list(session.scalars(select(DesignDraft).where(DesignDraft.saved_by == actor.username)
                                .order_by(DesignDraft.saved_at.desc())))


def get_draft(session: Session, draft_id: int, actor: Actor) -> DesignDraft:
    """:raise DraftNotFound: no such draft of this designer."""
    return _own_draft(session, draft_id, actor)


def delete_draft(draft_id: int, *, actor: Actor, uow: UnitOfWork) -> None:
    require_designer(actor)
    with uow:
        uow.session.delete(_own_draft(uow.session, draft_id, actor))
        uow.commit()


def _own_draft(session: Session, draft_id: int, actor: Actor) -> DesignDraft:
    draft = session.get(DesignDraft, draft_id)
    if draft is None or draft.saved_by != actor.username:
        raise DraftNotFound(f"no draft {draft_id}")
    return draft


# -- validating and deploying ------------------------------------------------------------------

def validate_design(files: Mapping[str, str], runtime: Runtime, *, base: Mapping[str, str] | None = None) -> Report:
    """The problems ``clusterflow validate`` reports for the files, plus warnings about extensions.

    Warnings name the extensions of other tools (kept, not read by the engine)
    and any extension or foreign attribute that ``base`` (the files as they were
    opened) had and the new files lack.
    """
    problems = runtime.registry.validate(encode_files(dict(files)))
    return Report(problems, extension_warnings(files, base or {}))


def extension_warnings(files: Mapping[str, str], base: Mapping[str, str]) -> list[Problem]:
    warnings = []
    for name in sorted(files):
        try:
            marks = extension_marks(files[name].encode("utf-8"))
            before = extension_marks(base[name].encode("utf-8")) if name in base else set()
        except XmlError:
            continue  # the validator reports it
        still_there = {owner for owner, _what in marks} | _ids(files[name])
        for owner, what in sorted(before - marks):
            if owner in still_there and what not in _PANEL_MANAGED:
                warnings.append(Problem(name, None, owner or None,
                                        f"{what} was in the file as opened and is now missing"))
        foreign = sorted({what for _owner, what in marks if not what.startswith(_ENGINE_PREFIXES)})
        if foreign:
            warnings.append(Problem(name, None, None, "kept as they are, not used by the engine: "
                                    + ", ".join(foreign)))
    return warnings


def _ids(text: str) -> set[str]:
    root = parse_xml("file", text.encode("utf-8"))
    return {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}


def deploy_design(files: Mapping[str, str], reason: str | None, *, actor: Actor, uow: UnitOfWork,
                  runtime: Runtime, clock: Clock) -> Deployed:
    """Deploy the files as a new version with the designer's reason; running cases stay on theirs.

    :raise Forbidden, InvalidInput (no reason), FilesRefused, DeploymentRefused:
    """
    require_designer(actor)
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput("a reason is required", {"reason": [f"1 to {MAX_REASON} characters"]})
    checked = check_files(files)
    return deploy(encode_files(checked), actor=actor.username, reason=reason, uow=uow, runtime=runtime, clock=clock)


def base_files(session: Session, *, draft_id: int | None, version_id: int | None, actor: Actor) -> dict[str, str]:
    """The files a modeler session started from: the saved draft, else the version it was opened from."""
    if draft_id is not None:
        return dict(_own_draft(session, draft_id, actor).files)
    version = session.get(ProcessVersion, version_id) if version_id is not None else None
    return dict(version.files) if version is not None else {}
