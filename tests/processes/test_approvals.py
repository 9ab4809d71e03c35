"""The committee and council approvals: votes assigned to members, quorum and majority, the chair's say."""
from __future__ import annotations

import pytest

from web.services.actors import SYSTEM
from web.services.errors import NotYourTask

from .helpers import (
    PROVINCE,
    actor,
    complete,
    data,
    deploy_processes,
    do,
    fire,
    instance,
    one,
    start,
    tasks,
)

MEMBERS = ["gov_planning", "chamber", "bank_im"]
SCHEDULE_VOTE = {"meeting_date": "1405/01/20", "agenda": "بررسی فهرست اولویت‌ها", "decision_mode": "vote"}
SCHEDULE_MINUTES = {**SCHEDULE_VOTE, "decision_mode": "minutes"}


@pytest.fixture
def ctx(sqlite_app):
    with sqlite_app.app_context():
        deploy_processes()
        yield sqlite_app


def committee(members=MEMBERS) -> int:
    # called processes are not started by hand; the system starts one alone to test it in isolation
    outcome = start("committee_approval", {"committee_members": list(members), "approval_subject": "فهرست ۱۴۰۵"},
                    actor=SYSTEM, province=PROVINCE)
    assert outcome.status == "running"
    return outcome.instance_id


def vote(case: int, votes: dict[str, str]):
    for member, choice in votes.items():
        do(case, "cast_vote", {"vote": choice, "vote_comment": f"{member} votes {choice}"}, assignee=member)


def test_each_member_gets_their_own_vote_and_a_majority_approves(ctx):
    case = committee()
    schedule = one(case, "schedule_meeting")
    assert (schedule.role, schedule.form_id) == ("company_ceo", "meeting_schedule")
    do(case, "schedule_meeting", SCHEDULE_VOTE)
    ballots = tasks(case, "cast_vote")
    assert sorted((t.assignee, t.role, t.form_id) for t in ballots) == \
        [(m, "committee_member", "member_vote") for m in sorted(MEMBERS)]
    assert all(t.due_at is not None for t in ballots)
    chamber_task = next(t for t in ballots if t.assignee == "chamber")
    with pytest.raises(NotYourTask):   # another member of the same role cannot vote in their place
        complete(chamber_task.id, {"vote": "reject"}, actor=actor("bank_im", "committee_member"))

    vote(case, {"gov_planning": "approve", "chamber": "approve", "bank_im": "reject"})
    assert instance(case).status == "completed"
    result = data(case)
    assert (result["approval_outcome"], result["decided_by"], result["tally_result"]) == ("approve", "vote", "approve")
    assert sorted((b["voter"], b["vote"]) for b in result["ballots"]) == \
        [("bank_im", "reject"), ("chamber", "approve"), ("gov_planning", "approve")]


def test_without_quorum_the_meeting_is_held_again(ctx):
    case = committee()
    do(case, "schedule_meeting", SCHEDULE_VOTE)
    vote(case, {"gov_planning": "absent", "chamber": "absent", "bank_im": "approve"})
    # one of three present: no quorum, so the secretary schedules the meeting again
    again = one(case, "schedule_meeting")
    assert again.role == "company_ceo"
    assert data(case)["tally_result"] == "no_quorum"
    do(case, "schedule_meeting", SCHEDULE_VOTE)
    vote(case, {"gov_planning": "approve", "chamber": "abstain", "bank_im": "approve"})
    assert data(case)["approval_outcome"] == "approve"


def test_a_split_vote_goes_to_the_chair(ctx):
    case = committee(MEMBERS + ["coop_org"])
    do(case, "schedule_meeting", SCHEDULE_VOTE)
    vote(case, {"gov_planning": "approve", "chamber": "approve", "bank_im": "reject", "coop_org": "reject"})
    chair = one(case, "chair_decides")
    assert (chair.role, chair.form_id) == ("committee_chair", "chair_decision")
    assert data(case)["tally_result"] == "no_majority"
    do(case, "chair_decides", {"chair_outcome": "approve", "chair_reason": "رأی رئیس"})
    result = data(case)
    assert (result["approval_outcome"], result["decided_by"]) == ("approve", "chair")
    assert instance(case).status == "completed"


