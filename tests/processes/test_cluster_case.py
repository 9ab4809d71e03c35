"""The cluster case's loops and escalations: defer / no-go, permit by message or overdue, rework, council."""
from __future__ import annotations

import pytest

from .helpers import (
    COUNCIL,
    COUNCIL_MEMBERS,
    DIAGNOSTIC,
    FEASIBILITY,
    VISIT,
    action_plan,
    advance,
    complete,
    council_decides,
    data,
    deploy_processes,
    do,
    instance,
    joint_action,
    one,
    open_case,
    refused,
    send_message,
    tasks,
    to_action_plan,
    to_diagnostic,
    to_permit,
    worker,
)


@pytest.fixture
def ctx(sqlite_app):
    with sqlite_app.app_context():
        deploy_processes()
        yield sqlite_app


def test_a_case_opens_at_feasibility_with_its_key_and_title(ctx):
    case = open_case()
    row = instance(case)
    assert (row.status, row.stage, row.province, row.title) == ("running", "feasibility", "tehran", "توسعه خوشه مبلمان")
    study = one(case, "feasibility_study")
    assert (study.role, study.form_id) == ("cluster_expert", "feasibility_report")
    assert data(case)["case_key"] == "tehran-1405-TH-01"


def test_defer_waits_then_studies_again_and_no_go_closes(ctx, clock):
    case = open_case()
    do(case, "feasibility_study", dict(FEASIBILITY, recommendation="defer"))
    assert one(case, "feasibility_decision").role == "small_industries_deputy"
    do(case, "feasibility_decision", {"feasibility_outcome": "defer", "defer_months": 3})
    assert tasks(case) == []
    assert advance(clock, days=85) == []
    assert advance(clock, days=10) == [(case, "feasibility_deferred")]
    one(case, "feasibility_study")
    assert data(case)["feasibility_round"] == 2
    do(case, "feasibility_study", dict(FEASIBILITY, recommendation="defer"))
    do(case, "feasibility_decision", {"feasibility_outcome": "defer"})     # no months given: six
    assert advance(clock, days=175) == []
    assert advance(clock, days=10) == [(case, "feasibility_deferred")]
    do(case, "feasibility_study", dict(FEASIBILITY, recommendation="no_go"))
    do(case, "feasibility_decision", {"feasibility_outcome": "no_go"})
    row = instance(case)
    assert row.status == "completed"
    assert (data(case)["closure_reason"], data(case)["stage"]) == ("no_go", "closed")


def test_the_permit_arrives_as_a_message_correlated_by_case_key(ctx):
    first, second = open_case("TH-01"), open_case("TH-02", "پوشاک")
    to_permit(first)
    to_permit(second)
    permit_task = one(first, "issue_permit")
    assert (permit_task.role, instance(first).stage) == ("isipo_expert", "permit")
    # the request letter was dated 1405/02/01 (a case value): a permit dated before it is refused at its field
    assert refused(first, "issue_permit", {"permit_status": "issued", "permit_date": "1405/01/31"}) == {
        "permit_date": ["The permit is dated before the company's request letter."]}
    send_message("permit_issued", {"case_key": "tehran-1405-TH-02"}, {"no": "P-77", "date": "1405/03/01"})
    assert tasks(second, "issue_permit") == []            # the message withdrew the second case's permit task
    contracts = one(second, "sign_contracts")
    assert (contracts.role, instance(second).stage) == ("small_industries_deputy", "contracts")
    assert (data(second)["permit_no"], data(second)["permit_source"]) == ("P-77", "message")
    one(first, "issue_permit")                            # the first case still waits for its own permit


def test_an_overdue_permit_is_followed_up_by_the_deputy_and_a_refusal_closes(ctx, clock):
    case = open_case()
    to_permit(case)
    assert advance(clock, days=29) == []
    assert advance(clock, days=2) == [(case, "permit_overdue")]
    follow_up = one(case, "follow_up_permit")
    assert (follow_up.role, follow_up.form_id) == ("small_industries_deputy", "follow_up")
    one(case, "issue_permit")                             # non-interrupting: the permit task stays open
    do(case, "follow_up_permit", {"follow_up_action": "نامه پیگیری ارسال شد"})
    do(case, "issue_permit", {"permit_status": "refused", "permit_comment": "اعتبار کافی نیست"})
    assert instance(case).status == "completed"
    assert data(case)["closure_reason"] == "permit_refused"


