"""Every main page in a real browser, on the demo data: nothing wider than the screen at 1,366 and 390 px
(screenshots of each), axe-core's WCAG 2.1 A/AA rules clean in Persian and English, and a task with a
wide records field completed with the keyboard alone."""
from __future__ import annotations

import re
from typing import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.web.browser_helpers import make_user
from web import unit_of_work
from web.models import ProcessInstance, TaskRecord
from web.runtime import current_runtime
from web.services.demo import seed_demo

from . import ROOT, screenshot, sign_in

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
def inject_axe(page: Page) -> None:
    """axe-core into the page through the browser's debugging protocol: the app's CSP (script-src 'self')
    rightly refuses an inline <script>, and the app must not serve axe itself."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")


# the innermost elements sticking out of the screen on either side (RTL pages overflow to the left)
OUTSIDE = """() => {
  const width = document.documentElement.clientWidth, found = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1) &&
        ![...el.children].some(c => { const b = c.getBoundingClientRect(); return b.right > width + 1 || b.left < -1; }))
      found.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + [...el.classList].join('.'));
  }
  return found.slice(0, 6);
}"""
WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_VIOLATIONS = """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})
    .then(result => result.violations.map(v => v.id + ' (' + v.impact + '): ' +
          v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))"""


@pytest.fixture
def demo(live_server: LiveServer) -> dict[str, str]:
    """The demo data (processes and cases at several stages) and one account per kind of page."""
    from sqlalchemy import select

    with live_server.context():
        seed_demo(uow_factory=unit_of_work, runtime=current_runtime(), process_dirs=[ROOT / "processes"])
        make_user("expert_i", ["cluster_expert"], ["isfahan"])
        make_user("expert_t", ["cluster_expert"], ["tehran"])
        make_user("sup", ["supervisor"], ["tehran"])
        make_user("dina", ["process_designer"], [])
        with unit_of_work(write=False) as uow:
            open_tasks = {t.element_id: t.id for t in uow.session.scalars(
                select(TaskRecord).where(TaskRecord.status == "open"))}
            case = uow.session.scalar(select(ProcessInstance.id).where(
                ProcessInstance.process_id == "cluster_case").order_by(ProcessInstance.id))
    return {"register": open_tasks["register_candidates"], "feasibility": open_tasks["feasibility_study"],
            "case": str(case)}


def switch_language(page: Page, lang: str) -> None:
    """Choose the language with the navbar's button when the page is not in it yet."""
    if page.locator("html").get_attribute("lang") != lang:
        page.locator(f"button[name=lang][value={lang}]").click()
        expect(page.locator("html")).to_have_attribute("lang", lang)


def visit_every_page(page: Page, demo: dict[str, str], check: Callable[[Page, str], None], lang: str = "fa") -> None:
    """Sign-in, inbox, two task pages (wide and small records), cases, a case, dashboard, service card,
    designer catalogue and modeler; ``check(page, name)`` runs on each once it has loaded."""
    page.goto("/login")
    switch_language(page, lang)
    check(page, "signin")

    sign_in(page, "expert_i")
    page.goto("/inbox")
    check(page, "inbox")
    page.goto(f"/tasks/{demo['register']}")
    expect(page.get_by_test_id("task-form")).to_be_visible()
    check(page, "task-wide-records")
    page.locator("[data-edit-row]").first.click()
    expect(page.locator("dialog[open]")).to_be_visible()
    check(page, "task-wide-records-dialog")
    page.keyboard.press("Escape")
    page.context.clear_cookies()

    sign_in(page, "expert_t")
    switch_language(page, lang)
    page.goto(f"/tasks/{demo['feasibility']}")
    expect(page.get_by_test_id("task-form")).to_be_visible()
    check(page, "task-small-records")
    page.context.clear_cookies()

    sign_in(page, "sup")
    switch_language(page, lang)
    page.goto("/cases")
    check(page, "cases")
    page.goto(f"/cases/{demo['case']}")
    expect(page.get_by_test_id("diagram")).to_have_attribute("data-rendered", "true")
    check(page, "case")
    page.goto("/dashboard")
    check(page, "dashboard")
    page.goto("/service-card")
    check(page, "service-card")
    page.context.clear_cookies()

    sign_in(page, "dina")
    switch_language(page, lang)
    page.goto("/designer")
    check(page, "designer-catalogue")
    page.get_by_test_id("versions").get_by_test_id("open-version").first.click()
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-rendered", re.compile(r"\w"))
    check(page, "designer-modeler")
    page.context.clear_cookies()


def test_no_page_is_wider_than_the_screen_at_1366_and_390_px(page: Page, demo):
    too_wide: list[str] = []
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})

        def measure(page: Page, name: str) -> None:
            page.wait_for_load_state("load")
            screenshot(page, f"layout-{name}-{width}")
            scroll, client = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            if scroll > client:
                culprits = page.evaluate(OUTSIDE)
                too_wide.append(f"{name} at {width}px: {scroll} > {client} ({', '.join(culprits)})")

        visit_every_page(page, demo, measure)
    assert too_wide == [], "horizontal overflow: " + "; ".join(too_wide)


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_every_page_passes_axe_wcag21_aa(page: Page, demo, lang):
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (a devDependency in package.json)")
    found: list[str] = []

    def audit(page: Page, name: str) -> None:
        inject_axe(page)
        violations = page.evaluate(AXE_VIOLATIONS, WCAG21_AA)
        found.extend(f"{name}: {v}" for v in violations)

    visit_every_page(page, demo, audit, lang)
    assert found == [], "\n".join(found)


