"""A supervisor in a real browser: filter the case list, open a case, see the active task on the
diagram, suspend the case with a reason and find it in the history; another province stays closed."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser_helpers import make_user
from tests.web.helpers import ROOT, deploy, start

from . import screenshot, sign_in


@pytest.fixture
def cases(live_server):
    with live_server.context():
        make_user("sup", ["supervisor"], ["tehran"])
        make_user("sup_fars", ["supervisor"], ["fars"])
        deploy(ROOT / "examples" / "document_review.bpmn")
        carpet = start("document_review", {"document_number": 1, "title": "خوشه فرش کاشان"}).instance_id
        start("document_review", {"document_number": 2, "title": "خوشه سنگ"})
    return carpet


def test_supervisor_filters_opens_sees_the_diagram_and_suspends(page: Page, cases):
    sign_in(page, "sup")
    page.goto("/cases")
    page.get_by_placeholder("خوشه").fill("فرش")
    page.get_by_role("button", name="پالایش").click()
    rows = page.get_by_test_id("cases").locator("tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link", name="خوشه فرش کاشان").click()
    expect(page.get_by_test_id("case-title")).to_contain_text("خوشه فرش کاشان")

    diagram = page.get_by_test_id("diagram")
    expect(diagram).to_have_attribute("data-rendered", "true")
    active = diagram.locator("g.djs-element.cf-active[data-element-id='review_document']")
    expect(active).to_have_count(1)
    expect(diagram.locator("g.djs-element.cf-completed[data-element-id='prepare_reference']")).to_have_count(1)
    screenshot(page, "case-fa")

    page.get_by_test_id("case-actions").get_by_role("textbox").fill("در انتظار نامهٔ استانداری")
    page.get_by_test_id("suspend").click()
    expect(page.get_by_test_id("case-status")).to_have_text("متوقف")
    history = page.get_by_test_id("case-history")
    expect(history).to_contain_text("در انتظار نامهٔ استانداری")


def test_a_provincial_supervisor_cannot_open_another_provinces_case(page: Page, cases):
    sign_in(page, "sup_fars")
    response = page.goto(f"/cases/{cases}")
    assert response is not None and response.status == 404
    expect(page.get_by_test_id("error")).to_be_visible()
    expect(page.get_by_test_id("diagram")).to_have_count(0)