def test_the_supervisor_sends_the_study_back_and_an_overdue_review_escalates(ctx, clock):
    case = open_case()
    to_diagnostic(case)
    study = one(case, "diagnostic_study")
    assert (study.role, instance(case).stage) == ("cda", "diagnostic")
    do(case, "diagnostic_study", DIAGNOSTIC)
    review = one(case, "review_diagnostic")
    assert review.role == "technical_supervisor"
    do(case, "review_diagnostic", {"review_status": "rework", "supervisor_comments": "پیمایش کافی نیست"})
    do(case, "diagnostic_study", dict(DIAGNOSTIC, survey_sample_n=120))
    assert data(case)["review_round"] == 1
    one(case, "review_diagnostic")
    fired = advance(clock, days=16)
    assert (case, "review_overdue") in fired
    follow_up = one(case, "follow_up_review")
    assert follow_up.role == "small_industries_deputy"
    one(case, "review_diagnostic")                        # still the supervisor's to do
    do(case, "follow_up_review", {"follow_up_action": "تماس با ناظر"})
    do(case, "review_diagnostic", {"review_status": "accepted", "supervisor_comments": "کامل است"})
    assert one(case, "form_council").role == "company_ceo"
    assert instance(case).stage == "council_formation"


def test_the_supervisor_visits_monthly_during_the_diagnostic(ctx, clock):
    case = open_case()
    to_diagnostic(case)
    for month in range(1, 5):
        assert advance(clock, days=31) == [(case, "diagnostic_visits")]
        visit = one(case, "diagnostic_visit")
        assert (visit.role, visit.form_id) == ("technical_supervisor", "supervisor_visit_report")
        do(case, "diagnostic_visit", VISIT)
    assert advance(clock, days=31) == []                  # four visits during the study, no more


def test_a_council_short_of_firms_is_sent_back_and_the_council_revises_the_study(ctx):
    case = open_case()
    to_diagnostic(case)
    do(case, "diagnostic_study", DIAGNOSTIC)
    do(case, "review_diagnostic", {"review_status": "accepted", "supervisor_comments": "کامل است"})
    short = {"council": [m for m in COUNCIL if m["username"] != "firm_c"]}
    assert refused(case, "form_council", short) == {
        "council": ["At least three representatives of the cluster's firms are needed."]}
    twice = {"council": [*COUNCIL, dict(COUNCIL[2], full_name="دوباره")]}
    assert refused(case, "form_council", twice) == {"council.7.username": ["This member is listed more than once."]}
    complete(one(case, "form_council").id, short, actor=worker(one(case, "form_council")))
    assert any("سه نماینده" in p for p in data(case)["council_problems"])   # the process's own check stays
    do(case, "form_council", {"council": COUNCIL})
    assert data(case)["council_members"] == COUNCIL_MEMBERS
    assert one(case, "schedule_meeting").role == "cda"  # the council's secretary
    council_decides(case, "revise")
    one(case, "diagnostic_study")                         # back to the CDA
    assert (instance(case).stage, data(case)["diagnostic_round"]) == ("diagnostic", 2)
    do(case, "diagnostic_study", DIAGNOSTIC)
    do(case, "review_diagnostic", {"review_status": "accepted", "supervisor_comments": "کامل است"})
    one(case, "schedule_meeting")                         # the council exists: straight to its approval
    council_decides(case, "approve")
    plan = one(case, "draft_action_plan")
    assert (plan.role, instance(case).stage) == ("cda", "action_plan")


def test_an_unbalanced_budget_and_a_rejected_plan_go_back_to_the_cda(ctx):
    case = open_case()
    to_action_plan(case)
    unbalanced = action_plan(joint_action(), joint_action(total=1_000, isipo=600, others=300))
    assert refused(case, "draft_action_plan", unbalanced) == {
        "joint_actions.1.budget_total": ["The total budget must equal ISIPO's share plus the others' share."]}
    backwards = action_plan(joint_action() | {"start_date": "1405/07/01", "end_date": "1405/06/30"})
    assert refused(case, "draft_action_plan", backwards) == {
        "joint_actions.0.end_date": ["The end date is before the start date."]}
    complete(one(case, "draft_action_plan").id, unbalanced, actor=worker(one(case, "draft_action_plan")))
    assert data(case)["plan_problems"] and one(case, "draft_action_plan")   # the process's own check stays
    do(case, "draft_action_plan", action_plan(joint_action(), joint_action("مرکز طراحی", 3_000, 1_000, 2_000)))
    assert (data(case)["budget_total"], data(case)["leverage"]) == (1_000_003_000, pytest.approx(0.67, abs=0.01))
    council_decides(case, "reject")
    one(case, "draft_action_plan")
    do(case, "draft_action_plan", action_plan())
    council_decides(case, "approve")
    assert instance(case).stage == "implementation"
    assert [p["year"] for p in data(case)["approved_plans"]] == [1]