def test_the_app_does_not_serve_axe(page: Page, live_server):
    for path in ("/static/vendor/axe-core/axe.min.js", "/static/axe.min.js", "/node_modules/axe-core/axe.min.js"):
        response = page.request.get(path)
        assert response.status == 404, path


# One candidate as typed into the register's row dialog, column by column ("" leaves an optional one empty;
# "DOWN" picks the first choice of a select with the arrow key).
ROWS = [
    ["KB-01", "فرش", "1393", "DOWN", "کاشان", "", "120", "20", "4", "2500", "", "800000000000", "400000", "12",
     "2.1", "", "", "", "5", "4", "4", "5", "3", "5"],
    ["KB-02", "سفال", "2393", "DOWN", "لالجین", "", "40", "5", "0", "300", "", "90000000000", "10000", "-3",
     "0.7", "", "", "", "2", "3", "2", "1", "4", "2"],
]


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches ``selector``."""
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_a_wide_records_task_is_completed_with_the_keyboard_alone(page: Page, live_server, demo):
    from sqlalchemy import select

    sign_in(page, "expert_i")
    page.goto(f"/tasks/{demo['register']}")
    tab_to(page, "a.skip-link", limit=2)               # the first stop: straight to the content
    expect(page.locator("a.skip-link")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    for number, values in enumerate(ROWS):
        if number == 0:
            tab_to(page, "[data-edit-row='0']")
        else:
            tab_to(page, "[data-add-row=candidates]")
        page.keyboard.press("Enter")
        dialog = page.locator("dialog[open]")
        expect(dialog).to_be_visible()
        expect(page.locator(f"[name='candidates.{number}.code']")).to_be_focused()
        for value in values:
            if value == "DOWN":
                page.keyboard.press("ArrowDown")
            elif value:
                page.keyboard.type(value)
            page.keyboard.press("Tab")
        tab_to(page, "dialog[open] [data-close-row]")
        page.keyboard.press("Enter")
        expect(dialog).to_have_count(0)
        expect(page.locator(f"[data-edit-row='{number}']")).to_be_focused()   # the focus comes back
        summary = page.locator(f"tr[data-row='{number}']")
        expect(summary.locator("[data-summary=code]")).to_have_text(values[0])
        expect(summary.locator("[data-summary=name]")).to_have_text(values[1])
    screenshot(page, "keyboard-register-filled")
    tab_to(page, "[data-testid=submit]")
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page.get_by_test_id("form-errors")).to_have_count(0)
    with live_server.context(), unit_of_work(write=False) as uow:
        task = uow.session.get(TaskRecord, demo["register"])
        assert task.status == "completed"
        instance = uow.session.get(ProcessInstance, task.instance_id)
        next_steps = list(uow.session.scalars(select(TaskRecord.element_id).where(
            TaskRecord.instance_id == instance.id, TaskRecord.status == "open")))
    assert next_steps == ["review_ranking"]                # the data passed the process's own checks

    # the navbar's links show where the focus is
    tab_to(page, ".cf-navbar a.nav-link")
    outline = page.evaluate("() => { const s = getComputedStyle(document.activeElement); "
                            "return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
    assert outline[0] != "none" and outline[1] >= 2


def test_an_error_inside_a_row_marks_the_row_and_keeps_what_was_typed(page: Page, demo):
    sign_in(page, "expert_i")
    page.goto(f"/tasks/{demo['register']}")
    page.locator("[data-edit-row='0']").click()
    page.locator("[name='candidates.0.code']").fill("KB-09")
    page.locator("[name='candidates.0.lq']").fill("بسیار")        # not a number
    page.locator("dialog[open] [data-close-row]").click()
    page.locator("[data-add-row=candidates]").click()              # a new row opens in its dialog
    page.locator("[name='candidates.1.code']").fill("KB-10")
    page.keyboard.press("Escape")
    expect(page.locator("tr[data-row='1'] [data-summary=code]")).to_have_text("KB-10")
    page.get_by_test_id("submit").click()

    expect(page.get_by_test_id("form-errors")).to_be_visible()
    row = page.locator("tr[data-row='0']")
    expect(row).to_have_attribute("data-row-invalid", "")
    expect(row.locator("[data-summary=code]")).to_have_text("KB-09")
    errors = page.locator("tr[data-row-errors='0']")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("ضریب مکانی (LQ)")              # the columns to correct, named
    screenshot(page, "wide-records-row-error-fa")
    inject_axe(page)                                                   # the marked row stays AA-clean
    assert page.evaluate(AXE_VIOLATIONS, WCAG21_AA) == []
    page.locator("[data-edit-row='0']").click()
    expect(page.locator("[name='candidates.0.lq']")).to_have_value("بسیار")
    expect(page.locator("[data-error-for='candidates.0.lq']")).to_be_visible()
