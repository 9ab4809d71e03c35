"""The whole service, end to end: a round ranks the province's clusters, the committee chooses two, each
gets its own case, and one is carried from feasibility to closure over about three simulated years."""
from __future__ import annotations

import json

from collections import Counter

import pytest
from sqlalchemy import select

from web import unit_of_work
from web.models import StageStay

from .helpers import (
    COMMITTEE,
    CONTRACTS,
    COUNCIL,
    COUNCIL_MEMBERS,
    DIAGNOSTIC,
    EVALUATION,
    FEASIBILITY,
    PROGRESS,
    action_plan,
    advance,
    children,
    committee_votes,
    council_decides,
    data,
    deploy_processes,
    do,
    history,
    instance,
    one,
    report_what_is_due,
    round_to_committee,
    send_message,
    start_round,
    tasks,
)


@pytest.fixture
def ctx(sqlite_app):
    with sqlite_app.app_context():
        deploy_processes()
        yield sqlite_app


def stored_tree(state: str) -> tuple[int, int]:
    """(tasks of the stored top-level tree outside the kept end-join pairs, number of those pairs)."""
    doc = json.loads(state)
    tasks, root = doc["tasks"], doc["tasks"][doc["root"]]
    pairs = len(root["children"]) - 1                    # the root holds the live tree, then the pairs
    return len(tasks) - 2 * pairs, pairs


def test_from_the_identification_round_to_a_closed_cluster_case(ctx, clock):
    started = clock.now()
    # -- stage 1: the round ----------------------------------------------------------------------------------
    round_id = start_round()
    round_to_committee(round_id, proposed=("TH-01", "TH-02"))
    committee_votes(round_id, {m: "approve" for m in COMMITTEE})
    assert instance(round_id).status == "completed"
    cases = children(round_id)
    assert [(c.process_id, c.title, c.province, c.status, c.stage) for c in cases] == [
        ("cluster_case", "توسعه خوشه مبلمان", "tehran", "running", "feasibility"),
        ("cluster_case", "توسعه خوشه پوشاک", "tehran", "running", "feasibility"),
    ]
    assert [e.action for e in history(round_id)].count("instance_spawned") == 2
    furniture, apparel = (c.id for c in cases)
    assert data(furniture)["case_key"] == "tehran-1405-TH-01"
    assert data(apparel)["cluster_request"]["rank"] == 2
    one(apparel, "feasibility_study")                     # the second case waits at its own first step

    # -- stage 2: feasibility, request, permit (by message), contracts ----------------------------------------
    do(furniture, "feasibility_study", FEASIBILITY)
    do(furniture, "feasibility_decision", {"feasibility_outcome": "go"})
    do(furniture, "official_request", {"request_no": "1405/77", "request_date": "1405/02/15", "request_file": "f"})
    send_message("permit_issued", {"case_key": "tehran-1405-TH-01"}, {"no": "P-1405-9", "date": "1405/03/01"})
    do(furniture, "sign_contracts", CONTRACTS)

    # -- stage 3: the diagnostic study, with the supervisor's monthly visits and one rework --------------------
    fired = Counter()
    visits_and_reports = Counter()

    def month(days=31):
        fired.update(element for _, element in advance(clock, days=days) if _ == furniture)
        visits_and_reports.update(report_what_is_due(furniture))

    assert instance(furniture).stage == "diagnostic"
    month()
    do(furniture, "diagnostic_study", DIAGNOSTIC)
    do(furniture, "review_diagnostic", {"review_status": "rework", "supervisor_comments": "پیمایش کوچک است"})
    month()
    do(furniture, "diagnostic_study", dict(DIAGNOSTIC, survey_sample_n=110))
    month()
    assert fired["review_overdue"] == 1                   # the review waited over 15 days: the deputy follows up
    one(furniture, "follow_up_review")
    do(furniture, "review_diagnostic", {"review_status": "accepted", "supervisor_comments": "کامل است"})
    assert fired["diagnostic_visits"] == 3 and visits_and_reports["diagnostic_visit"] == 3
    assert tasks(furniture, "follow_up_review") == []     # accepting the study withdrew the follow-up

    # -- the steering council, and its approval of the study by the members' votes --------------------------
    assert instance(furniture).stage == "council_formation"
    do(furniture, "form_council", {"council": COUNCIL})
    do(furniture, "schedule_meeting",
       {"meeting_date": "1405/07/01", "agenda": "مطالعه شناختی", "decision_mode": "vote"})
    assert sorted(t.assignee for t in tasks(furniture, "cast_vote")) == sorted(COUNCIL_MEMBERS)
    for member in COUNCIL_MEMBERS:
        do(furniture, "cast_vote", {"vote": "approve"}, assignee=member)

    # -- stage 4: three yearly action plans, each approved, carried out with periodic reports, evaluated -------
    state_size, live_tasks, end_pairs = {}, {}, {}
    for year in (1, 2, 3):
        assert (instance(furniture).stage, data(furniture)["plan_year"]) == ("action_plan", year)
        do(furniture, "draft_action_plan", action_plan())
        council_decides(furniture, "approve")
        assert instance(furniture).stage == "implementation"
        before = visits_and_reports.copy()
        for _ in range(12):
            month()
        assert visits_and_reports - before == Counter({"implementation_visit": 5, "quarterly_report": 3}), year
        do(furniture, "annual_report", dict(PROGRESS, period=f"سال {year}"))
        assert instance(furniture).stage == "evaluation"
        do(furniture, "yearly_evaluation", EVALUATION)
        state_size[year] = len(instance(furniture).state)
        live_tasks[year], end_pairs[year] = stored_tree(instance(furniture).state)
    # finished history is compacted away: the live tree of year 3 is that of year 1. What stays is what the
    # process's end join will read when the case ends: each ended branch (a visit, a report) with its data.
    assert live_tasks[3] <= live_tasks[1] + 2
    assert end_pairs[3] - end_pairs[2] == end_pairs[2] - end_pairs[1] == 8   # 5 visits and 3 reports a year
    per_pair = (state_size[3] - state_size[1]) / (end_pairs[3] - end_pairs[1])
    one_copy = len(json.dumps(data(furniture), ensure_ascii=False, separators=(",", ":")))
    assert per_pair < 1.3 * one_copy                       # a pair costs one copy of the case data

    # -- exit and closure ------------------------------------------------------------------------------------
    assert instance(furniture).stage == "exit"
    do(furniture, "cda_exit", {"governance_structure": "association", "handover": "انجمن مبلمان", "exit_file": "f"})
    assert instance(furniture).stage == "closed"
    do(furniture, "close_case", {"final_assessment": "successful", "closed_on": "1409/01/15",
                                 "closure_summary": "خوشه با انجمن خود ادامه می‌دهد"})
    row = instance(furniture)
    assert (row.status, row.stage) == ("completed", "closed")
    assert 3 * 365 < (row.completed_at - started).days < 4 * 365
    assert [p["year"] for p in data(furniture)["approved_plans"]] == [1, 2, 3]
    assert fired == Counter({"diagnostic_visits": 3, "review_overdue": 1, "implementation_visits": 15,
                             "quarterly_reports": 9, "year_elapsed": 3})
    stages = [e.data["to"] for e in history(furniture) if e.action == "stage_changed"]
    assert stages == ["feasibility", "permit", "contracts", "diagnostic", "council_formation", "diagnostic",
                      *["action_plan", "implementation", "evaluation"] * 3, "exit", "closed"]
    assert instance(apparel).status == "running"          # the other case is untouched
