"""Firms take part through per-firm cases: one case per confirmed firm of the cluster (for_each_firm), whose
user tasks record survey answers, registrations and feedback in the tables the CDA and the card read."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.processes.helpers import (DIAGNOSTIC, action_plan, children, council_decides, do, do_task, instance,
                                     joint_action, one, open_case, tasks, to_action_plan, to_diagnostic,
                                     deploy_processes)
from tests.web.firm_portal_helpers import add_firm, cluster_of, firm_does, represent
from web import unit_of_work
from web.models import (JointAction, JointActionFeedback, JointActionRegistration, ProcessInstance,
                        SurveyResponse, TaskRecord)

SURVEY = {"employees": 12, "main_problems": ["marketing", "finance"], "cooperation_willingness": "high",
          "needs": ["training", "fairs"]}


@pytest.fixture
def ctx(sqlite_app):
    with sqlite_app.app_context():
        deploy_processes()
        yield sqlite_app


def firms_case():
    """A cluster case with three firms: two represented (confirmed), one whose representative is pending."""
    case = open_case()
    cluster = cluster_of(case)
    a = add_firm(cluster, "نجاری الف", "10100000001")
    b = add_firm(cluster, "مبل ب", "10100000002")
    c = add_firm(cluster, "چوب ج", "10100000003")
    other = add_firm(None, "بنگاه دیگر", "10100000004")
    represent("rep_a", a)
    represent("rep_b", b, other)
    represent("rep_c", c, status="pending")
    return case, a, b, c


def per_firm(case: int, process_id: str) -> dict[int, int]:
    return {row.firm_id: row.id for row in children(case) if row.process_id == process_id}


def test_the_diagnostic_study_opens_one_survey_per_confirmed_firm_of_the_cluster(ctx):
    case, a, b, c = firms_case()
    to_diagnostic(case)
    surveys = per_firm(case, "firm_survey")
    assert set(surveys) == {a, b}
    for firm_id, survey in surveys.items():
        row = instance(survey)
        assert (row.firm_id, row.cluster_id, row.province) == (firm_id, cluster_of(case), "tehran")
        task = one(survey, "answer_survey")
        assert (task.role, task.firm_id, task.form_id) == ("firm_representative", firm_id, "firm_survey")
    # the CDA's study goes on meanwhile
    one(case, "diagnostic_study")


def test_survey_answers_are_recorded_for_the_diagnostic_study(ctx):
    case, a, b, c = firms_case()
    to_diagnostic(case)
    survey = per_firm(case, "firm_survey")[a]
    firm_does(one(survey, "answer_survey"), SURVEY, "rep_a")
    assert instance(survey).status == "completed"
    with unit_of_work(write=False) as uow:
        rows = list(uow.session.scalars(select(SurveyResponse)))
    assert [(r.case_id, r.firm_id, r.answers["main_problems"]) for r in rows] == [(case, a, ["finance", "marketing"])]


def test_interest_is_asked_of_each_firm_when_the_feasibility_study_goes_on(ctx):
    case, a, b, c = firms_case()
    to_diagnostic(case)
    interest = per_firm(case, "firm_interest")
    assert set(interest) == {a, b}
    firm_does(one(interest[b], "declare_interest"), {"interested": "yes", "contact_person": "رضا"}, "rep_b")
    assert instance(interest[b]).status == "completed"


def approve_plan(case: int, *actions) -> None:
    do(case, "draft_action_plan", action_plan(*actions))
    council_decides(case)


def test_an_approved_plan_opens_registration_and_records_the_firm_s_share_of_the_cost(ctx):
    case, a, b, c = firms_case()
    to_action_plan(case)
    approve_plan(case, joint_action("آموزش بازاریابی", total=500_000_000, isipo=300_000_000, others=200_000_000),
                 joint_action("نمایشگاه مشترک"))
    registrations = per_firm(case, "firm_joint_actions")
    assert set(registrations) == {a, b}
    task = one(registrations[a], "register_joint_actions")
    firm_does(task, {"joint_actions": ["2"], "participants": 2, "accept_cost_share": True}, "rep_a")
    with unit_of_work(write=False) as uow:
        actions = {j.title: j for j in uow.session.scalars(select(JointAction).where(JointAction.case_id == case))}
        rows = list(uow.session.scalars(select(JointActionRegistration)))
    # the second action: others' 400,000,000 split over its 20 firms
    assert [(r.joint_action_id, r.firm_id, r.participants, r.cost_share) for r in rows] == \
        [(actions["نمایشگاه مشترک"].id, a, 2, 20_000_000)]


def test_a_registration_form_refuses_an_action_not_in_the_plan(ctx):
    from tests.processes.helpers import check_form

    case, a, b, c = firms_case()
    to_action_plan(case)
    approve_plan(case, joint_action("آموزش"))
    task = one(per_firm(case, "firm_joint_actions")[a], "register_joint_actions")
    _, errors = check_form(task, {"joint_actions": ["7"], "accept_cost_share": True})
    assert "joint_actions" in errors


def test_a_representative_cannot_complete_another_firm_s_task(ctx):
    from tests.processes.helpers import complete
    from tests.web.firm_portal_helpers import firm_actor
    from web.services.errors import TaskNotFound

    case, a, b, c = firms_case()
    to_diagnostic(case)
    task = one(per_firm(case, "firm_survey")[a], "answer_survey")
    with pytest.raises(TaskNotFound):
        complete(task.id, SURVEY, actor=firm_actor("rep_b", b))


def test_with_no_represented_firm_nobody_is_asked_and_the_case_says_so(ctx):
    from tests.processes.helpers import history

    case = open_case()
    add_firm(cluster_of(case), "بی‌نماینده", "10100000009")
    to_diagnostic(case)
    assert [c for c in children(case) if c.process_id.startswith("firm_")] == []
    asked = [e.data["name"] for e in history(case) if e.action == "no_firms_asked"]
    assert asked == ["firm_interest_invited", "firm_survey_requested"]


def _confirm_invited(username: str, firm_id: int) -> int:
    """``username`` was invited for ``firm_id`` and signs in with a code: the invitation is confirmed, and the
    worker runs once (it brings the firm the calls still open); returns how many jobs and timers it ran."""
    from web.models import User
    from web.runtime import current_runtime
    from web.services.firms.people import confirm_invitations
    from web.services.work.worker import Worker

    represent(username, firm_id, status="invited")
    runtime = current_runtime()
    with unit_of_work() as uow:
        user_id = uow.session.scalar(select(User.id).where(User.username == username))
        confirm_invitations(uow.session, user_id, runtime.clock.now())
        uow.commit()
    return Worker(uow_factory=unit_of_work, runtime=runtime, clock=runtime.clock, name="test").run_once()


def test_a_firm_that_joins_while_a_call_is_open_gets_its_own_case_of_it(ctx):
    from tests.processes.helpers import history

    case, a, b, c = firms_case()
    late = add_firm(cluster_of(case), "کابینت د", "10100000005")
    to_diagnostic(case)
    assert set(per_firm(case, "firm_survey")) == {a, b}
    assert "firm_survey_requested" in [e.data["name"] for e in history(case) if e.action == "firms_asked"]

    _confirm_invited("rep_late", late)
    surveys = per_firm(case, "firm_survey")
    assert set(surveys) == {a, b, late}
    task = one(surveys[late], "answer_survey")
    assert (task.role, task.firm_id) == ("firm_representative", late)
    assert instance(surveys[late]).parent_id == case

    _confirm_invited("rep_late_2", late)            # a second representative of the same firm: no second case
    assert len([r for r in children(case) if r.process_id == "firm_survey" and r.firm_id == late]) == 1


def test_a_call_closed_for_a_month_is_not_sent_to_a_firm_that_joins_later(ctx):
    from web.runtime import current_runtime

    case, a, b, c = firms_case()
    late = add_firm(cluster_of(case), "کابینت د", "10100000005")
    to_diagnostic(case)
    current_runtime().clock.advance(days=31)
    _confirm_invited("rep_late", late)
    assert late not in per_firm(case, "firm_survey")
