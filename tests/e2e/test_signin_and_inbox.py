"""Signing in and the inbox, in a real browser: Persian and right to left, the Vazirmatn font, provinces."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser_helpers import make_user
from tests.web.helpers import ROOT, deploy, open_tasks, start

from . import screenshot, sign_in

TASK_NAME = "بررسی سند"

# What the page shows about its own typography, after every web font it asked for has loaded (or failed).
TYPOGRAPHY = """async () => {
  await document.fonts.ready;
  const vazirmatn = [...document.fonts].filter(f => f.family.replace(/["']/g, '') === 'Vazirmatn');
  return {
    htmlDir: document.documentElement.dir,
    lang: document.documentElement.lang,
    direction: getComputedStyle(document.body).direction,
    fontFamily: getComputedStyle(document.body).fontFamily,
    vazirmatnFaces: vazirmatn.map(f => f.status),
    vazirmatnReady: document.fonts.check('16px Vazirmatn'),
  };
}"""


@pytest.fixture
def case(live_server):
    """A document-review case in Tehran waiting for a cluster expert; sara may work on it, reza (Fars) may not."""
    with live_server.context():
        make_user("sara", ["cluster_expert"], ["tehran"])
        make_user("reza", ["cluster_expert"], ["fars"])
        deploy(ROOT / "examples" / "document_review.bpmn")
        outcome = start("document_review", {"document_number": 7}, province="tehran")
        [task] = open_tasks(outcome.instance_id)
    return task.id


def test_sign_in_page_is_persian_right_to_left_in_vazirmatn(page: Page, live_server):
    response = page.goto("/login")
    assert response is not None and response.status == 200
    expect(page.locator("h1")).to_have_text("ورود")
    expect(page.locator("label[for=username]")).to_have_text("نام کاربری")
    typography = page.evaluate(TYPOGRAPHY)
    assert typography["htmlDir"] == "rtl" and typography["lang"] == "fa"
    assert typography["direction"] == "rtl"
    assert typography["fontFamily"].startswith("Vazirmatn")
    # the app's own copy of the font was fetched and parsed, not a system fallback
    assert typography["vazirmatnFaces"] and set(typography["vazirmatnFaces"]) == {"loaded"}, typography
    assert typography["vazirmatnReady"] is True
    screenshot(page, "login-fa")


def test_expert_sees_the_case_task_in_persian_then_switches_to_english(page: Page, case):
    sign_in(page, "sara")
    expect(page).to_have_url("/inbox")
    inbox = page.get_by_test_id("inbox")
    row = inbox.locator(f"tbody tr[data-task-id='{case}']")
    expect(row.get_by_role("link", name=TASK_NAME, exact=True)).to_be_visible()
    expect(inbox.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("inbox-count")).to_have_text("۱")                    # Persian digits
    expect(row).to_contain_text("#۱")                                                # the case number too
    assert page.evaluate(TYPOGRAPHY)["direction"] == "rtl"
    screenshot(page, "inbox-fa")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("My tasks")
    expect(page.get_by_test_id("inbox-count")).to_have_text("1")
    expect(row.get_by_role("link", name=TASK_NAME, exact=True)).to_be_visible()       # process data stays Persian
    assert page.evaluate(TYPOGRAPHY)["direction"] == "ltr"
    screenshot(page, "inbox-en")


def test_other_province_sees_nothing_and_cannot_open_the_task(page: Page, case):
    sign_in(page, "reza")
    expect(page.get_by_test_id("inbox-empty")).to_be_visible()
    expect(page.get_by_test_id("inbox")).to_have_count(0)
    expect(page.get_by_test_id("inbox-count")).to_have_text("۰")

    response = page.goto(f"/tasks/{case}")
    assert response is not None and response.status in (403, 404)
    expect(page.get_by_test_id("error")).to_be_visible()
    expect(page.get_by_test_id("task-form")).to_have_count(0)
    expect(page.locator("[name=decision]")).to_have_count(0)
    expect(page.get_by_test_id("task-name")).to_have_count(0)
