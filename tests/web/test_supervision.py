"""Supervisors: the case list in their scope, and suspend / resume / terminate / reassign / retry."""
from __future__ import annotations

from datetime import timedelta

import pytest

from web import unit_of_work
from web.runtime import current_runtime
from web.services import admin, cases, timers
from web.services.actors import Actor
from web.services.errors import Conflict, Forbidden, InstanceNotFound, InvalidInput, TaskAlreadyCompleted
from web.services.inbox import InboxFilters, list_tasks

from .browser_helpers import make_user
from .helpers import EXPERT, ROOT, complete, deploy, events, open_tasks, snapshot, start

SUPERVISOR = Actor("sup", frozenset({"supervisor"}), frozenset({"tehran"}))
HQ = Actor("hq", frozenset({"isipo_expert"}), frozenset())
FARS_EXPERT = Actor("fars", frozenset({"cluster_expert"}), frozenset({"fars"}))


@pytest.fixture
def ctx(app):
    with app.app_context():
        deploy(ROOT / "examples" / "document_review.bpmn")
        yield app


def listing(actor, clock, **filters):
    with unit_of_work(write=False) as uow:
        return cases.list_cases(uow.session, actor, cases.CaseFilters(**filters), clock)


def test_case_list_scope_filters_and_holders(ctx, clock):
    a = start("document_review", {"document_number": 1, "title": "خوشه فرش"}).instance_id
    b = start("document_review", {"document_number": 2, "title": "خوشه سنگ"}).instance_id
    c = start("document_review", {"document_number": 3}, actor=FARS_EXPERT, province="fars").instance_id
    assert [r.id for r in listing(SUPERVISOR, clock, sort="id").rows] == [a, b]      # own province only
    assert {r.id for r in listing(HQ, clock).rows} == {a, b, c}                        # the parent organization
    assert [r.id for r in listing(HQ, clock, cluster="سنگ").rows] == [b]
    assert [r.id for r in listing(HQ, clock, province="fars").rows] == [c]
    [row] = listing(SUPERVISOR, clock, cluster="فرش").rows
    [holder] = row.holders
    assert (holder.task_name, holder.role, holder.assignee, holder.overdue) == ("بررسی سند", "cluster_expert", None,
                                                                                False)
    clock.advance(days=10)
    assert {r.id for r in listing(HQ, clock, overdue=True).rows} == {a, b, c}
    assert listing(HQ, clock, started_from="1405/01/02").rows == []
    assert len(listing(HQ, clock, started_from="1405/01/01", started_to="1405/01/01").rows) == 3
    with pytest.raises(InvalidInput) as bad:
        listing(HQ, clock, started_from="1405/13/01")
    assert "started_from" in bad.value.errors
    with pytest.raises(Forbidden):
        listing(EXPERT, clock)


def test_suspend_hides_the_case_and_stops_its_timers_until_resumed(ctx, clock):
    instance = start("document_review", {"document_number": 1}).instance_id
    runtime = current_runtime()
    with pytest.raises(InvalidInput):
        admin.change_status(instance, "suspend", "  ", actor=SUPERVISOR, uow=unit_of_work(), clock=clock)
    admin.change_status(instance, "suspend", "awaiting the governor's letter", actor=SUPERVISOR,
                        uow=unit_of_work(), clock=clock)
    with unit_of_work(write=False) as uow:
        assert list_tasks(uow.session, EXPERT, InboxFilters(), clock).rows == []
    clock.advance(days=6)
    assert timers.fire_due_timers(uow_factory=unit_of_work, runtime=runtime, clock=clock).fired == []
    [task] = open_tasks(instance)
    with pytest.raises(TaskAlreadyCompleted):
        complete(task.id, {"decision": "approve"})
    with pytest.raises(Conflict):
        admin.change_status(instance, "suspend", "again", actor=SUPERVISOR, uow=unit_of_work(), clock=clock)
    admin.change_status(instance, "resume", "letter arrived", actor=SUPERVISOR, uow=unit_of_work(), clock=clock)
    assert timers.fire_due_timers(uow_factory=unit_of_work, runtime=runtime, clock=clock).fired == [
        (instance, "review_overdue")]
    assert ("instance_suspended", "sup") in events(instance) and ("instance_running", "sup") in events(instance)


