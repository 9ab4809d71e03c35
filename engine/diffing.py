"""Comparing two versions of process files, and moving a running workflow onto a newer one.

Two views of a change:

- :func:`diff_documents` compares the XML of one file in two versions, element
  by element (by id), for people: what was added, removed or changed, and in
  what (attributes, properties, scripts, flows). Diagram layout is ignored.
- :func:`check_migration` / :func:`migrate` use SpiffWorkflow's own diff
  (``SpiffWorkflow.bpmn.util.diff``: specs aligned by BPMN id) for the engine:
  a running workflow may move to the new spec only when no element it has
  completed, or is working on or waiting at, was changed or removed.

Also :func:`extension_marks`: the extension elements and foreign attributes of
a file (other tools' ``camunda:*`` and the like), so that an editor round trip
that lost one can be reported instead of going unnoticed.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from .bpmn_meta import BPMN_NS, DMN_NAMESPACES, FLOW_NODES, SPIFF_NS
from .errors import EngineError
from .serialization import StateSerializer
from .xmlsafe import parse_xml

# Elements compared on their own (each is drawn, or is a decision-table part);
# anything else inside them (event definitions, scripts, extensions) is part of them.
OWNERS = FLOW_NODES | {"sequenceFlow", "lane", "participant", "messageFlow", "association", "textAnnotation",
                       "dataObjectReference", "dataStoreReference", "dataObject", "group", "process",
                       "collaboration", "message", "signal", "error", "escalation",
                       "decision", "inputData", "businessKnowledgeModel", "knowledgeSource", "input",
                       "output", "rule"}
_MODEL_NAMESPACES = {BPMN_NS, *DMN_NAMESPACES}
# Attributes an editor may write out or leave out, meaning the same (the schemas' defaults).
_DEFAULTS = {"hitPolicy": "UNIQUE", "preferredOrientation": "Rule-as-Row", "isInterrupting": "true",
             "cancelActivity": "true", "parallelMultiple": "false", "isClosed": "false", "isSequential": "false",
             "isForCompensation": "false", "startQuantity": "1", "completionQuantity": "1",
             "gatewayDirection": "Unspecified", "behavior": "All", "instantiate": "false", "isImmediate": None}
_IGNORED_ATTRIBUTE_NAMESPACES = {"http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/XML/1998/namespace"}
_ACTIVE = TaskState.READY | TaskState.STARTED | TaskState.ERROR


class MigrationRefused(EngineError):
    """The workflow cannot move to the new spec; ``blockers`` say which elements prevent it."""

    def __init__(self, blockers: list[Blocker]) -> None:
        self.blockers = list(blockers)
        super().__init__("; ".join(str(b) for b in self.blockers) or "migration refused")


# -- element-level diff of one file --------------------------------------------------------------

@dataclass(frozen=True)
class ElementChange:
    """One model element that differs between two versions of a file."""

    element_id: str
    kind: str                  # the element's local name: userTask, sequenceFlow, lane, ...
    name: str | None
    details: tuple[str, ...] = ()  # for a changed element: what differs (attributes, children, properties)


@dataclass(frozen=True)
class DocumentDiff:
    added: list[ElementChange] = field(default_factory=list)
    removed: list[ElementChange] = field(default_factory=list)
    changed: list[ElementChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_documents(old: bytes | None, new: bytes | None) -> DocumentDiff:
    """The elements added, removed and changed from ``old`` to ``new`` (either may be None: no file).

    :raise XmlError: a file is not safe, well-formed XML.
    """
    before = _owners(parse_xml("old", old)) if old is not None else {}
    after = _owners(parse_xml("new", new)) if new is not None else {}
    added = [_change(after[i]) for i in after if i not in before]
    removed = [_change(before[i]) for i in before if i not in after]
    changed = []
    for element_id in after:
        if element_id in before:
            details = _differences(before[element_id], after[element_id])
            if details:
                changed.append(_change(after[element_id], details))
    return DocumentDiff(added, removed, changed)


def _owners(root: etree._Element) -> dict[str, etree._Element]:
    return {e.get("id"): e for e in root.iter() if _is_owner(e) and e.get("id")}


def _local(element: etree._Element) -> str | None:
    if not isinstance(element.tag, str):
        return None
    qname = etree.QName(element)
    return qname.localname if qname.namespace in _MODEL_NAMESPACES else None


def _is_owner(element: etree._Element) -> bool:
    return _local(element) in OWNERS


def _change(element: etree._Element, details: Iterable[str] = ()) -> ElementChange:
    return ElementChange(element.get("id", ""), _local(element) or "", element.get("name"), tuple(details))


def _label(element: etree._Element) -> str:
    qname = etree.QName(element)
    if qname.namespace in _MODEL_NAMESPACES:
        return qname.localname
    prefix = element.prefix or "{" + (qname.namespace or "") + "}"
    return f"{prefix}:{qname.localname}"


def _canonical(element: etree._Element) -> str:
    """A text for a non-owner subtree: ids, default values and whitespace left out, nested owners skipped."""
    attrs = sorted((k, v) for k, v in element.attrib.items() if k != "id" and _DEFAULTS.get(k) != v)
    children = "".join(_canonical(c) for c in element if isinstance(c.tag, str) and not _is_owner(c))
    return f"<{element.tag} {attrs}>{(element.text or '').strip()}{children}</>"


def _differences(old: etree._Element, new: etree._Element) -> list[str]:
    details = []
    if _local(old) != _local(new):
        details.append("type")
    for key in sorted(set(old.attrib) | set(new.attrib)):
        if old.get(key, _DEFAULTS.get(key)) != new.get(key, _DEFAULTS.get(key)):
            details.append(etree.QName(key).localname if key.startswith("{") else key)
    if (old.text or "").strip() != (new.text or "").strip():
        details.append("text")
    details.extend(_child_differences(old, new))
    return details


def _child_differences(old: etree._Element, new: etree._Element) -> list[str]:
    def grouped(element: etree._Element) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for child in element:
            if not isinstance(child.tag, str) or _is_owner(child):
                continue
            if _local(child) == "extensionElements":
                for key, text in _extension_parts(child):
                    groups.setdefault(key, []).append(text)
            else:
                groups.setdefault(_label(child), []).append(_canonical(child))
        return groups

    before, after = grouped(old), grouped(new)
    return [key for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]


def _extension_parts(extensions: etree._Element) -> Iterable[tuple[str, str]]:
    for child in extensions:
        if not isinstance(child.tag, str):
            continue
        if child.tag == f"{{{SPIFF_NS}}}properties":
            for prop in child:
                if isinstance(prop.tag, str):
                    yield f"property {prop.get('name')}", prop.get("value") or ""
        else:
            yield _label(child), _canonical(child)


# -- extension elements kept through an editor ------------------------------------------------------

def extension_marks(data: bytes) -> set[tuple[str, str]]:
    """``(owner id, what)`` for every extension element and non-model attribute of a file.

    ``what`` is e.g. ``camunda:taskListener`` or ``@camunda:asyncBefore``; the
    owner is the nearest element with an id. Compare the marks of a file before
    and after an edit: any mark that is gone was dropped by the editor.

    :raise XmlError:
    """
    root = parse_xml("file", data)
    marks: set[tuple[str, str]] = set()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        owner = element
        while owner is not None and not owner.get("id"):
            owner = owner.getparent()
        owner_id = owner.get("id", "") if owner is not None else ""
        namespace = etree.QName(element).namespace
        if namespace not in _MODEL_NAMESPACES and _inside_extensions(element):
            marks.add((owner_id, _label(element)))
        for key in element.attrib:
            attr_ns = etree.QName(key).namespace if key.startswith("{") else None
            if attr_ns and attr_ns not in _MODEL_NAMESPACES and attr_ns not in _IGNORED_ATTRIBUTE_NAMESPACES:
                prefix = next((p for p, u in element.nsmap.items() if u == attr_ns and p), attr_ns)
                marks.add((element.get("id") or owner_id, f"@{prefix}:{etree.QName(key).localname}"))
    return marks


def _inside_extensions(element: etree._Element) -> bool:
    parent = element.getparent()
    while parent is not None:
        if _local(parent) == "extensionElements":
            return True
        parent = parent.getparent()
    return False


# -- the engine's view: SpiffWorkflow's spec diff and migration ------------------------------------

@dataclass(frozen=True)
class SpecChange:
    """A task spec added, removed or changed between two versions of a process (SpiffWorkflow's diff)."""

    element_id: str            # the BPMN id, or the engine's own spec name (e.g. "Start")
    name: str | None
    change: str                # added | removed | changed
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Blocker:
    """An element the case has passed or is at, which the new version changed or removed."""

    element_id: str
    name: str | None
    state: str                 # completed | active | waiting
    change: str                # changed | removed
    attributes: tuple[str, ...] = ()

    def __str__(self) -> str:
        what = f" ({', '.join(self.attributes)})" if self.attributes else ""
        return f"'{self.name or self.element_id}' is {self.state} in this case and was {self.change}{what}"


@dataclass(frozen=True)
class MigrationCheck:
    changes: list[SpecChange]
    blockers: list[Blocker]

    @property
    def safe(self) -> bool:
        return not self.blockers


def spec_changes(serializer: StateSerializer, old_spec: Any, new_spec: Any) -> list[SpecChange]:
    """What SpiffWorkflow's SpecDiff finds between two versions of one process spec."""
    return _changes(SpecDiff(_registry(serializer), old_spec, new_spec))


def _changes(diff: SpecDiff) -> list[SpecChange]:
    changes = [SpecChange(_spec_id(s), s.bpmn_name, "added") for s in diff.added]
    changes += [SpecChange(_spec_id(s), s.bpmn_name, "removed") for s in diff.removed]
    changes += [SpecChange(_spec_id(s), s.bpmn_name, "changed", tuple(a)) for s, a in diff.changed.items()]
    return changes


def check_migration(serializer: StateSerializer, workflow: Any, new_spec: Any, new_subprocess_specs: dict[str, Any],
                    completed: Iterable[str] = ()) -> MigrationCheck:
    """Whether ``workflow`` can move to ``new_spec``; nothing is changed.

    ``completed`` are element ids the case finished earlier whose tasks may no
    longer be in the (compacted) workflow.
    """
    registry = _registry(serializer)
    top, subprocess_diffs = diff_workflow(registry, workflow, new_spec, new_subprocess_specs)
    spec_diff = SpecDiff(registry, workflow.spec, new_spec)
    blockers = _blockers(top, spec_diff, set(completed))
    for sp_id, sp_diff in subprocess_diffs.items():
        subprocess = workflow.subprocesses[sp_id]
        if sp_diff is None:
            if not subprocess.is_completed():
                blockers.append(Blocker(subprocess.spec.name, subprocess.spec.description, "active", "removed"))
            continue
        blockers += _blockers(sp_diff, SpecDiff(registry, subprocess.spec, new_subprocess_specs[subprocess.spec.name]))
    return MigrationCheck(_changes(spec_diff), _unique(blockers))


def migrate(serializer: StateSerializer, workflow: Any, new_spec: Any, new_subprocess_specs: dict[str, Any],
            completed: Iterable[str] = ()) -> MigrationCheck:
    """Move ``workflow`` onto ``new_spec`` in place, when :func:`check_migration` finds it safe.

    Tasks the case is at keep their ids, data, due dates and timers; what lies
    ahead of them is planned again on the new spec.

    :raise MigrationRefused: with the blocking elements, before anything is changed; or, rarely,
        when a task could not be planned again: then the workflow is half-moved, throw it away.
    """
    check = check_migration(serializer, workflow, new_spec, new_subprocess_specs, completed)
    if not check.safe:
        raise MigrationRefused(check.blockers)
    registry = _registry(serializer)
    top, subprocess_diffs = diff_workflow(registry, workflow, new_spec, new_subprocess_specs)
    with _kept_live_state(workflow):
        migrate_workflow(top, workflow, new_spec)
        for sp_id, sp_diff in subprocess_diffs.items():
            subprocess = workflow.subprocesses.get(sp_id)
            if sp_diff is not None and subprocess is not None:
                migrate_workflow(sp_diff, subprocess, new_subprocess_specs[subprocess.spec.name])
    workflow.subprocess_specs = dict(new_subprocess_specs)
    stale = [t for t in workflow.get_tasks() if t.task_spec is not _spec_in(t, new_spec, new_subprocess_specs)]
    if stale:
        raise MigrationRefused([Blocker(_spec_id(t.task_spec), t.task_spec.bpmn_name,
                                        TaskState.get_name(t.state).lower(), "not re-planned") for t in stale])
    return check


@contextmanager
def _kept_live_state(workflow: Any) -> Iterator[None]:
    """Keep the data and internal data (due date, assignee, timer due time) of live tasks.

    ``migrate_workflow`` resets ready and waiting tasks to plan their futures
    again; a reset would restart timers and due dates from now.
    """
    saved = {task.id: (task.state, copy.deepcopy(task.data), copy.deepcopy(task.internal_data))
             for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)}
    yield
    tasks = dict(workflow.tasks)
    for subprocess in workflow.subprocesses.values():
        tasks.update(subprocess.tasks)
    for task_id, (state, data, internal) in saved.items():
        task = tasks.get(task_id)
        if task is not None:
            task.data, task.internal_data = data, internal
            if task.state != state:
                task._set_state(state)


