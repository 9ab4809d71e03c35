"""The identification round: register, checks, the DMN scoring checked by hand, reviews and the committee."""
from __future__ import annotations

import pytest

from web.services.errors import ProcessFailed

from .helpers import (
    CANDIDATES,
    COMMITTEE,
    EXPERT,
    candidate,
    committee_votes,
    complete,
    data,
    deploy_processes,
    do,
    instance,
    one,
    refused,
    round_to_committee,
    snapshot_tasks,
    start,
    start_round,
)

APPROVE = {m: "approve" for m in COMMITTEE}


@pytest.fixture
def ctx(sqlite_app):
    with sqlite_app.app_context():
        deploy_processes()
        yield sqlite_app


def test_the_ranking_is_the_weighted_score_worked_by_hand(ctx):
    case = start_round()
    first = one(case, "register_candidates")
    assert (first.role, first.form_id, first.province) == ("cluster_expert", "candidate_register", "tehran")
    assert instance(case).stage == "identification"
    do(case, "register_candidates", {"candidates": CANDIDATES})
    one(case, "review_ranking")
    ranking = {r["code"]: r for r in data(case)["ranking"]}
    # Normalised 0-10 (min-max over the four; panel 1-5 -> (p-1)*2.5), then sum(weight * value) / 10:
    # TH-01 firms 10 emp 10 VA 10 LQ 10 | exports 10 growth 5 market 10 | coop 7.5 BDS 5 champions 10 |
    #       micro/small share 0 inclusion 5 plan 10
    #   importance (100+100+100+50)/10 = 35; potential (100+50+50)/10 = 20; viability (75+50+50)/10 = 17.5;
    #   sustainability (0+25+50)/10 = 7.5; total 80
    # TH-02 5 5 5 2 | 0 10 5 | 10 2.5 5 | 10 10 5 -> 16 + 12.5 + 15 + 12.5 = 56 (LQ 0.9, but 80 firms pass the gate)
    # TH-03 0 0 0 0 | 5 0 0 | 2.5 0 0 | 10 2.5 0 -> 0 + 5 + 2.5 + 6.25 = 13.75 (LQ 0.5 and 30 firms: below the gate)
    # TH-04 2.5 2.5 2.5 5 | 2.5 2.5 7.5 | 5 10 2.5 | 10 0 7.5 -> 10 + 8.75 + 16.25 + 8.75 = 43.75
    expected = {
        "TH-01": (35, 20, 17.5, 7.5, 80, True, 1),
        "TH-02": (16, 12.5, 15, 12.5, 56, True, 2),
        "TH-04": (10, 8.75, 16.25, 8.75, 43.75, True, 3),
        "TH-03": (0, 5, 2.5, 6.25, 13.75, False, None),
    }
    for code, (importance, potential, viability, sustainability, score, eligible, rank) in expected.items():
        r = ranking[code]
        assert (r["importance"], r["potential"], r["viability"], r["sustainability"]) == \
            pytest.approx((importance, potential, viability, sustainability)), code
        assert r["score"] == pytest.approx(score), code
        assert (r["eligible"], r["rank"]) == (eligible, rank), code
    assert [r["code"] for r in data(case)["ranking"]] == ["TH-01", "TH-02", "TH-04", "TH-03"]


def test_an_incomplete_register_is_refused_at_its_rows(ctx):
    case = start_round()
    no_firms = dict(CANDIDATES[0], firms_micro=0, firms_small=0, firms_medium=0)
    assert refused(case, "register_candidates", {"candidates": [no_firms, *CANDIDATES[1:]]}) == {
        "candidates.0.firms_micro": ["The cluster has no firms; give at least one micro, small or medium firm."]}
    same_code = {"candidates": [*CANDIDATES, dict(CANDIDATES[0], name="دوباره")]}
    assert refused(case, "register_candidates", same_code) == {
        "candidates.4.code": ["This cluster code is used by another row; each cluster's code must be unique."]}
    assert list(refused(case, "register_candidates", {"candidates": CANDIDATES[:1]})) == ["candidates"]
    assert list(refused(case, "register_candidates", {"candidates": [dict(CANDIDATES[0], lq=None),
                                                                     *CANDIDATES[1:]]})) == ["candidates.0.lq"]
    # the process's own check stays as a defence behind the form
    complete(one(case, "register_candidates").id, {"candidates": [no_firms, *CANDIDATES[1:]]}, actor=EXPERT)
    assert one(case, "register_candidates").role == "cluster_expert"
    assert data(case)["data_problems"] == ["TH-01: تعداد بنگاه‌ها صفر است"]
    complete(one(case, "register_candidates").id, {"candidates": [dict(CANDIDATES[0], lq=None), *CANDIDATES[1:]]},
             actor=EXPERT)
    assert data(case)["data_problems"] == ["TH-01: این ستون‌ها خالی است: lq"]
    do(case, "register_candidates", {"candidates": CANDIDATES})
    one(case, "review_ranking")


