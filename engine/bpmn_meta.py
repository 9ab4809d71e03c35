"""Facts read straight from parsed BPMN/DMN trees: namespaces, properties, lanes.

Shared by the validator and the registry. Everything here works on the lxml
trees returned by ``engine.xmlsafe.parse_xml`` and never raises on odd content.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# The DMN versions SpiffWorkflow 3.2 can read, by namespace.
DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
}

Kind = Literal["bpmn", "dmn"]

EVENTS = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
                    "boundaryEvent"})
SUBPROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
ACTIVITIES = frozenset({"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask",
                        "receiveTask", "businessRuleTask", "callActivity"}) | SUBPROCESSES
GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway", "parallelGateway",
                      "eventBasedGateway", "complexGateway"})
FLOW_NODES = EVENTS | ACTIVITIES | GATEWAYS


def bpmn(local: str) -> str:
    """The Clark name (``{ns}local``) of a BPMN model element."""
    return f"{{{BPMN_NS}}}{local}"


def spiff(local: str) -> str:
    """The Clark name of a spiffworkflow extension element."""
    return f"{{{SPIFF_NS}}}{local}"


def bpmn_local(element: etree._Element) -> str | None:
    """The local name of a BPMN model element, None for anything else (comments too)."""
    tag = element.tag
    if isinstance(tag, str) and tag.startswith("{" + BPMN_NS + "}"):
        return tag[len(BPMN_NS) + 2:]
    return None


def document_kind(root: etree._Element) -> Kind | None:
    """'bpmn' or 'dmn' for a definitions root we can read, else None."""
    if root.tag == bpmn("definitions"):
        return "bpmn"
    qname = etree.QName(root)
    if qname.localname == "definitions" and qname.namespace in DMN_NAMESPACES:
        return "dmn"
    return None


def property_elements(element: etree._Element) -> list[etree._Element]:
    """The ``spiffworkflow:property`` elements attached directly to ``element``."""
    found = []
    for ext in element.iterchildren(bpmn("extensionElements")):
        for props in ext.iterchildren(spiff("properties")):
            found.extend(props.iterchildren(spiff("property")))
    return found


def properties(element: etree._Element) -> dict[str, str]:
    """``{name: value}`` of the element's spiffworkflow properties (incomplete ones skipped)."""
    return {p.get("name"): p.get("value") for p in property_elements(element)
            if p.get("name") is not None and p.get("value") is not None}


def extension_element(element: etree._Element, local: str) -> etree._Element | None:
    """The first ``spiffworkflow:<local>`` extension element of ``element``, if any."""
    for ext in element.iterchildren(bpmn("extensionElements")):
        for child in ext.iterchildren(spiff(local)):
            return child
    return None


def is_executable(process: etree._Element) -> bool:
    """As SpiffWorkflow reads it: executable unless ``isExecutable`` says otherwise (absent = true)."""
    return bool(process.get("isExecutable", "true") == "true")


def processes(root: etree._Element) -> list[etree._Element]:
    return list(root.iterchildren(bpmn("process")))


def decisions(root: etree._Element) -> list[etree._Element]:
    """The decision elements of a DMN definitions root (any supported version)."""
    return [child for child in root if isinstance(child.tag, str)
            and etree.QName(child).localname == "decision"
            and etree.QName(child).namespace in DMN_NAMESPACES]


def lane_role(lane: etree._Element) -> str | None:
    """A lane's role: its ``role`` property if present, else its name."""
    return properties(lane).get("role") or lane.get("name")


def lanes(process: etree._Element) -> list[etree._Element]:
    """Every lane of the process, nested lanes included, in document order."""
    return list(process.iter(bpmn("lane")))


def lane_roles(root: etree._Element) -> dict[str, dict[str, str]]:
    """``{process_id: {lane_name: role_id}}`` for every process of a BPMN tree.

    SpiffWorkflow identifies a task's lane by the lane's name, so unnamed lanes
    are left out; a process without lanes maps to ``{}``.
    """
    result: dict[str, dict[str, str]] = {}
    for process in processes(root):
        roles: dict[str, str] = {}
        for lane in lanes(process):
            name, role = lane.get("name"), lane_role(lane)
            if name and role:
                roles[name] = role
        result[process.get("id", "")] = roles
        # SpiffWorkflow parses an embedded sub-process as a spec named by its id; its tasks sit in
        # (and take their lane names from) the enclosing process's lanes
        for tag in ("subProcess", "transaction"):
            for embedded in process.iter(bpmn(tag)):
                if embedded.get("id"):
                    result[embedded.get("id")] = roles
    return result


def called_process_ids(root: etree._Element) -> set[str]:
    """Ids of the processes call activities in this tree call."""
    return {node.get("calledElement") for node in root.iter(bpmn("callActivity")) if node.get("calledElement")}


def node_lanes(process: etree._Element) -> dict[str, etree._Element]:
    """``{flow_node_id: lane}`` from flowNodeRef; a nested (later) lane wins, as in Spiff."""
    found: dict[str, etree._Element] = {}
    for lane in lanes(process):
        for ref in lane.iterchildren(bpmn("flowNodeRef")):
            if ref.text and ref.text.strip():
                found[ref.text.strip()] = lane
    return found


def effective_lane(node: etree._Element, process: etree._Element,
                   by_node: dict[str, etree._Element]) -> etree._Element | None:
    """The lane SpiffWorkflow will give ``node``.

    Tasks inside an embedded sub-process inherit the lane of the outermost
    sub-process that has one, so the chain is searched from the process down.
    """
    chain = []
    current: etree._Element | None = node
    while current is not None and current is not process:
        chain.append(current)
        current = current.getparent()
    for element in reversed(chain):
        lane = by_node.get(element.get("id", ""))
        if lane is not None:
            return lane
    return None


@dataclass
class Document:
    """One parsed source file and an index of its elements by id."""

    name: str
    root: etree._Element
    kind: Kind
    ids: dict[str, etree._Element] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.ids:
            for element in self.root.iter():
                if isinstance(element.tag, str):
                    element_id = element.get("id")
                    if element_id is not None:
                        self.ids.setdefault(element_id, element)
