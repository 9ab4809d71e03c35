"""The form definitions beside a process: which forms a version uses, reading and saving their files.

``forms/definitions/<id>.json`` is the source of truth for forms: saving here
writes that file (after forms.loader accepted it), so every case, on every
version, shows the saved form from then on.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from engine.bpmn_meta import BPMN_NS, bpmn_local, processes, properties
from engine.clock import Clock
from forms.checks import name_problem
from forms.loader import load_form_file
from forms.model import FormDefinition, FormError, FormProblem

from ..models import ProcessVersion
from ..runtime import Runtime
from .actors import Actor
from .designs import require_designer
from .errors import InvalidInput, NotFound
from .projection import record
from .uow import UnitOfWork
from .version_files import bpmn_trees

_FORM_OWNERS = {"userTask", "manualTask", "startEvent"}


class FormRefused(InvalidInput):
    """The definition is not valid; ``problems`` are forms.loader's."""

    def __init__(self, problems: list[FormProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems),
                         {"definition": [str(p) for p in self.problems]})


@dataclass(frozen=True)
class FormUse:
    """A form a version names, where, and whether its definition exists."""

    form_id: str
    exists: bool
    used_by: tuple[tuple[str, str, str], ...]   # (process id, element id, element name)


def forms_of_version(session: Session, version_id: int, directory: Path) -> list[FormUse]:
    """The forms the version's user tasks and start events name (their ``form`` property).

    :raise NotFound: no such version.
    """
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound(f"no version {version_id}")
    uses: dict[str, list[tuple[str, str, str]]] = {}
    for name, _text, root in bpmn_trees(version):
        for process in processes(root):
            for element in process.iter(f"{{{BPMN_NS}}}*"):
                form_id = properties(element).get("form") if bpmn_local(element) in _FORM_OWNERS else None
                if form_id:
                    uses.setdefault(form_id, []).append(
                        (process.get("id", ""), element.get("id", ""), element.get("name") or ""))
    return [FormUse(form_id, (directory / f"{form_id}.json").is_file(), tuple(where))
            for form_id, where in sorted(uses.items())]


def form_source(form_id: str, directory: Path) -> tuple[str, bool]:
    """The definition file's text and True, or a starting point for a new form and False.

    :raise InvalidInput: ``form_id`` cannot name a form.
    """
    _check_id(form_id)
    path = directory / f"{form_id}.json"
    if path.is_file():
        return path.read_text(encoding="utf-8-sig"), True
    blank = {"id": form_id, "title": {"fa": "", "en": ""}, "fields": []}
    return json.dumps(blank, ensure_ascii=False, indent=2) + "\n", False


def check_form_text(form_id: str, text: str) -> FormDefinition:
    """The definition ``text`` would be as ``<form_id>.json``, checked by forms.loader.

    :raise FormRefused: with every problem (file names in them are ``<form_id>.json``).
    """
    _check_id(form_id)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{form_id}.json"
        path.write_text(text, encoding="utf-8")
        try:
            return load_form_file(path)
        except FormError as exc:
            raise FormRefused([FormProblem(f"{form_id}.json", p.field, p.message, p.line, p.column)
                               for p in exc.problems]) from exc


def save_form(form_id: str, text: str, *, actor: Actor, directory: Path, uow: UnitOfWork, runtime: Runtime,
              clock: Clock) -> FormDefinition:
    """Check and write ``<directory>/<form_id>.json``; new form ids become known to the validator.

    :raise Forbidden, InvalidInput, FormRefused: nothing is written.
    """
    require_designer(actor)
    form = check_form_text(form_id, text)
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{form_id}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text if text.endswith("\n") else text + "\n")
        os.replace(temporary, directory / f"{form_id}.json")   # readers see the old or the new file, never half
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    if runtime.registry.forms is not None:
        runtime.registry.forms.add(form_id)
    with uow:
        record(uow.session, None, "form_saved", clock.now(), actor=actor.username, data={"form_id": form_id})
        uow.commit()
    return form


def _check_id(form_id: str) -> None:
    problem = name_problem(form_id)
    if problem is not None:
        raise InvalidInput(problem, {"form_id": [problem]})
