"""The register: clusters, a round's ranking, joint actions and meetings land in tables people can query."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from web import unit_of_work
from web.models import Cluster, ClusterRanking, JointAction, Meeting, ProcessInstance, Resolution

from .helpers import (
    action_plan,
    children,
    committee_votes,
    deploy_processes,
    do,
    joint_action,
    round_to_committee,
    start_round,
    to_action_plan,
)


@pytest.fixture
def ctx(sqlite_app):
    with sqlite_app.app_context():
        deploy_processes()
        yield sqlite_app


def rows(model, *where):
    with unit_of_work(write=False) as uow:
        found = list(uow.session.scalars(select(model).where(*where)))
        for row in found:
            uow.session.expunge(row)
        return found


def test_a_round_registers_its_clusters_ranking_and_choice(ctx):
    round_id = start_round()
    round_to_committee(round_id, proposed=("TH-01", "TH-02"))
    committee_votes(round_id, {"gov_planning": "approve", "chamber": "approve", "bank_im": "approve"})

    clusters = {c.code: c for c in rows(Cluster)}
    assert set(clusters) == {"TH-01", "TH-02", "TH-03", "TH-04"}
    assert (clusters["TH-01"].name, clusters["TH-01"].firms_micro, clusters["TH-01"].lq) == ("مبلمان", 100, 2.5)
    ranking = {r.cluster_id: r for r in rows(ClusterRanking, ClusterRanking.round_id == round_id)}
    by_code = {code: ranking[c.id] for code, c in clusters.items()}
    assert [(by_code[c].rank, by_code[c].score) for c in ("TH-01", "TH-02")] == [(1, 80.0), (2, 56.0)]
    assert {c for c, r in by_code.items() if r.chosen} == {"TH-01", "TH-02"}
    assert by_code["TH-03"].eligible is False and by_code["TH-03"].year == 1405

    [meeting] = rows(Meeting, Meeting.instance_id == round_id)
    assert (meeting.body, meeting.decision_mode, meeting.outcome) == ("committee", "vote", "approve")
    cases = children(round_id)
    assert sorted(c.cluster_id for c in cases) == sorted([clusters["TH-01"].id, clusters["TH-02"].id])


def test_a_case_registers_its_council_minutes_and_joint_actions(ctx):
    round_id = start_round()
    round_to_committee(round_id, proposed=("TH-01",))
    committee_votes(round_id, {"gov_planning": "approve", "chamber": "approve", "bank_im": "approve"})
    [case] = [c.id for c in children(round_id)]
    to_action_plan(case)
    [council] = rows(Meeting, Meeting.instance_id == case)
    assert (council.body, council.present_count, council.votes["approve"], council.outcome) == \
        ("council", 7, 7, "approve")
    do(case, "draft_action_plan", action_plan(joint_action(), joint_action("مرکز طراحی", 3_000, 1_000, 2_000)))
    actions = rows(JointAction, JointAction.case_id == case)
    with unit_of_work(write=False) as uow:
        cluster_id = uow.session.get(ProcessInstance, case).cluster_id
    assert sorted((a.title, a.plan_year, a.budget_total, a.cluster_id) for a in actions) == [
        ("مرکز طراحی", 1, 3_000, cluster_id), ("نمایشگاه مشترک", 1, 1_000_000_000, cluster_id)]
    assert rows(Resolution) == []


def test_the_case_page_shows_the_cluster_record(ctx):
    from web.runtime import current_runtime
    from web.services.actors import Actor
    from web.services.case_view import load_case

    round_id = start_round()
    round_to_committee(round_id, proposed=("TH-01",))
    committee_votes(round_id, {"gov_planning": "approve", "chamber": "approve", "bank_im": "approve"})
    [case] = [c.id for c in children(round_id)]
    supervisor = Actor("sup", frozenset({"supervisor"}), frozenset({"tehran"}))
    with unit_of_work(write=False) as uow:
        view = load_case(uow.session, current_runtime(), supervisor, case)
    assert (view.cluster.code, view.cluster.name, view.cluster.firms_small) == ("TH-01", "مبلمان", 25)


def test_the_feasibility_study_registers_the_clusters_firms(ctx):
    from .helpers import FEASIBILITY, open_case

    case = open_case()
    firms = [{"national_id": "۱۴۱۰۰۰۰۵۲۹۴", "name": "مبل آرا", "size": "small", "contact": "021-5555"},
             {"national_id": "10860145535", "name": "چوب نو", "size": "micro"}]
    do(case, "feasibility_study", dict(FEASIBILITY, firms=firms))
    with unit_of_work(write=False) as uow:
        cluster_id = uow.session.get(ProcessInstance, case).cluster_id
    from web.models import Firm

    registered = sorted((f.national_id, f.name, f.size, f.cluster_id, f.province) for f in rows(Firm))
    assert registered == [("10860145535", "چوب نو", "micro", cluster_id, "tehran"),
                          ("14100005294", "مبل آرا", "small", cluster_id, "tehran")]
