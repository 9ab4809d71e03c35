"""What the registry learns from a set of files beyond the specs: who starts what, roles in sub-processes."""
from __future__ import annotations

from engine.clock import FrozenClock
from engine.registry import Registry
from engine.runtime import Engine
from engine.validation import read_sources

from .conftest import ROOT

EMBEDDED = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">
  <bpmn:process id="outer" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="lane_cda" name="\xd8\xb9\xd8\xa7\xd9\x85\xd9\x84">
        <bpmn:extensionElements><spiffworkflow:properties>
          <spiffworkflow:property name="role" value="cda" /></spiffworkflow:properties></bpmn:extensionElements>
        <bpmn:flowNodeRef>s</bpmn:flowNodeRef><bpmn:flowNodeRef>inner</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>inner_task</bpmn:flowNodeRef><bpmn:flowNodeRef>e</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:subProcess id="inner">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:startEvent id="is"><bpmn:outgoing>g1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:userTask id="inner_task"><bpmn:incoming>g1</bpmn:incoming><bpmn:outgoing>g2</bpmn:outgoing></bpmn:userTask>
      <bpmn:endEvent id="ie"><bpmn:incoming>g2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="g1" sourceRef="is" targetRef="inner_task" />
      <bpmn:sequenceFlow id="g2" sourceRef="inner_task" targetRef="ie" />
    </bpmn:subProcess>
    <bpmn:endEvent id="e"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="inner" />
    <bpmn:sequenceFlow id="f2" sourceRef="inner" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>"""


def test_tasks_in_an_embedded_sub_process_take_the_role_of_their_lane():
    spec_set = Registry().load({"outer.bpmn": EMBEDDED}, validate=False)
    engine = Engine(FrozenClock())
    workflow = engine.start(spec_set, "outer", {})
    [task] = engine.open_user_tasks(workflow)
    assert (task.element_id, task.role) == ("inner_task", "cda")


def test_only_processes_nobody_calls_are_started_by_hand():
    spec_set = Registry().load(read_sources([ROOT / "processes"]), validate=False)
    assert spec_set.manual_starts["identification_round"].role == "cluster_expert"
    assert spec_set.manual_starts["identification_round"].form == "round_start"
    for called in ("committee_approval", "council_approval", "cluster_diagnostic"):
        assert called in spec_set.processes and called not in spec_set.manual_starts
    assert "cluster_case" not in spec_set.manual_starts                       # started by its message
    assert spec_set.message_starts["cluster_case_requested"] == "cluster_case"
