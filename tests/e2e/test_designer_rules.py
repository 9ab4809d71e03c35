"""A process designer changes a deadline and a DMN weight in the browser and deploys: new rounds follow the
new rules, while a round started before finishes on the version it started on."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.processes.helpers import (
    CANDIDATES,
    PROVINCE,
    data,
    deploy_processes,
    do,
    instance,
    one,
    start_round,
)
from tests.web.browser_helpers import make_user
from web.runtime import current_runtime

from . import screenshot, sign_in

DECISION = "cluster_priority_score.dmn"
CELL = "rule_lq_score"                       # the total score of a candidate that passes the gate by its LQ
OLD_WEIGHT, NEW_WEIGHT = '10 * norm["exports"]', '20 * norm["exports"]'


@pytest.fixture
def site(live_server):
    with live_server.context():
        make_user("dina", ["process_designer"], [])
        make_user("expert", ["cluster_expert"], [PROVINCE])
        for member in ("gov_planning", "chamber", "bank_im"):
            make_user(member, ["committee_member"], [PROVINCE])
        deployed = deploy_processes()
        round_a = start_round()
    return live_server, deployed, round_a


def scores(case: int) -> dict[str, float]:
    return {r["code"]: r["score"] for r in data(case)["ranking"]}


def test_a_new_deadline_and_weight_apply_to_new_rounds_and_old_rounds_finish_on_the_old(page: Page, site):
    server, deployed, round_a = site
    with server.context():
        old_version = instance(round_a).version_id
        due_a = one(round_a, "register_candidates").due_at

    sign_in(page, "dina")
    page.get_by_test_id("nav-designer").click()
    row = page.get_by_test_id("versions").locator("tr", has=page.locator("code", has_text="identification_round"))
    row.get_by_test_id("open-version").click()
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-rendered", re.compile(r"\."))

    # the deadline: register_candidates' due expression, in the side panel
    # (files deployed from a directory are named relative to it, never by a server path)
    page.get_by_test_id("file-tabs").locator("[data-file='identification_round.bpmn']").click()
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-rendered", "identification_round.bpmn")   # no server path
    page.locator("g.djs-element[data-element-id='register_candidates'] .djs-hit").first.click()
    expect(page.get_by_test_id("panel")).to_have_attribute("data-element-id", "register_candidates")
    due = page.get_by_test_id("panel-due")
    expect(due).to_have_value("add_working_days(60)")
    due.fill("add_working_days(20)")
    due.press("Tab")

    # the weight: one cell of the decision table, in dmn-js
    page.get_by_test_id("file-tabs").locator(f"[data-file='{DECISION}']").click()
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-rendered", DECISION)
    table = page.locator(".dmn-decision-table-container")
    page.locator(".dmn-drd-container .drill-down-overlay").first.click()   # dmn-js opens on the DRD
    expect(table).to_be_visible()
    cell = table.locator(f"td[data-element-id='{CELL}'] [contenteditable]")
    old_text = cell.inner_text()
    assert OLD_WEIGHT in old_text
    cell.click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.insert_text(old_text.replace(OLD_WEIGHT, NEW_WEIGHT))
    page.keyboard.press("Tab")
    expect(table.locator(f"td[data-element-id='{CELL}']")).to_contain_text(NEW_WEIGHT)
    written = page.evaluate("() => cfDesigner.files().then(f => f[cfDesigner.current()])")
    assert written.count(NEW_WEIGHT) == 1, "the edited cell is not in the XML the designer would deploy"

    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("status")).to_have_class(re.compile("alert-success"))
    expect(page.get_by_test_id("problems").locator("li")).to_have_count(0)
    page.get_by_test_id("deploy-reason").fill("مهلت ثبت نامزدها کوتاه‌تر و وزن صادرات بیشتر")
    page.get_by_test_id("deploy").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-version", re.compile(r"^\d+$"))
    new_version = int(page.get_by_test_id("status").get_attribute("data-version"))
    table.locator(f"td[data-element-id='{CELL}']").scroll_into_view_if_needed()
    screenshot(page, "designer-rules-fa")

    with server.context():
        runtime = current_runtime()
        now = runtime.clock.now()
        calendar = runtime.engine.calendar
        assert new_version != old_version == deployed.version
        round_b = start_round(year=1406)
        assert instance(round_b).version_id == new_version
        assert one(round_b, "register_candidates").due_at == calendar.add_working_days(now, 20)
        do(round_b, "register_candidates", {"candidates": CANDIDATES})
        one(round_b, "review_ranking")
        # TH-01 and TH-04 pass the gate by LQ (the edited rule): + 10 * norm["exports"] / 10, exports 10 and 2.5;
        # TH-02 (80 firms, LQ 0.9) and TH-03 (below the gate) are scored by the other, unchanged rules
        assert scores(round_b) == pytest.approx({"TH-01": 90.0, "TH-02": 56.0, "TH-04": 46.25, "TH-03": 13.75})

        # the round started before stays on its version: the old deadline, the old weights
        assert instance(round_a).version_id == old_version
        assert one(round_a, "register_candidates").due_at == due_a == calendar.add_working_days(now, 60)
        do(round_a, "register_candidates", {"candidates": CANDIDATES})
        one(round_a, "review_ranking")
        assert scores(round_a) == pytest.approx({"TH-01": 80.0, "TH-02": 56.0, "TH-04": 43.75, "TH-03": 13.75})
