"""The engine on the example process: start, complete, timers, messages, persistence, compaction."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from engine.errors import InvalidTaskData, MessageNotDeliverable, TaskError, TaskNotReady, UnknownProcess
from engine.registry import Registry
from engine.validation import read_sources

from .conftest import ROOT, roundtrip

PID = "document_review"


def the_task(engine, workflow):
    [task] = engine.open_user_tasks(workflow)
    return task


def test_start_runs_the_script_and_waits_at_the_user_task(engine, example, clock):
    workflow = engine.start(example, PID, {"document_number": 7})
    workflow = roundtrip(engine, workflow, example, PID)
    task = the_task(engine, workflow)
    assert (task.element_id, task.role, task.form, task.state) == \
        ("review_document", "cluster_expert", "document_review_decision", "ready")
    assert task.data == {"document_number": 7, "reference": "DOC-7", "review_round": 0, "opened_on": "1405/01/01"}
    assert task.due == engine.calendar.add_working_days(clock.now(), 3)
    assert task.instructions.startswith("سند شماره")
    [timer] = engine.waiting_timers(workflow)
    assert (timer.element_id, timer.due) == ("review_overdue", clock.now() + timedelta(days=5))


def test_rework_loop_then_approve_then_message(engine, example):
    workflow = engine.start(example, PID, {"document_number": 7})
    for round_ in range(1, 4):
        engine.complete(workflow, the_task(engine, workflow).id, {"decision": "rework"})
        workflow = roundtrip(engine, workflow, example, PID)
        assert the_task(engine, workflow).data["review_round"] == round_
    engine.complete(workflow, the_task(engine, workflow).id, {"decision": "approve"})
    workflow = roundtrip(engine, workflow, example, PID)
    assert engine.open_user_tasks(workflow) == [] and engine.waiting_timers(workflow) == []
    [wait] = engine.waiting_messages(workflow)
    assert (wait.name, wait.correlation) == ("permit_issued", {"reference": "DOC-7"})
    with pytest.raises(MessageNotDeliverable):
        engine.deliver_message(workflow, "something_else", {})
    engine.deliver_message(workflow, "permit_issued", {"no": "P-1"})
    assert workflow.is_completed()
    assert workflow.last_task.data["permit"] == {"no": "P-1"}


def test_timer_fires_by_the_injected_clock_only(engine, example, clock):
    workflow = engine.start(example, PID, {"document_number": 7})
    review = the_task(engine, workflow)
    clock.advance(days=4, hours=23, minutes=59)
    assert engine.fire_timers(workflow) == []
    assert the_task(engine, workflow).id == review.id
    clock.advance(minutes=2)
    workflow = roundtrip(engine, workflow, example, PID)
    [fired] = engine.fire_timers(workflow)
    assert fired.element_id == "review_overdue"
    escalated = the_task(engine, workflow)
    assert (escalated.element_id, escalated.role) == ("escalated_review", "small_industries_deputy")
    assert engine.task_state(workflow, review.id) == "cancelled"
    assert engine.fire_timers(workflow) == []
    with pytest.raises(TaskNotReady):
        engine.complete(workflow, review.id, {"decision": "approve"})


def test_completing_unknown_or_finished_tasks_is_refused(engine, example):
    workflow = engine.start(example, PID, {"document_number": 7})
    task = the_task(engine, workflow)
    with pytest.raises(TaskNotReady):
        engine.complete(workflow, "not-a-uuid", {})
    with pytest.raises(TaskNotReady):
        engine.complete(workflow, "00000000-0000-0000-0000-000000000000", {})
    engine.complete(workflow, task.id, {"decision": "approve"})
    with pytest.raises(TaskNotReady):
        engine.complete(workflow, task.id, {"decision": "approve"})


@pytest.mark.parametrize("data", [{"when": object()}, {"s": {1}}, {"typename": "x"}, {"not ok": 1}, ["list"]])
def test_task_data_must_be_json(engine, example, data):
    workflow = engine.start(example, PID, {"document_number": 7})
    before = engine.dumps(workflow)
    with pytest.raises(InvalidTaskData):
        engine.complete(workflow, the_task(engine, workflow).id, data)
    assert engine.dumps(workflow) == before


def test_unknown_process(engine, example):
    with pytest.raises(UnknownProcess):
        engine.start(example, "no_such_process", {})


def test_gateway_without_matching_condition_names_the_gateway(engine):
    registry = Registry(roles={"cluster_expert"}, forms={"document_review_decision"})
    spec_set = registry.load(read_sources([ROOT / "tests" / "fixtures" / "strict_gateway.bpmn"]))
    workflow = engine.start(spec_set, "strict_gateway", {})
    with pytest.raises(TaskError) as failure:
        engine.complete(workflow, the_task(engine, workflow).id, {"decision": "no"})
    assert failure.value.element_id == "gw_strict"
    assert "No conditions satisfied" in str(failure.value)


def test_a_failing_script_names_its_task(engine, tmp_path):
    source = (ROOT / "examples" / "document_review.bpmn").read_text(encoding="utf-8")
    broken = source.replace('reference = "DOC-" + str(document_number)', 'reference = 1 / 0')
    registry = Registry()
    spec_set = registry.load({"broken.bpmn": broken.encode()})
    with pytest.raises(TaskError) as failure:
        engine.start(spec_set, PID, {"document_number": 1})
    assert failure.value.element_id == "prepare_reference"
    assert "ZeroDivisionError" in str(failure.value)


def test_long_loops_keep_the_state_small(engine, example):
    """Compaction: the 300th pass through the loop stores no more than the 3rd."""
    workflow = engine.start(example, PID, {"document_number": 7})
    sizes = {}
    for round_ in range(1, 301):
        engine.complete(workflow, the_task(engine, workflow).id, {"decision": "rework"})
        saved = engine.dumps(workflow)
        workflow = engine.loads(saved, example, PID)
        sizes[round_] = (len(json.loads(saved)["tasks"]), len(saved))
    assert sizes[300][0] == sizes[3][0]
    assert sizes[300][1] <= sizes[3][1] + 16
    roundtrip(engine, workflow, example, PID)
    engine.complete(workflow, the_task(engine, workflow).id, {"decision": "approve"})
    engine.deliver_message(workflow, "permit_issued", None)
    assert workflow.is_completed() and workflow.last_task.data["review_round"] == 300