def _blockers(workflow_diff: Any, spec_diff: SpecDiff, completed: set[str] | None = None) -> list[Blocker]:
    changed = spec_diff.changed
    removed = set(spec_diff.removed)
    found = []
    for task in [*workflow_diff.changed, *workflow_diff.removed]:
        state = _state(task.state)
        if state is not None:
            change = "removed" if task.task_spec in removed else "changed"
            found.append(Blocker(_spec_id(task.task_spec), task.task_spec.bpmn_name, state, change,
                                 tuple(changed.get(task.task_spec, ()))))
    for spec in [*changed, *removed]:
        if completed and spec.bpmn_id in completed:
            change = "removed" if spec in removed else "changed"
            found.append(Blocker(spec.bpmn_id, spec.bpmn_name, "completed", change, tuple(changed.get(spec, ()))))
    return found


def _state(state: int) -> str | None:
    if state == TaskState.COMPLETED:
        return "completed"
    if state & _ACTIVE:
        return "active"
    if state == TaskState.WAITING:
        return "waiting"
    return None  # predicted or cancelled: nothing happened there yet


def _unique(blockers: list[Blocker]) -> list[Blocker]:
    rank = {"active": 0, "waiting": 1, "completed": 2}
    best: dict[str, Blocker] = {}
    for blocker in blockers:
        kept = best.get(blocker.element_id)
        if kept is None or rank.get(blocker.state, 3) < rank.get(kept.state, 3):
            best[blocker.element_id] = blocker
    return list(best.values())


def _spec_in(task: Any, new_spec: Any, subprocess_specs: dict[str, Any]) -> Any:
    spec = new_spec if task.workflow.spec.name == new_spec.name else subprocess_specs.get(task.workflow.spec.name)
    return spec.task_specs.get(task.task_spec.name) if spec is not None else None


def _spec_id(spec: Any) -> str:
    return spec.bpmn_id or spec.name


def _registry(serializer: StateSerializer) -> Any:
    # SpecDiff compares specs in their serialized form, with the converters the state is stored with.
    return serializer._serializer.registry