@pytest.mark.parametrize(("process_id", "members", "chair_role"), [
    ("committee_approval", "committee_members", "committee_chair"),
    ("council_approval", "council_members", "company_ceo"),
])
def test_the_vote_deadline_escalates_to_the_chair(ctx, clock, process_id, members, chair_role):
    case = start(process_id, {members: MEMBERS, "approval_subject": "برنامه عمل"}, actor=SYSTEM,
                 province=PROVINCE).instance_id
    do(case, "schedule_meeting", SCHEDULE_VOTE)
    do(case, "cast_vote", {"vote": "approve"}, assignee="chamber")
    clock.advance(days=13, hours=23)
    assert fire(clock).fired == []
    clock.advance(hours=2)
    assert fire(clock).fired == [(case, "vote_deadline")]
    assert tasks(case, "cast_vote") == []            # the votes still open were withdrawn
    chair = one(case, "chair_decides")
    assert chair.role == chair_role
    assert chair.due_at is not None and chair.due_at > clock.now()
    do(case, "chair_decides", {"chair_outcome": "revise", "chair_reason": "اعضا رأی ندادند"})
    result = data(case)
    assert (result["approval_outcome"], result["decided_by"]) == ("revise", "chair")


@pytest.mark.parametrize(("counts", "expected"), [
    ((2, 2, 0, 0), "schedule_meeting"),     # 2 of 5 present: no quorum
    ((3, 2, 1, 0), "approve"),
    ((5, 1, 3, 1), "reject"),
    ((4, 1, 0, 3), "revise"),
    ((4, 2, 2, 0), "chair_decides"),        # a tie: no majority
    ((3, 1, 1, 1), "chair_decides"),
])
def test_minutes_recorded_by_the_secretary_meet_the_same_quorum_and_majority(ctx, counts, expected):
    case = committee(MEMBERS + ["coop_org", "agri_org"])
    do(case, "schedule_meeting", SCHEDULE_MINUTES)
    minutes = one(case, "record_minutes")
    assert (minutes.role, minutes.form_id) == ("company_ceo", "meeting_minutes")
    present, approve, reject, revise = counts
    do(case, "record_minutes", {"held_on": "1405/01/20", "present_count": present, "votes_approve": approve,
                                "votes_reject": reject, "votes_revise": revise, "minutes_file": "f-1"})
    if expected in ("approve", "reject", "revise"):
        assert instance(case).status == "completed"
        assert (data(case)["approval_outcome"], data(case)["decided_by"]) == (expected, "minutes")
    else:
        one(case, expected)


def test_the_council_votes_in_its_own_lanes(ctx):
    outcome = start("council_approval",
                    {"council_members": ["ceo", "firm1", "firm2"], "approval_subject": "مطالعه شناختی"},
                    actor=SYSTEM, province=PROVINCE)
    case = outcome.instance_id
    schedule = one(case, "schedule_meeting")
    assert schedule.role == "cda"                       # the CDA is the council's secretary
    do(case, "schedule_meeting", SCHEDULE_VOTE)
    assert {(t.assignee, t.role) for t in tasks(case, "cast_vote")} == \
        {("ceo", "steering_council_member"), ("firm1", "steering_council_member"), ("firm2", "steering_council_member")}
    vote(case, {"ceo": "revise", "firm1": "approve", "firm2": "reject"})
    chair = one(case, "chair_decides")
    assert chair.role == "company_ceo"                  # the company's CEO chairs the council
    do(case, "chair_decides", {"chair_outcome": "revise", "chair_reason": "اصلاح شود"})
    assert data(case)["approval_outcome"] == "revise"
