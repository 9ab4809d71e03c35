"""Load a set of documents with SpiffWorkflow's own parser and report what it refuses.

This is what deploying would do, so anything it rejects would fail later. Its
exceptions stop at the first error of each process and often lack a line; the
element is looked up by id to find one, and known unhelpful messages are
reworded.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.bpmn_meta import Document, bpmn
from engine.errors import Problem

# SpiffWorkflow message prefix -> clearer wording ({tag} is the element's tag).
_REWORDED = {
    "There is no support implemented for this task type":
        "{tag} is not supported by the engine",
    "Multiple outgoing flows are not supported":
        "more than one sequence flow leaves this element; split the flow with a gateway",
    "When looking for a task spec, we found two items":
        "a sequence flow from this element leads to an element outside its process",
    "No start event found":
        "process has no start event",
    "Non-default exclusive outgoing sequence flow without condition":
        "sequence flow leaves a gateway without a condition and is not its default flow",
}
_REPR = re.compile(r"[A-Z]\w*\(.*\)", re.DOTALL)
_DATA_STORE = re.compile(r"Data Store with name (.*) has no implementation")


def spiff_problems(docs: Sequence[Document], runs: Iterable[tuple[Document, str]]) -> list[Problem]:
    """Add ``docs`` to one SpiffBpmnParser, then load each ``(document, process id)`` of ``runs``.

    The trees are used as they are (already safely parsed and schema-checked),
    so SpiffWorkflow's own validator is not passed in.
    """
    parser = SpiffBpmnParser()
    by_name = {doc.name: doc for doc in docs}
    problems: list[Problem] = []
    failed: set[str] = set()
    for doc in docs:
        try:
            if doc.kind == "bpmn":
                parser.add_bpmn_xml(doc.root, filename=doc.name)
            else:
                parser.add_dmn_xml(doc.root, filename=doc.name)
        except Exception as exc:  # noqa: BLE001 - any failure is a problem of this file
            failed.add(doc.name)
            problems.append(_problem(exc, doc, by_name, None))
    # Decisions are otherwise parsed only when a business rule task calls them.
    for dmn in list(parser.dmn_parsers.values()):
        dmn_doc = by_name.get(dmn.filename)
        if dmn_doc is None:
            continue
        try:
            dmn.parse()
        except Exception as exc:  # noqa: BLE001
            problems.append(_problem(exc, dmn_doc, by_name, dmn.bpmn_id))
    for doc, process_id in runs:
        if doc.name in failed:
            continue
        try:
            parser.get_spec(process_id)
            parser.get_subprocess_specs(process_id)
        except Exception as exc:  # noqa: BLE001
            problems.append(_problem(exc, doc, by_name, process_id))
    return problems


def _problem(exc: Exception, doc: Document, by_name: dict[str, Document],
             fallback_id: str | None) -> Problem:
    if not isinstance(exc, ValidationException):
        element = doc.ids.get(fallback_id) if fallback_id else None
        what = f"'{fallback_id}'" if fallback_id else "this file"
        return Problem(doc.name, element.sourceline if element is not None else None,
                       fallback_id, f"the engine could not load {what}: {_text(exc) or repr(exc)}")
    source = by_name.get(exc.file_name or "", doc)
    element_id = exc.id or None
    store = _DATA_STORE.match(_text(exc))
    if store and element_id is None:
        # Raised without its element; the data store is found by its name.
        element = next((e for e in source.root.iter(bpmn("dataStore"))
                        if e.get("name") == store.group(1)), None)
        if element is not None:
            return Problem(source.name, element.sourceline, element.get("id"),
                           f"data store '{store.group(1)}' is not supported by the engine")
    line = exc.line_number if isinstance(exc.line_number, int) and exc.line_number > 0 else None
    if line is None and element_id:
        element = source.ids.get(element_id)
        line = element.sourceline if element is not None else None
    return Problem(source.name, line, element_id, _reword(exc))


def _text(exc: Exception) -> str:
    # SpiffWorkflowException.__str__ appends ". " and its notes; build it cleanly.
    message = str(exc.args[0]) if exc.args else ""
    notes = [str(n) for n in getattr(exc, "notes", []) if n]
    return ". ".join([message.rstrip("."), *notes]) if notes else message


def _reword(exc: ValidationException) -> str:
    message = _text(exc)
    for prefix, better in _REWORDED.items():
        if message.startswith(prefix):
            return better.format(tag=getattr(exc, "tag", "") or "this element")
    # TaskParser wraps unexpected errors as repr(), e.g. "KeyError('value')".
    if _REPR.fullmatch(message):
        return f"the engine could not read this element: {message}"
    return message
