"""Validate a set of BPMN/DMN files and report every problem, each with its place.

Checks run in stages; a file that fails one of the first two (safe XML,
schema) is left out of the later ones, while the other files go on:

1. safe XML (engine.xmlsafe) and a BPMN 2.0 / DMN 1.1-1.3 root;
2. the BPMN/DMN XSDs with the spiffworkflow extension schema (engine.schema_checks);
3. references that must resolve (engine.reference_checks), executability and
   process/decision ids unique across the set (here), clusterflow's
   conventions (engine.convention_checks), every script and expression compiled
   as the sandbox compiles it (engine.script_checks);
4. loading each executable process with SpiffWorkflow's parser
   (engine.spiff_checks). A file with a broken reference or duplicate id is not
   loaded, nor is a process that calls into one, because SpiffWorkflow would
   only report the same fault in vaguer words.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path

from lxml import etree

from engine.bpmn_meta import (FLOW_NODES, Document, bpmn, bpmn_local, decisions, document_kind,
                              extension_element, is_executable, lane_roles, processes)
from engine.convention_checks import convention_problems
from engine.errors import Problem
from engine.reference_checks import reference_problems
from engine.schema_checks import schema_problems
from engine.script_checks import script_problems
from engine.spiff_checks import spiff_problems
from engine.xmlsafe import MAX_FILE_BYTES, XmlError, parse_xml

__all__ = ["validate_sources", "validation_warnings", "read_sources", "lane_roles"]

SOURCE_SUFFIXES = (".bpmn", ".dmn")


def validate_sources(sources: Mapping[str, bytes], *, roles: Collection[str] | None = None,
                     forms: Collection[str] | None = None) -> list[Problem]:
    """Every problem in a set of process files, ``[]`` if the set can be deployed.

    ``sources`` maps a file name (used in every Problem) to its raw bytes. With
    ``roles``, every lane must map to a known role and every user/manual task
    must be in a lane; with ``forms``, every user task must name a known form.
    Problems are sorted by file, then line. Never raises for bad input.
    """
    problems: list[Problem] = []
    docs: list[Document] = []
    for name, data in sources.items():
        doc = _guarded(problems, name, _read_document, name, data)
        if isinstance(doc, Document):
            docs.append(doc)
        elif isinstance(doc, Problem):
            problems.append(doc)

    # Ids are collected from every readable file, so a call into a file with a
    # schema error is not also reported as a call to a missing process.
    process_ids = {p.get("id") for d in docs if d.kind == "bpmn" for p in processes(d.root)}
    decision_ids = {e.get("id") for d in docs if d.kind == "dmn" for e in decisions(d.root)}

    checked = [d for d in docs if not _guarded(problems, d.name, schema_problems, d)]
    unsound: set[str] = set()  # files SpiffWorkflow would only trip over
    for doc in checked:
        if doc.kind == "bpmn":
            if _guarded(problems, doc.name, reference_problems, doc, process_ids, decision_ids):
                unsound.add(doc.name)
            _guarded(problems, doc.name, convention_problems, doc, roles=roles, forms=forms)
        _guarded(problems, doc.name, script_problems, doc)
        _guarded(problems, doc.name, _executability_problems, doc)
        if doc.kind == "dmn" and len(decisions(doc.root)) != 1:
            unsound.add(doc.name)  # SpiffWorkflow's DMN parser crashes on these
    duplicates = _duplicate_problems(checked)
    problems.extend(duplicates)
    unsound.update(p.file for p in duplicates)

    loadable = [d for d in checked if d.name not in unsound]
    runs = _processes_to_load(loadable, checked)
    _guarded(problems, "(process set)", spiff_problems, loadable, runs)
    return _sorted_unique(problems, list(sources))


def validation_warnings(sources: Mapping[str, bytes]) -> list[Problem]:
    """What is worth fixing but does not stop a deployment: today, a process without an
    ``isExecutable`` attribute (taken as executable, as SpiffWorkflow does). Never raises."""
    warnings = []
    for name, data in sources.items():
        try:
            doc = _read_document(name, data)
        except Exception:  # noqa: BLE001 - validate_sources reports what is wrong with it
            continue
        if isinstance(doc, Document) and doc.kind == "bpmn":
            warnings.extend(Problem(name, process.sourceline, process.get("id"),
                                    f"process '{process.get('id')}' has no isExecutable attribute; it is taken as"
                                    " executable (write isExecutable=\"true\" to say so)")
                            for process in processes(doc.root) if process.get("isExecutable") is None)
    return warnings


def read_sources(paths: Iterable[str | Path]) -> dict[str, bytes]:
    """Read files, and ``*.bpmn``/``*.dmn`` files under directories, into a sources mapping.

    A file is named by its path as given; a file found in a directory by the
    directory's path as given joined with its path inside it. Sorted by name.
    Only the first MAX_FILE_BYTES + 1 bytes are read, so that an oversized file
    is reported by validate_sources without being held in memory.

    :raise FileNotFoundError: if a path does not exist.
    """
    found: dict[str, Path] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for dirpath, _dirnames, filenames in os.walk(path):
                for filename in filenames:
                    if filename.lower().endswith(SOURCE_SUFFIXES):
                        full = Path(dirpath) / filename
                        found[full.as_posix()] = full
        elif path.exists():
            found[str(given) if isinstance(given, str) else path.as_posix()] = path
        else:
            raise FileNotFoundError(f"no such file or directory: {given}")
    sources = {}
    for name in sorted(found):
        with open(found[name], "rb") as f:
            sources[name] = f.read(MAX_FILE_BYTES + 1)
    return sources


def _read_document(name: str, data: bytes) -> Document | Problem:
    try:
        root = parse_xml(name, data)
    except XmlError as exc:
        return exc.problem
    kind = document_kind(root)
    if kind is None:
        qname = etree.QName(root)
        return Problem(name, root.sourceline, None, "not a BPMN 2.0 or DMN 1.1-1.3 file (the root"
                       f" element is {qname.localname} in namespace {qname.namespace or '(none)'})")
    suffix = os.path.splitext(name)[1].lower()
    if suffix in SOURCE_SUFFIXES and suffix != "." + kind:
        # Loaders pick the BPMN or DMN parser by the file name.
        return Problem(name, root.sourceline, None,
                       f"this is a {kind.upper()} file, but its name ends in {suffix}")
    return Document(name, root, kind)


def _guarded(problems: list[Problem], name: str, check: Callable[..., object], *args: object,
             **kwargs: object) -> object:
    """Run one check; extend ``problems`` with a list result and return the result.

    A check that crashes becomes a problem of its file instead of an exception,
    because one odd file must not hide the problems of the others.
    """
    try:
        result = check(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        problem = Problem(name, None, None, f"the validator failed on this file: {exc!r}")
        problems.append(problem)
        return [problem]
    if isinstance(result, list):
        problems.extend(result)
    return result


def _executability_problems(doc: Document) -> list[Problem]:
    problems = []
    if doc.kind == "dmn":
        found = decisions(doc.root)
        if not found:
            problems.append(Problem(doc.name, None, None, "no executable process or decision"
                                    " in this file"))
        for extra in found[1:]:
            # SpiffWorkflow registers only the first decision of a file and then
            # fails to parse a file that has more.
            problems.append(Problem(doc.name, extra.sourceline, extra.get("id"),
                                    "the engine reads one decision per DMN file; move this"
                                    " decision to a file of its own"))
        return problems
    executable = False
    for process in processes(doc.root):
        if is_executable(process):
            executable = True
        elif any(bpmn_local(child) in FLOW_NODES or bpmn_local(child) == "sequenceFlow"
                 for child in process):
            problems.append(Problem(doc.name, process.sourceline, process.get("id"),
                                    f"process '{process.get('id')}' is not executable"
                                    " (isExecutable=\"true\" is needed)"))
    if not executable:
        problems.append(Problem(doc.name, None, None,
                                "no executable process or decision in this file"))
    return problems


def _duplicate_problems(docs: list[Document]) -> list[Problem]:
    """Process and decision ids defined in more than one file; reported at the later file."""
    problems = []
    first: dict[tuple[str, str], Document] = {}
    for doc in docs:
        elements = processes(doc.root) if doc.kind == "bpmn" else decisions(doc.root)
        what = "process" if doc.kind == "bpmn" else "decision"
        for element in elements:
            key = (what, element.get("id", ""))
            if key in first and first[key] is not doc:
                problems.append(Problem(doc.name, element.sourceline, key[1],
                                        f"{what} '{key[1]}' is also defined in {first[key].name}"))
            first.setdefault(key, doc)
    return problems


def _processes_to_load(loadable: list[Document],
                       checked: list[Document]) -> list[tuple[Document, str]]:
    """Executable processes of ``loadable`` that only call sound processes and decisions.

    Followed transitively through call activities; a decision is sound when its
    DMN file is loadable.
    """
    uses: dict[tuple[str, str], set[tuple[str, str]]] = {}
    sound: set[tuple[str, str]] = set()
    loadable_names = {d.name for d in loadable}
    for doc in checked:
        in_loadable = doc.name in loadable_names
        if doc.kind == "dmn":
            sound.update(("decision", d.get("id", "")) for d in decisions(doc.root) if in_loadable)
            continue
        for process in processes(doc.root):
            key = ("process", process.get("id", ""))
            uses[key] = {("process", (c.get("calledElement") or "").strip())
                         for c in process.iter(bpmn("callActivity"))}
            for task in process.iter(bpmn("businessRuleTask")):
                called = extension_element(task, "calledDecisionId")
                decision = (called.text or "").strip() if called is not None else ""
                uses[key].add(("decision", decision))
            if in_loadable and is_executable(process):
                sound.add(key)
    return [(doc, process.get("id", "")) for doc in loadable if doc.kind == "bpmn"
            for process in processes(doc.root)
            if _uses_only(("process", process.get("id", "")), uses, sound)]


def _uses_only(start: tuple[str, str], uses: dict[tuple[str, str], set[tuple[str, str]]],
               sound: set[tuple[str, str]]) -> bool:
    if start not in sound:
        return False
    seen, todo = {start}, [start]
    while todo:
        for used in uses.get(todo.pop(), ()):
            if used not in sound:
                return False
            if used not in seen:
                seen.add(used)
                todo.append(used)
    return True


def _sorted_unique(problems: list[Problem], order: list[str]) -> list[Problem]:
    rank = {name: i for i, name in enumerate(order)}
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (rank.get(p.file, len(rank)), p.line or 0))
