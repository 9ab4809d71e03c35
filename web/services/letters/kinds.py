"""The kinds of letter (``processes/letters/kinds.json``) and their templates, checked for designers.

A kind says which completed task issues it (its form, optionally the process and a field's value),
its subject (a one-line template) and the template file of its body. Templates are Jinja over the
case data and the task's submission, rendered in a sandbox with escaping on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from jinja2 import TemplateSyntaxError

from ...config import shipped_dir
from .templating import parse

LETTERS_DIR = shipped_dir("processes") / "letters"


@dataclass(frozen=True)
class LetterKind:
    id: str
    title: Mapping[str, str]
    form: str
    template: str
    subject: str
    process: str | None = None
    when: Mapping[str, Any] = field(default_factory=dict)

    def applies(self, form_id: str | None, process_id: str, data: Mapping[str, Any]) -> bool:
        """Whether completing a task with this form in this process (with ``data``) issues the letter."""
        return form_id == self.form and (self.process is None or self.process == process_id) and \
            all(data.get(key) == value for key, value in self.when.items())


@dataclass(frozen=True)
class TemplateProblem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 0}: {self.message}"


def letter_kinds(directory: Path = LETTERS_DIR) -> dict[str, LetterKind]:
    """Every kind of letter, by id (an empty dict when the folder has no kinds.json).

    Every task completion asks, so the file is read again only when it changed (a shared dict: do not change it).
    """
    path = directory / "kinds.json"
    try:
        stamp = path.stat()
    except OSError:
        return {}
    return _kinds(path, stamp.st_mtime_ns, stamp.st_size)


@lru_cache(maxsize=8)
def _kinds(path: Path, _mtime: int, _size: int) -> dict[str, LetterKind]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {kind_id: LetterKind(id=kind_id, title=spec["title"], form=spec["form"], template=spec["template"],
                                subject=spec["subject"], process=spec.get("process"), when=spec.get("when", {}))
            for kind_id, spec in raw.items()}


def template_text(kind: LetterKind, directory: Path = LETTERS_DIR) -> str:
    return (directory / kind.template).read_text(encoding="utf-8")


def check_template(text: str, file: str) -> list[TemplateProblem]:
    """What is wrong with a letter template: its syntax, reported at its line (empty when it compiles)."""
    try:
        parse(text)
    except TemplateSyntaxError as exc:
        return [TemplateProblem(file, exc.lineno, exc.message or "template syntax error")]
    return []


def check_letters(directory: Path = LETTERS_DIR) -> list[TemplateProblem]:
    """Problems of every kind and template in ``directory`` (for ``clusterflow validate`` and tests)."""
    problems: list[TemplateProblem] = []
    try:
        kinds = letter_kinds(directory)
    except (ValueError, KeyError, TypeError) as exc:
        return [TemplateProblem(str(directory / "kinds.json"), None, f"invalid kinds.json: {exc}")]
    for kind in kinds.values():
        path = directory / kind.template
        if not path.exists():
            problems.append(TemplateProblem(str(directory / "kinds.json"), None,
                                            f'kind "{kind.id}": no template file {kind.template}'))
            continue
        problems += check_template(path.read_text(encoding="utf-8"), str(path))
        problems += check_template(kind.subject, f"{directory / 'kinds.json'} ({kind.id} subject)")
    return problems
