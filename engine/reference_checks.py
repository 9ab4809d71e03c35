"""References between BPMN elements that must resolve, checked from the XML.

SpiffWorkflow finds some of these late and words them badly (a missing
sequence-flow target is reported as "perhaps a form has the same ID?"), and
others not at all, so they are checked here first, each at the referring
element's line.
"""
from __future__ import annotations

from collections.abc import Collection

from lxml import etree

from engine.bpmn_meta import (ACTIVITIES, FLOW_NODES, SUBPROCESSES, Document, bpmn, bpmn_local,
                              extension_element, processes, spiff)
from engine.errors import Problem

# Event definitions whose ref must name a root element of the same file.
_EVENT_REFS = {
    "messageEventDefinition": ("messageRef", "message", "bpmn:message"),
    "signalEventDefinition": ("signalRef", "signal", "bpmn:signal"),
    "errorEventDefinition": ("errorRef", "error", "bpmn:error"),
    "escalationEventDefinition": ("escalationRef", "escalation", "bpmn:escalation"),
}


def reference_problems(doc: Document, process_ids: Collection[str],
                       decision_ids: Collection[str]) -> list[Problem]:
    """Unresolved references in one BPMN document.

    ``process_ids`` and ``decision_ids`` are every process and decision of the
    whole set, for call activities and business rule tasks.
    """
    problems: list[Problem] = []
    roots = {kind: {e.get("id") for e in doc.root.iterchildren(bpmn(kind))}
             for _, kind, _ in _EVENT_REFS.values()}
    for process in processes(doc.root):
        _check_container(doc, process, problems)
        for element in process.iter():
            local = bpmn_local(element)
            if local == "callActivity":
                _check_call(doc, element, process_ids, problems)
            elif local == "businessRuleTask":
                _check_decision(doc, element, decision_ids, problems)
            elif local in SUBPROCESSES:
                _check_container(doc, element, problems)
            if local in ("sendTask", "receiveTask"):
                _check_root_ref(doc, element, element, "messageRef", "bpmn:message",
                                roots["message"], problems)
            elif local in _EVENT_REFS:
                attribute, kind, label = _EVENT_REFS[local]
                owner = element.getparent()
                _check_root_ref(doc, element, owner, attribute, label, roots[kind], problems)
    _check_participants(doc, problems)
    _check_properties(doc, problems)
    return problems


def _problem(doc: Document, element: etree._Element, owner: etree._Element | None,
             message: str) -> Problem:
    owner = element if owner is None else owner
    return Problem(doc.name, element.sourceline, owner.get("id"), message)


def _check_container(doc: Document, container: etree._Element, problems: list[Problem]) -> None:
    """Flows, defaults and boundary events of one process or sub-process."""
    nodes = {}
    flows = {}
    for child in container:
        local = bpmn_local(child)
        if local in FLOW_NODES:
            nodes[child.get("id")] = child
        elif local == "sequenceFlow":
            flows[child.get("id")] = child
    for flow in flows.values():
        for attribute in ("sourceRef", "targetRef"):
            ref = flow.get(attribute)
            if ref is not None and ref not in nodes:
                problems.append(_problem(doc, flow, None, _missing(doc, attribute, ref)))
    for node_id, node in nodes.items():
        default = node.get("default")
        if default is not None:
            if default not in flows:
                problems.append(_problem(doc, node, None, _missing(doc, "default flow", default)))
            elif flows[default].get("sourceRef") != node_id:
                problems.append(_problem(
                    doc, node, None, f"default flow '{default}' does not start at this element"))
        if bpmn_local(node) == "boundaryEvent":
            ref = node.get("attachedToRef")
            if ref is not None and (ref not in nodes or bpmn_local(nodes[ref]) not in ACTIVITIES):
                message = (f"attachedToRef '{ref}' is not an activity"
                           if ref in nodes else _missing(doc, "attachedToRef", ref))
                problems.append(_problem(doc, node, None, message))


def _missing(doc: Document, what: str, ref: str) -> str:
    if ref in doc.ids:
        return f"{what} '{ref}' is not a flow element of the same process or sub-process"
    return f"{what} '{ref}' does not exist"


def _check_call(doc: Document, element: etree._Element, process_ids: Collection[str],
                problems: list[Problem]) -> None:
    called = (element.get("calledElement") or "").strip()
    if not called:
        problems.append(_problem(doc, element, None, "call activity has no calledElement"))
    elif called not in process_ids:
        problems.append(_problem(doc, element, None,
                                 f"calledElement '{called}' is not a process in this set of files"))


def _check_decision(doc: Document, element: etree._Element, decision_ids: Collection[str],
                    problems: list[Problem]) -> None:
    ref = extension_element(element, "calledDecisionId")
    called = (ref.text or "").strip() if ref is not None else ""
    if not called:
        problems.append(_problem(doc, element, None,
                                 "business rule task has no spiffworkflow:calledDecisionId"))
    elif called not in decision_ids:
        problems.append(_problem(doc, ref, element,
                                 f"calledDecisionId '{called}' is not a decision in any DMN file"
                                 " of this set"))


def _check_root_ref(doc: Document, element: etree._Element, owner: etree._Element | None,
                    attribute: str, label: str, known: set[str | None],
                    problems: list[Problem]) -> None:
    ref = element.get(attribute)
    if ref is not None and ref not in known:
        problems.append(_problem(doc, element, owner,
                                 f"{attribute} '{ref}' is not a {label} in this file"))


def _check_participants(doc: Document, problems: list[Problem]) -> None:
    process_ids = {p.get("id") for p in processes(doc.root)}
    for collaboration in doc.root.iterchildren(bpmn("collaboration")):
        for participant in collaboration.iterchildren(bpmn("participant")):
            ref = participant.get("processRef")
            if ref is not None and ref not in process_ids:
                problems.append(_problem(doc, participant, None,
                                         f"processRef '{ref}' is not a process in this file"))


def _check_properties(doc: Document, problems: list[Problem]) -> None:
    # SpiffWorkflow's parser fails with a bare KeyError on these.
    for prop in doc.root.iter(spiff("property")):
        if prop.get("name") is None or prop.get("value") is None:
            owner = prop.getparent()
            while owner is not None and owner.get("id") is None:
                owner = owner.getparent()
            problems.append(_problem(doc, prop, owner,
                                     "spiffworkflow:property needs both a name and a value"))
