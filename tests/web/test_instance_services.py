"""The service layer on a real database: start, complete, claim, timers, messages, failures."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from web import unit_of_work
from web.models import MessageWait, ProcessInstance, Timer
from web.runtime import current_runtime
from web.services import instances, messages, timers
from web.services.actors import Actor
from web.services.errors import (InvalidInput, NotFound, NotYourTask, ProcessFailed, TaskAlreadyCompleted,
                                 TaskNotFound)

from .helpers import DEPUTY, EXPERT, ROOT, complete, deploy, events, open_tasks, snapshot, start

EXAMPLE = ROOT / "examples" / "document_review.bpmn"


@pytest.fixture
def ctx(app):
    with app.app_context():
        deploy(EXAMPLE)
        yield app


def test_start_opens_the_first_task_with_role_form_due_and_timer(ctx, clock):
    outcome = start("document_review", {"document_number": 7})
    assert outcome.status == "running"
    [task] = open_tasks(outcome.instance_id)
    assert (task.element_id, task.role, task.form_id, task.province) == \
        ("review_document", "cluster_expert", "document_review_decision", "tehran")
    # due: three Iranian working days (the clock starts on Nowruz, 1405/01/01, a holiday week)
    assert task.due_at == current_runtime().engine.calendar.add_working_days(clock.now(), 3)
    assert outcome.next_task_for_actor == task.id
    with unit_of_work(write=False) as uow:
        [timer] = uow.session.scalars(select(Timer).where(Timer.instance_id == outcome.instance_id)).all()
    assert timer.element_id == "review_overdue"
    assert timer.due_at == clock.now() + timedelta(days=5)
    assert events(outcome.instance_id) == [("instance_started", "expert")]


def test_rework_loop_then_approval_then_message_completes_the_case(ctx):
    outcome = start("document_review", {"document_number": 7})
    [first] = open_tasks(outcome.instance_id)
    after = complete(first.id, {"decision": "rework", "comment": "صفحه ۲ ناقص است"})
    [second] = open_tasks(outcome.instance_id)
    assert second.id != first.id and second.element_id == "review_document"
    assert after.next_task_for_actor == second.id

    complete(second.id, {"decision": "approve"})
    assert open_tasks(outcome.instance_id) == []
    with unit_of_work(write=False) as uow:
        [wait] = uow.session.scalars(select(MessageWait)).all()
        assert (wait.name, json.loads(wait.correlation)) == ("permit_issued", {"reference": "DOC-7"})
        # the boundary timer went away with the task it was attached to
        assert uow.session.scalars(select(Timer)).all() == []

    runtime = current_runtime()
    done = messages.deliver_message("permit_issued", {"reference": "DOC-7"}, {"no": "P-1"}, actor=DEPUTY,
                                    uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    assert done.status == "completed"
    with unit_of_work(write=False) as uow:
        instance = uow.session.get(ProcessInstance, outcome.instance_id)
        assert instance.status == "completed" and instance.completed_at is not None
        workflow = instances.restore_workflow(runtime, instance)
    assert workflow.last_task.data["permit"] == {"no": "P-1"}
    assert workflow.last_task.data["review_round"] == 1
    assert [a for a, _ in events(outcome.instance_id)] == [
        "instance_started", "task_completed", "task_completed", "message_delivered", "instance_completed"]


def test_message_with_wrong_correlation_reaches_nobody(ctx):
    outcome = start("document_review", {"document_number": 7})
    [task] = open_tasks(outcome.instance_id)
    complete(task.id, {"decision": "approve"})
    before = snapshot(outcome.instance_id)
    runtime = current_runtime()
    with pytest.raises(NotFound):
        messages.deliver_message("permit_issued", {"reference": "DOC-8"}, None, actor=DEPUTY,
                                 uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    assert snapshot(outcome.instance_id) == before


def test_overdue_timer_escalates_once_and_only_when_due(ctx, clock):
    outcome = start("document_review", {"document_number": 7})
    [review] = open_tasks(outcome.instance_id)
    runtime = current_runtime()

    def fire():
        return timers.fire_due_timers(uow_factory=unit_of_work, runtime=runtime, clock=clock)

    clock.advance(days=4, hours=23)
    assert fire().fired == []
    clock.advance(hours=2)
    assert fire().fired == [(outcome.instance_id, "review_overdue")]
    [escalated] = open_tasks(outcome.instance_id)
    assert (escalated.element_id, escalated.role) == ("escalated_review", "small_industries_deputy")
    assert escalated.due_at == clock.now() + timedelta(days=2)
    state = snapshot(outcome.instance_id)
    assert (review.id, "cancelled", None, None) in state["tasks"]
    assert fire().fired == []                 # running it again changes nothing more
    assert snapshot(outcome.instance_id) == state
    with pytest.raises(TaskAlreadyCompleted):
        complete(review.id, {"decision": "approve"})
    complete(escalated.id, {"resolution": "پیگیری شد"}, actor=DEPUTY)
    assert events(outcome.instance_id)[-1] == ("instance_completed", "deputy")


def test_other_role_or_province_cannot_complete(ctx):
    outcome = start("document_review", {"document_number": 7})
    [task] = open_tasks(outcome.instance_id)
    before = snapshot(outcome.instance_id)
    with pytest.raises(NotYourTask):
        complete(task.id, {"decision": "approve"}, actor=DEPUTY)
    with pytest.raises(TaskNotFound):
        complete(task.id, {"decision": "approve"}, actor=Actor("far", frozenset({"cluster_expert"}),
                                                                frozenset({"fars"})))
    with pytest.raises(TaskNotFound):
        complete("00000000-0000-0000-0000-000000000000", {"decision": "approve"})
    assert snapshot(outcome.instance_id) == before


def test_claim_reserves_a_task_for_one_colleague(ctx, clock):
    outcome = start("document_review", {"document_number": 7})
    [task] = open_tasks(outcome.instance_id)
    colleague = Actor("expert2", frozenset({"cluster_expert"}), frozenset({"tehran"}))
    instances.claim_task(task.id, actor=EXPERT, uow=unit_of_work(), clock=clock)
    with pytest.raises(NotYourTask, match="claimed by expert"):
        complete(task.id, {"decision": "approve"}, actor=colleague)
    instances.unclaim_task(task.id, actor=EXPERT, uow=unit_of_work(), clock=clock)
    complete(task.id, {"decision": "approve"}, actor=colleague)
    assert [a for a, _ in events(outcome.instance_id)][:4] == [
        "instance_started", "task_claimed", "task_unclaimed", "task_completed"]


def test_a_failing_gateway_changes_nothing(ctx):
    deploy(ROOT / "tests" / "fixtures" / "strict_gateway.bpmn")
    outcome = start("strict_gateway", {})
    [task] = open_tasks(outcome.instance_id)
    before = snapshot(outcome.instance_id)
    with pytest.raises(ProcessFailed) as failure:
        complete(task.id, {"decision": "rework"})
    assert failure.value.element_id == "gw_strict"
    assert "No conditions satisfied" in str(failure.value)
    assert snapshot(outcome.instance_id) == before
    complete(task.id, {"decision": "approve"})        # corrected data goes through
    assert snapshot(outcome.instance_id)["status"] == "completed"


@pytest.mark.parametrize("data", [{"x": {1, 2}}, {"typename": "x"}, {"bad key": 1}])
def test_task_data_that_is_not_json_is_refused(ctx, data):
    outcome = start("document_review", {"document_number": 7})
    [task] = open_tasks(outcome.instance_id)
    before = snapshot(outcome.instance_id)
    with pytest.raises(InvalidInput):
        complete(task.id, data)
    assert snapshot(outcome.instance_id) == before


def test_a_fresh_worker_continues_where_the_last_one_stopped(ctx, database_url, clock, tmp_path):
    outcome = start("document_review", {"document_number": 9})
    [task] = open_tasks(outcome.instance_id)
    from tests.conftest import build_app

    other = build_app(database_url, clock, tmp_path)      # new engine, empty spec cache
    with other.app_context():
        assert complete(task.id, {"decision": "approve"}).status == "running"
        with unit_of_work(write=False) as uow:
            assert uow.session.scalar(select(MessageWait.correlation)) == '{"reference":"DOC-9"}'


def test_a_looping_script_is_stopped_and_changes_nothing(ctx, tmp_path):
    looping = EXAMPLE.read_text(encoding="utf-8").replace("review_round += 1", "while True:\n    review_round += 1")
    looping = looping.replace('id="document_review"', 'id="looping_review"').replace(
        'processRef="document_review"', 'processRef="looping_review"')
    (tmp_path / "looping.bpmn").write_text(looping, encoding="utf-8")
    deploy(tmp_path / "looping.bpmn")
    outcome = start("looping_review", {"document_number": 3})
    [task] = open_tasks(outcome.instance_id)
    before = snapshot(outcome.instance_id)
    with pytest.raises(ProcessFailed) as failure:
        complete(task.id, {"decision": "rework"})
    assert failure.value.element_id == "count_round"
    assert "time" in str(failure.value).lower()
    assert snapshot(outcome.instance_id) == before
