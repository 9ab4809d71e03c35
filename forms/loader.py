"""Reading form definition files (``forms/definitions/<form_id>.json``).

A definition is one JSON object::

    {"id": "<the file name without .json>",
     "title": {"fa": "...", "en": "..."},
     "help": {"fa": "...", "en": "..."},          (optional)
     "fields": [{"name": "decision", "type": "choice", "required": true,
                 "label": {"fa": "...", "en": "..."}, "choices": [...]}, ...]}

The keys each field type takes are in :data:`forms.model.TYPE_OPTIONS`; any
other key is an error, so a typo such as ``"requried"`` is reported rather
than ignored. Files are UTF-8 (a byte-order mark is tolerated).
"""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from .checks import NAME, check_form, json_object
from .model import FormDefinition, FormError, FormProblem

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
"""Where the application's form definitions live."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def load_form_file(path: Path) -> FormDefinition:
    """The checked definition in the file ``path``.

    :raise FormError: listing every problem in the file, each with the file,
        the field (when there is one) and the reason; JSON syntax errors give
        the line and column.
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise FormError([FormProblem(source, None, f"cannot be read: {exc.strerror or exc}")]) from exc
    except UnicodeDecodeError as exc:
        raise FormError([FormProblem(source, None, f"is not UTF-8 text (byte {exc.start})")]) from exc
    try:
        doc = json.loads(text, object_pairs_hook=json_object, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise FormError([FormProblem(source, None, f"not valid JSON: {exc.msg}",
                                     line=exc.lineno, column=exc.colno)]) from exc
    except ValueError as exc:
        raise FormError([FormProblem(source, None, f"not valid JSON: {exc}")]) from exc
    form, problems = check_form(doc, path.stem, source)
    if form is None:
        raise FormError(problems)
    return form


def load_forms(directory: Path | None = None) -> dict[str, FormDefinition]:
    """Every definition in ``directory`` (default: ``forms/definitions``), by form id.

    Only ``*.json`` files are read.

    :raise FormError: listing every problem in every file, or saying the
        directory does not exist.
    """
    folder = DEFINITIONS_DIR if directory is None else Path(directory)
    if not folder.is_dir():
        raise FormError([FormProblem(str(folder), None, "is not a directory")])
    forms: dict[str, FormDefinition] = {}
    problems: list[FormProblem] = []
    for path in sorted(folder.glob("*.json")):
        try:
            forms[path.stem] = load_form_file(path)
        except FormError as exc:
            problems.extend(exc.problems)
    for form in forms.values():
        for other in form.context:
            if other not in forms and not (folder / f"{other}.json").exists():
                problems.append(FormProblem(form.source, None, f'"context": there is no form "{other}"'))
    if problems:
        raise FormError(problems)
    return forms


def form_ids(directory: Path | None = None) -> set[str]:
    """The ids of the definitions in ``directory`` (file names only; nothing is read or checked)."""
    folder = DEFINITIONS_DIR if directory is None else Path(directory)
    return {path.stem for path in folder.glob("*.json")}


_cache: dict[Path, tuple[tuple[int, int], FormDefinition]] = {}
_cache_lock = threading.Lock()


def load_form(form_id: str, directory: Path | None = None) -> FormDefinition:
    """The definition of ``form_id``, read again only when its file has changed.

    For a request handler: cheap when the file's modification time and size
    are unchanged since the last call.

    :raise FormError: if ``form_id`` is not a valid form id, there is no such
        file, or the file is invalid.
    """
    folder = DEFINITIONS_DIR if directory is None else Path(directory)
    path = folder / f"{form_id}.json"
    # The id may come from a URL or a process file: never let it leave the folder.
    if not isinstance(form_id, str) or not NAME.fullmatch(form_id):
        raise FormError([FormProblem(str(folder), None, f"{form_id!r} is not a form id")])
    try:
        stat = path.stat()
    except OSError as exc:
        raise FormError([FormProblem(str(path), None, "no such form definition")]) from exc
    stamp = (stat.st_mtime_ns, stat.st_size)
    with _cache_lock:
        cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    form = load_form_file(path)
    with _cache_lock:
        _cache[path] = (stamp, form)
    return form


def form_or_none(form_id: str | None, directory: Path | None = None) -> FormDefinition | None:
    """The definition of ``form_id``, or None when there is no id or its definition does not load
    (pages still show a task whose form was removed or broken; submissions then check nothing)."""
    if not form_id:
        return None
    try:
        return load_form(form_id, directory)
    except FormError:
        return None
