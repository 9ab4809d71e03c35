"""Comparing versions of the example process and moving running workflows onto a newer one."""
from __future__ import annotations

import pytest

from engine import diffing
from engine.registry import Registry

from .conftest import FORMS, ROLES, ROOT, roundtrip

PID = "document_review"
EXAMPLE = (ROOT / "examples" / "document_review.bpmn").read_bytes()
NOTIFY_TASK = b"""<bpmn:scriptTask id="notify_applicant" name="notify">
      <bpmn:incoming>flow_approved</bpmn:incoming>
      <bpmn:outgoing>flow_notify_wait</bpmn:outgoing>
      <bpmn:script>notified = True</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="flow_notify_wait" sourceRef="notify_applicant" targetRef="wait_permit" />
    <bpmn:endEvent id="end_approved\""""


def _replace(text: bytes, old: bytes, new: bytes) -> bytes:
    assert old in text, old
    return text.replace(old, new)


def with_due(days: int) -> bytes:
    """The example with another due expression on its review task."""
    return _replace(EXAMPLE, b"add_working_days(3)", f"add_working_days({days})".encode())


def with_notify_after_gateway() -> bytes:
    """The example with a script task between the gateway's 'approve' branch and the message catch."""
    text = _replace(EXAMPLE, b'sourceRef="gw_decision" targetRef="wait_permit"',
                    b'sourceRef="gw_decision" targetRef="notify_applicant"')
    text = _replace(text, b'<bpmn:endEvent id="end_approved"', NOTIFY_TASK)
    text = _replace(text, b"<bpmn:incoming>flow_approved</bpmn:incoming>\n      <bpmn:outgoing>flow_permit_end",
                    b"<bpmn:incoming>flow_notify_wait</bpmn:incoming>\n      <bpmn:outgoing>flow_permit_end")
    return _replace(text, b"<bpmn:flowNodeRef>wait_permit</bpmn:flowNodeRef>",
                    b"<bpmn:flowNodeRef>wait_permit</bpmn:flowNodeRef>\n"
                    b"        <bpmn:flowNodeRef>notify_applicant</bpmn:flowNodeRef>")


def with_new_first_script() -> bytes:
    return _replace(EXAMPLE, b"review_round = 0\n", b"review_round = 1\n")


@pytest.fixture
def registry():
    return Registry(roles=ROLES, forms=FORMS)


def load(registry, text: bytes):
    return registry.load({"document_review.bpmn": text})


def at_review(engine, spec_set):
    workflow = engine.start(spec_set, PID, {"document_number": 7})
    return engine.loads(engine.dumps(workflow), spec_set, PID)   # compacted, as stored


# -- element-level diff --------------------------------------------------------------------------

def test_a_changed_due_expression_is_one_changed_property():
    diff = diffing.diff_documents(EXAMPLE, with_due(5))
    assert diff.added == [] and diff.removed == []
    [change] = diff.changed
    assert (change.element_id, change.kind, change.details) == ("review_document", "userTask", ("property due",))


def test_an_added_task_shows_as_added_with_the_rewired_flows_changed():
    diff = diffing.diff_documents(EXAMPLE, with_notify_after_gateway())
    assert {c.element_id for c in diff.added} == {"notify_applicant", "flow_notify_wait"}
    changed = {c.element_id: c.details for c in diff.changed}
    assert changed == {"flow_approved": ("targetRef",), "wait_permit": ("incoming",), "lane_expert": ("flowNodeRef",)}
    back = diffing.diff_documents(with_notify_after_gateway(), EXAMPLE)
    assert {c.element_id for c in back.removed} == {"notify_applicant", "flow_notify_wait"}


def test_layout_and_regenerated_inner_ids_are_not_changes():
    moved = _replace(EXAMPLE, b'<dc:Bounds x="400" y="120"', b'<dc:Bounds x="410" y="125"')
    moved = _replace(moved, b'id="timer_review_overdue"', b'id="TimerEventDefinition_1x"')
    assert diffing.diff_documents(EXAMPLE, moved).empty


def test_an_attribute_written_out_with_its_default_value_is_no_change():
    explicit = _replace(EXAMPLE, b'<bpmn:boundaryEvent id="review_overdue"',
                        b'<bpmn:boundaryEvent cancelActivity="true" id="review_overdue"')
    assert diffing.diff_documents(EXAMPLE, explicit).empty
    other = _replace(EXAMPLE, b'<bpmn:boundaryEvent id="review_overdue"',
                     b'<bpmn:boundaryEvent cancelActivity="false" id="review_overdue"')
    [change] = diffing.diff_documents(EXAMPLE, other).changed
    assert (change.element_id, change.details) == ("review_overdue", ("cancelActivity",))