def test_a_score_no_rule_matches_is_a_clear_error_and_changes_nothing(ctx):
    case = start_round()
    task = one(case, "register_candidates")
    before = snapshot_tasks(case)
    out_of_range = [*CANDIDATES[:3], candidate("TH-09", "چرم", 40, 10, 2, 300, 1, 1, 1, 1.1, (7, 3, 3, 3, 3, 3))]
    with pytest.raises(ProcessFailed) as failure:
        complete(task.id, {"candidates": out_of_range}, actor=EXPERT)
    assert failure.value.element_id == "score_candidates"
    assert "TH-09" in str(failure.value) and "max=15.0" in str(failure.value)
    assert snapshot_tasks(case) == before                 # the register is still open, nothing else moved
    do(case, "register_candidates", {"candidates": CANDIDATES})
    one(case, "review_ranking")


def test_an_ineligible_unknown_or_repeated_proposal_is_refused_at_its_row(ctx):
    case = start_round()
    do(case, "register_candidates", {"candidates": CANDIDATES})
    errors = refused(case, "review_ranking", {"proposed_clusters": [{"code": "TH-01"}, {"code": "TH-03"},
                                                                    {"code": "TH-77"}]})
    assert errors == {"proposed_clusters.1.code": ["“TH-03” is not one of this case's choices."],
                      "proposed_clusters.2.code": ["“TH-77” is not one of this case's choices."]}
    assert refused(case, "review_ranking", {"proposed_clusters": [{"code": "TH-01"}, {"code": "TH-01"}]}) == {
        "proposed_clusters.1.code": ["This cluster is proposed more than once."]}
    assert list(refused(case, "review_ranking", {"proposed_clusters": []})) == ["proposed_clusters"]
    # the process's own check stays as a defence behind the form
    complete(one(case, "review_ranking").id, {"proposed_clusters": [{"code": "TH-03"}, {"code": "TH-77"}]},
             actor=EXPERT)
    one(case, "review_ranking")
    problems = data(case)["proposal_problems"]
    assert len(problems) == 2 and problems[0].startswith("TH-03") and problems[1].startswith("TH-77")
    do(case, "review_ranking", {"proposed_clusters": [{"code": "TH-04"}]})
    assert one(case, "deputy_review").role == "small_industries_deputy"


def test_the_deputy_can_send_the_register_back(ctx):
    case = start_round()
    do(case, "register_candidates", {"candidates": CANDIDATES})
    do(case, "review_ranking", {"proposed_clusters": [{"code": "TH-01"}]})
    do(case, "deputy_review", {"deputy_decision": "send_back", "deputy_comment": "داده‌های صادرات را به‌روز کنید"})
    one(case, "register_candidates")
    do(case, "register_candidates", {"candidates": CANDIDATES})
    do(case, "review_ranking", {"proposed_clusters": [{"code": "TH-01"}]})
    do(case, "deputy_review", {"deputy_decision": "approve"})
    assert one(case, "schedule_meeting").role == "company_ceo"     # on to the committee


def test_the_committee_sends_the_list_back_then_rejects_it(ctx):
    case = start_round()
    round_to_committee(case)
    committee_votes(case, {"gov_planning": "revise", "chamber": "revise", "bank_im": "approve"})
    one(case, "review_ranking")                                   # revise: back to the expert's proposal
    do(case, "review_ranking", {"proposed_clusters": [{"code": "TH-01"}]})
    do(case, "deputy_review", {"deputy_decision": "approve"})
    committee_votes(case, {"gov_planning": "reject", "chamber": "reject", "bank_im": "approve"})
    assert instance(case).status == "completed"
    result = data(case)
    assert (result["round_result"], result["approval_outcome"]) == ("rejected", "reject")
    assert "case_requests" not in result


def test_an_approved_list_requests_one_case_per_chosen_cluster(ctx):
    case = start_round()
    round_to_committee(case)
    committee_votes(case, APPROVE)
    assert instance(case).status == "completed"
    requests = data(case)["case_requests"]
    assert [(r["code"], r["rank"], r["score"], r["province"], r["year"]) for r in requests] == \
        [("TH-01", 1, 80, "tehran", 1405), ("TH-02", 2, 56, "tehran", 1405)]
    assert requests[0]["candidate"]["employment"] == 2000 and requests[0]["title"] == "توسعه خوشه مبلمان"


def test_the_start_form_gives_the_committee_as_records_and_a_round_needs_one(ctx):
    committee = [{"full_name": "عضو " + m, "username": m, "post": "عضو"} for m in COMMITTEE]
    case = start("identification_round", {"province": "tehran", "year": 1405, "committee": committee},
                 actor=EXPERT).instance_id
    assert (data(case)["committee_members"], data(case)["round_key"]) == (COMMITTEE, "tehran-1405")
    with pytest.raises(ProcessFailed) as failure:
        start("identification_round", {"province": "tehran", "year": 1406, "committee": []}, actor=EXPERT)
    assert failure.value.element_id == "init_round" and "committee_members" in str(failure.value)
