"""The Content-Security-Policy (no inline script) breaks none of the pages that run scripts: the task form,
the case diagram, the dashboard's charts, the BPMN/DMN modeler and the version comparison."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.web.browser_helpers import make_user
from tests.web.helpers import ROOT, deploy, open_tasks, start

from . import sign_in


@pytest.fixture
def site(live_server):
    with live_server.context():
        make_user("all", ["cluster_expert", "supervisor", "process_designer"], ["tehran"])
        deploy(ROOT / "examples" / "document_review.bpmn")
        outcome = start("document_review", {"document_number": 1, "title": "خوشه فرش"})
        [task] = open_tasks(outcome.instance_id)
    return outcome.instance_id, task.id


def test_pages_with_scripts_work_under_the_policy(page: Page, site):
    instance_id, task_id = site
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: violations.append(f"page error: {error}"))
    sign_in(page, "all")

    page.goto(f"/tasks/{task_id}")
    expect(page.locator("[name=decision]").first).to_be_visible()
    page.goto(f"/cases/{instance_id}")
    expect(page.get_by_test_id("diagram")).to_have_attribute("data-rendered", "true")
    page.goto("/dashboard")
    expect(page.locator("canvas[data-chart]").first).to_be_visible()
    page.goto("/designer/model?version=1")
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-rendered", re.compile("document_review"))
    page.goto("/designer/compare?process=document_review&a=1&b=1")
    expect(page.get_by_test_id("diagram")).to_have_attribute("data-rendered", "true")
    page.wait_for_timeout(500)  # a late violation report still arrives
    assert violations == []
