"""The service in a real browser: a cluster expert starts the province's identification round (a form
error shown at its field, fixed, submitted); later each committee member sees and casts their vote."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.processes.helpers import CANDIDATES, do
from tests.web.browser_helpers import make_user
from tests.web.helpers import ROOT, deploy, open_tasks

from . import screenshot, sign_in

MEMBERS = ["gov_planning", "chamber", "bank_im"]


@pytest.fixture
def people(live_server):
    with live_server.context():
        make_user("sara", ["cluster_expert"], ["tehran"])
        for member in MEMBERS:
            make_user(member, ["committee_member"], ["tehran"])
        deploy(ROOT / "processes")


def test_expert_starts_a_round_fixing_a_form_error_then_members_vote(page: Page, live_server, people, browser):
    sign_in(page, "sara")
    page.goto("/start")
    page.get_by_test_id("start-options").get_by_role("link").filter(has_text="شناسایی").click()
    form = page.get_by_test_id("start-form")
    form.locator("#f-province").select_option("tehran")
    form.locator("#f-year").fill("۱۳۰۰")                                  # out of range: refused at the field
    for index, member in enumerate(MEMBERS):
        if index:
            form.locator("[data-add-row=committee]").click()
        form.locator(f"[name='committee.{index}.full_name']").fill(f"عضو {index + 1}")
        form.locator(f"[name='committee.{index}.username']").select_option(member)   # active members of the province
    page.get_by_test_id("start").click()
    expect(page.get_by_test_id("form-errors")).to_be_visible()
    year_error = page.locator("[data-error-for=year]")
    expect(year_error).to_contain_text("۱۳۹۰")
    screenshot(page, "start-round-error-fa")
    page.locator("#f-year").fill("۱۴۰۵")
    page.get_by_test_id("start").click()

    # straight to the next task of mine: registering the candidate clusters
    expect(page.get_by_test_id("task-name")).to_have_text("ثبت خوشه‌های نامزد")
    screenshot(page, "task-register-fa")
    task_id = page.url.rstrip("/").split("/")[-1]
    with live_server.context():
        [register] = [t for t in open_tasks(1) if t.id == task_id]
        instance_id = register.instance_id
        do(instance_id, "register_candidates", {"candidates": CANDIDATES})
        do(instance_id, "review_ranking", {"proposed_clusters": [{"code": "TH-01"}], "expert_opinion": "اول"})
        do(instance_id, "deputy_review", {"deputy_decision": "approve"})
        do(instance_id, "schedule_meeting", {"meeting_date": "1405/02/10", "agenda": "تصویب",
                                             "decision_mode": "vote"})
    page.goto("/inbox")
    screenshot(page, "inbox-expert-fa")

    for member in MEMBERS:
        context = browser.new_context(base_url=live_server.url, locale="fa-IR")
        member_page = context.new_page()
        sign_in(member_page, member)
        rows = member_page.get_by_test_id("inbox").locator("tbody tr")
        expect(rows).to_have_count(1)                                    # only their own vote
        rows.first.get_by_role("link").click()
        member_page.locator("#f-vote").select_option("approve")
        if member == MEMBERS[0]:
            screenshot(member_page, "task-vote-fa")
        member_page.get_by_test_id("submit").click()
        expect(member_page.get_by_test_id("inbox-empty")).to_be_visible()
        context.close()

    with live_server.context():
        assert all(t.element_id != "cast_vote" for t in open_tasks(instance_id))