def test_terminate_withdraws_tasks_and_finished_cases_refuse_actions(ctx, clock):
    instance = start("document_review", {"document_number": 1}).instance_id
    admin.change_status(instance, "terminate", "duplicate case", actor=SUPERVISOR, uow=unit_of_work(), clock=clock)
    state = snapshot(instance)
    assert state["status"] == "terminated" and state["timers"] == [] and all(t[1] == "cancelled"
                                                                             for t in state["tasks"])
    with pytest.raises(Conflict):
        admin.change_status(instance, "suspend", "why", actor=SUPERVISOR, uow=unit_of_work(), clock=clock)
    assert snapshot(instance) == state


def test_only_supervisors_of_the_province_act(ctx, clock):
    instance = start("document_review", {"document_number": 1}).instance_id
    with pytest.raises(Forbidden):
        admin.change_status(instance, "suspend", "x", actor=EXPERT, uow=unit_of_work(), clock=clock)
    other = Actor("sup2", frozenset({"supervisor"}), frozenset({"fars"}))
    with pytest.raises(InstanceNotFound):
        admin.change_status(instance, "suspend", "x", actor=other, uow=unit_of_work(), clock=clock)


def test_reassign_with_a_reason(ctx, clock):
    make_user("expert2", ["cluster_expert"], ["tehran"])
    instance = start("document_review", {"document_number": 1}).instance_id
    [task] = open_tasks(instance)
    with pytest.raises(InvalidInput):
        admin.reassign(task.id, "sup", "the expert is on leave", actor=SUPERVISOR, uow=unit_of_work(), clock=clock)
    admin.reassign(task.id, "expert2", "the expert is on leave", actor=SUPERVISOR, uow=unit_of_work(), clock=clock)
    assert open_tasks(instance)[0].assignee == "expert2"
    assert events(instance)[-1] == ("task_handed_over", "sup")


def test_retry_after_correcting_the_data(ctx, clock, tmp_path):
    source = (ROOT / "examples" / "document_review.bpmn").read_text(encoding="utf-8")
    # a timer path that fails until the case has an escalation_contact
    source = source.replace('"P5D"', '"P5D" if escalation_contact else "P5D"').replace(
        'id="document_review"', 'id="fragile_review"').replace('processRef="document_review"',
                                                                  'processRef="fragile_review"')
    source = source.replace('<spiffworkflow:property name="due" value="&quot;P2D&quot;" />',
                            '<spiffworkflow:property name="due" value="escalation_days" />')
    (tmp_path / "fragile.bpmn").write_text(source, encoding="utf-8")
    deploy(tmp_path / "fragile.bpmn")
    runtime = current_runtime()
    instance = start("fragile_review", {"document_number": 1, "escalation_contact": "x"}).instance_id
    clock.advance(days=6)
    run = timers.fire_due_timers(uow_factory=unit_of_work, runtime=runtime, clock=clock)
    assert run.fired == [] and run.failed and "escalation_days" in run.failed[0][1]
    before = snapshot(instance)
    with pytest.raises(Exception):
        admin.retry(instance, None, "try again", actor=SUPERVISOR, uow=unit_of_work(), runtime=runtime, clock=clock)
    assert snapshot(instance) == before
    admin.retry(instance, {"escalation_days": 3}, "days were missing", actor=SUPERVISOR, uow=unit_of_work(),
                runtime=runtime, clock=clock)
    [escalated] = open_tasks(instance)
    assert escalated.element_id == "escalated_review" and escalated.due_at == clock.now() + timedelta(days=3)
    with pytest.raises(Conflict):
        admin.retry(instance, None, "nothing failed", actor=SUPERVISOR, uow=unit_of_work(), runtime=runtime,
                    clock=clock)
