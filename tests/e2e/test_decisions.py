"""Deciding with the case in view, in a real browser: every decision page of the identification round shows
the ranking with its computed scores, and a task sent back opens with the reviewer's comment."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from engine.calendar import persian_digits
from forms.display import display_value
from forms.loader import load_form
from tests.processes.helpers import CANDIDATES, data, do
from tests.web.browser_helpers import make_user
from tests.web.helpers import ROOT, deploy, open_tasks, start

from . import screenshot, sign_in

MEMBERS = ["gov_planning", "chamber", "bank_im"]
SCORE = load_form("ranking_table").fields[0].fields[3]


@pytest.fixture
def round_case(live_server):
    """A Tehran round whose candidates are registered and ranked; the expert's review is open."""
    from tests.processes.helpers import EXPERT

    with live_server.context():
        make_user("sara", ["cluster_expert"], ["tehran"])
        make_user("dara", ["small_industries_deputy"], ["tehran"])
        for member in MEMBERS:
            make_user(member, ["committee_member"], ["tehran"])
        deploy(ROOT / "processes")
        case = start("identification_round", {"province": "tehran", "year": 1405, "committee_members": MEMBERS},
                     actor=EXPERT).instance_id
        do(case, "register_candidates", {"candidates": CANDIDATES})
        ranking = data(case)["ranking"]
    return case, ranking


def _open_task(page: Page, live_server, case: int, element_id: str, who: str) -> None:
    with live_server.context():
        [task] = [t for t in open_tasks(case) if t.element_id == element_id and (t.assignee in (None, who))]
    page.goto(f"/tasks/{task.id}")


def _assert_ranking(page: Page, ranking: list[dict]) -> None:
    table = page.get_by_test_id("context-ranking_table")
    expect(table).to_be_visible()
    for row in ranking:
        line = table.locator("tr", has_text=row["code"])
        expect(line).to_contain_text(display_value(SCORE, row["score"], "fa"))
        expect(line).to_contain_text(row["name"])
        expect(line).to_contain_text("بله" if row["eligible"] else "خیر")


def test_each_decision_page_of_the_round_shows_the_ranking_with_its_scores(page: Page, live_server, round_case,
                                                                        browser):
    case, ranking = round_case
    assert any(persian_digits(str(int(r["score"]))) for r in ranking)
    sign_in(page, "sara")
    _open_task(page, live_server, case, "review_ranking", "sara")
    _assert_ranking(page, ranking)
    screenshot(page, "decision-review-ranking-fa")
    with live_server.context():
        do(case, "review_ranking", {"proposed_clusters": [{"code": "TH-01", "reason": "رتبه نخست"}],
                                    "expert_opinion": "مطابق رتبه‌بندی"})

    deputy = browser.new_context(base_url=live_server.url, locale="fa-IR").new_page()
    sign_in(deputy, "dara")
    _open_task(deputy, live_server, case, "deputy_review", "dara")
    _assert_ranking(deputy, ranking)
    expect(deputy.get_by_test_id("context-ranking_review")).to_contain_text("رتبه نخست")
    screenshot(deputy, "decision-deputy-fa")
    deputy.locator("#f-deputy_decision").select_option("approve")
    deputy.get_by_test_id("submit").click()
    expect(deputy.get_by_test_id("task-name")).to_have_count(0)

    with live_server.context():
        do(case, "schedule_meeting", {"meeting_date": "1405/02/10", "agenda": "تصویب", "decision_mode": "vote"})
    for member in MEMBERS:
        member_page = browser.new_context(base_url=live_server.url, locale="fa-IR").new_page()
        sign_in(member_page, member)
        _open_task(member_page, live_server, case, "cast_vote", member)
        _assert_ranking(member_page, ranking)
        if member == MEMBERS[0]:
            screenshot(member_page, "decision-vote-fa")
        member_page.locator("#f-vote").select_option("approve")
        member_page.get_by_test_id("submit").click()
        expect(member_page.get_by_test_id("task-name")).to_have_count(0)
    with live_server.context():
        assert all(t.element_id != "cast_vote" for t in open_tasks(case))


def test_a_task_sent_back_opens_with_the_reviewers_comment(page: Page, live_server, round_case, browser):
    case, _ranking = round_case
    with live_server.context():
        do(case, "review_ranking", {"proposed_clusters": [{"code": "TH-01"}], "expert_opinion": "نخست"})
    deputy = browser.new_context(base_url=live_server.url, locale="fa-IR").new_page()
    sign_in(deputy, "dara")
    _open_task(deputy, live_server, case, "deputy_review", "dara")
    deputy.locator("#f-deputy_decision").select_option("send_back")
    deputy.locator("#f-deputy_comment").fill("آمار صادرات خوشه پوشاک را با سالنامه تطبیق دهید")
    deputy.get_by_test_id("submit").click()
    expect(deputy.get_by_test_id("task-name")).to_have_count(0)

    sign_in(page, "sara")
    _open_task(page, live_server, case, "register_candidates", "sara")
    rework = page.get_by_test_id("rework")
    expect(rework).to_be_visible()
    expect(rework).to_contain_text("آمار صادرات خوشه پوشاک را با سالنامه تطبیق دهید")
    expect(rework).to_contain_text("dara")
    screenshot(page, "rework-register-fa")
