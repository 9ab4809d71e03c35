"""The process files are clean for `clusterflow validate`, and forms and user tasks match one to one."""
from __future__ import annotations

import json
from pathlib import Path

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from engine.validation import read_sources, validate_sources
from forms.loader import load_forms

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
DEFINITIONS = ROOT / "forms" / "definitions"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}


def role_ids() -> set[str]:
    return {r["id"] for r in json.loads((ROOT / "web" / "data" / "roles.json").read_text(encoding="utf-8"))["roles"]}


def form_ids() -> set[str]:
    return {p.stem for p in DEFINITIONS.glob("*.json")}


def bpmn_trees(*folders: Path):
    for folder in folders:
        for path in sorted(folder.glob("*.bpmn")):
            yield path, etree.parse(str(path))


def test_the_process_files_validate_cleanly():
    assert validate_sources(read_sources([str(PROCESSES)]), roles=role_ids(), forms=form_ids()) == []


def test_every_form_used_exists_and_every_form_is_used():
    used: dict[str, list[str]] = {}
    for path, tree in bpmn_trees(PROCESSES, ROOT / "examples"):
        for element in tree.iterfind(".//bpmn:userTask", NS):
            forms = element.findall(".//spiffworkflow:property[@name='form']", NS)
            assert len(forms) == 1, f"{path.name} {element.get('id')}: a user task names exactly one form"
            used.setdefault(forms[0].get("value"), []).append(f"{path.name}:{element.get('id')}")
        for element in tree.iterfind(".//bpmn:startEvent", NS):   # start forms of processes started by hand
            for prop in element.findall(".//spiffworkflow:property[@name='form']", NS):
                used.setdefault(prop.get("value"), []).append(f"{path.name}:{element.get('id')}")
    for form in load_forms().values():      # forms shown as a decision's context (e.g. ranking_table)
        for other in form.context:
            used.setdefault(other, []).append(f"{form.id}: context")
    assert sorted(set(used) - form_ids()) == [], "forms used but not defined"
    assert sorted(form_ids() - set(used)) == [], "forms defined but used by no task or context"


def test_every_form_definition_loads():
    assert set(load_forms()) == form_ids()


def test_every_user_task_has_a_due_date_and_every_element_is_drawn():
    for path, tree in bpmn_trees(PROCESSES):
        drawn = {s.get("bpmnElement") for s in tree.iterfind(".//bpmndi:BPMNShape", NS)} | \
                {e.get("bpmnElement") for e in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
        for process in tree.iterfind("bpmn:process", NS):
            assert process.get("isExecutable") == "true"
            for element in process.iter():
                local = etree.QName(element).localname
                if local in ("userTask",):
                    assert element.find(".//spiffworkflow:property[@name='due']", NS) is not None, element.get("id")
                if element.get("id") and local not in ("laneSet", "process", "multiInstanceLoopCharacteristics",
                                                       "inputDataItem", "outputDataItem", "conditionExpression") \
                        and not local.endswith("EventDefinition"):
                    assert element.get("id") in drawn, f"{path.name}: {element.get('id')} has no shape or edge"


def test_every_instruction_text_is_a_valid_template():
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for path, tree in bpmn_trees(PROCESSES):
        for text in tree.iterfind(".//spiffworkflow:instructionsForEndUser", NS):
            env.parse(text.text)


def _bounds(tree) -> dict[str, tuple[float, float, float, float]]:
    found = {}
    for shape in tree.iterfind(".//bpmndi:BPMNShape", NS):
        b = shape.find("dc:Bounds", {"dc": "http://www.omg.org/spec/DD/20100524/DC"})
        found[shape.get("bpmnElement")] = tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))
    return found


def _on_border(point, box, tolerance=3.0) -> bool:
    x, y = point
    bx, by, bw, bh = box
    inside = bx - tolerance <= x <= bx + bw + tolerance and by - tolerance <= y <= by + bh + tolerance
    return inside and min(abs(x - bx), abs(x - bx - bw), abs(y - by), abs(y - by - bh)) <= tolerance


def test_the_diagrams_are_drawn_consistently():
    """Edges leave and reach their own shapes, orthogonally; every node is drawn inside its lane."""
    di = {"di": "http://www.omg.org/spec/DD/20100524/DI"}
    for path, tree in bpmn_trees(PROCESSES):
        bounds = _bounds(tree)
        flows = {f.get("id"): f for f in tree.iterfind(".//bpmn:sequenceFlow", NS)}
        for edge in tree.iterfind(".//bpmndi:BPMNEdge", NS):
            flow = flows[edge.get("bpmnElement")]
            points = [(float(w.get("x")), float(w.get("y"))) for w in edge.iterfind("di:waypoint", di)]
            where = f"{path.name} {flow.get('id')}"
            assert _on_border(points[0], bounds[flow.get("sourceRef")]), where
            assert _on_border(points[-1], bounds[flow.get("targetRef")]), where
            assert all(a[0] == b[0] or a[1] == b[1] for a, b in zip(points, points[1:])), where
        for lane in tree.iterfind(".//bpmn:lane", NS):
            lx, ly, lw, lh = bounds[lane.get("id")]
            for ref in lane.iterfind("bpmn:flowNodeRef", NS):
                x, y, w, h = bounds[ref.text]
                assert ly <= y + h / 2 <= ly + lh and lx <= x and x + w <= lx + lw, f"{path.name} {ref.text}"