def test_extension_marks_find_other_tools_extensions_and_notice_a_lost_one():
    foreign = _replace(EXAMPLE, b'xmlns:spiffworkflow=', b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
                                                         b'xmlns:spiffworkflow=')
    foreign = _replace(foreign, b'<bpmn:userTask id="review_document"',
                       b'<bpmn:userTask camunda:asyncBefore="true" id="review_document"')
    foreign = _replace(foreign, b"<spiffworkflow:instructionsForEndUser>",
                       b'<camunda:taskListener event="create" class="x.Y" /><spiffworkflow:instructionsForEndUser>')
    marks = diffing.extension_marks(foreign)
    assert ("review_document", "@camunda:asyncBefore") in marks
    assert ("review_document", "camunda:taskListener") in marks
    assert ("review_document", "spiffworkflow:properties") in marks
    lost = foreign.replace(b'<camunda:taskListener event="create" class="x.Y" />', b"")
    assert marks - diffing.extension_marks(lost) == {("review_document", "camunda:taskListener")}


# -- SpiffWorkflow's spec diff and migration ----------------------------------------------------------

def test_spec_changes_align_tasks_by_bpmn_id(engine, registry):
    old, new = load(registry, EXAMPLE), load(registry, with_notify_after_gateway())
    changes = diffing.spec_changes(engine.serializer, old.processes[PID][0], new.processes[PID][0])
    assert {(c.element_id, c.change) for c in changes} == {
        ("notify_applicant", "added"), ("gw_decision", "changed"), ("wait_permit", "changed")}


def test_a_case_at_the_changed_task_is_refused_and_left_unchanged(engine, registry):
    v1, v2 = load(registry, EXAMPLE), load(registry, with_due(5))
    workflow = at_review(engine, v1)
    before = engine.dumps(workflow)
    check = diffing.check_migration(engine.serializer, workflow, *v2.processes[PID])
    [blocker] = check.blockers
    assert (blocker.element_id, blocker.state, blocker.change) == ("review_document", "active", "changed")
    assert "is active in this case and was changed" in str(blocker)
    with pytest.raises(diffing.MigrationRefused) as refused:
        diffing.migrate(engine.serializer, workflow, *v2.processes[PID])
    assert refused.value.blockers == check.blockers
    assert engine.dumps(workflow) == before


def test_a_completed_element_counts_even_when_compacted_away(engine, registry):
    v1, v2 = load(registry, EXAMPLE), load(registry, with_new_first_script())
    workflow = at_review(engine, v1)
    assert diffing.check_migration(engine.serializer, workflow, *v2.processes[PID]).safe  # the tree forgot it
    check = diffing.check_migration(engine.serializer, workflow, *v2.processes[PID],
                                    completed=["start_event", "prepare_reference"])
    assert [(b.element_id, b.state) for b in check.blockers] == [("prepare_reference", "completed")]


def test_a_task_added_ahead_is_migrated_keeping_due_dates_and_timers(engine, registry, clock):
    v1, v2 = load(registry, EXAMPLE), load(registry, with_notify_after_gateway())
    workflow = at_review(engine, v1)
    untouched = engine.loads(engine.dumps(workflow), v1, PID)
    tasks, timers = engine.open_user_tasks(workflow), engine.waiting_timers(workflow)
    clock.advance(days=2)
    check = diffing.migrate(engine.serializer, workflow, *v2.processes[PID], completed=["prepare_reference"])
    assert check.safe and {c.element_id for c in check.changes if c.change == "added"} == {"notify_applicant"}
    engine.run(workflow)
    workflow = roundtrip(engine, workflow, v2, PID)
    assert engine.open_user_tasks(workflow) == tasks        # same task id, data and due date
    assert engine.waiting_timers(workflow) == timers        # the 5-day timer still counts from the start
    [task] = tasks
    engine.complete(workflow, task.id, {"decision": "approve"})
    assert engine.current_data(workflow)["notified"] is True
    assert [m.name for m in engine.waiting_messages(workflow)] == ["permit_issued"]

    [old_task] = engine.open_user_tasks(untouched)              # a case left on v1 runs v1
    engine.complete(untouched, old_task.id, {"decision": "approve"})
    assert "notified" not in engine.current_data(untouched)
