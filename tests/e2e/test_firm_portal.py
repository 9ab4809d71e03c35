"""The firms' portal in a real browser at 390 px (a phone): the provincial company invites a firm's
representative, who signs in with the code the SMS carried, answers the diagnostic survey, registers for a
joint action and leaves feedback; the CDA sees the response count and the registration and marks the action
done; the service card counts the firm as served. Every firm page, the public page and the CDA's page: no horizontal overflow, axe WCAG 2.1 AA clean."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.e2e.conftest import LiveServer
from tests.processes.helpers import DIAGNOSTIC, council_decides, deploy_processes, do, action_plan, joint_action, \
    open_case, to_diagnostic
from tests.web.browser_helpers import make_user
from tests.web.firm_access_helpers import invitation, invite_firms, sms_outbox  # noqa: F401 (a fixture)
from tests.web.firm_portal_helpers import add_firm, cluster_of, represent
from web import unit_of_work
from web.models import ProcessInstance

from . import screenshot, sign_in
from .test_firm_signin import sign_in_by_code
from .test_layout_and_access import AXE, AXE_VIOLATIONS, OUTSIDE, WCAG21_AA, inject_axe

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size(PHONE)
    return page


def check(page: Page, name: str) -> None:
    """No horizontal overflow at 390 px, and axe's WCAG 2.1 A/AA rules clean."""
    page.wait_for_load_state("load")
    screenshot(page, f"firm-portal-{name}-390")
    scroll, client = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert scroll <= client, f"{name}: {scroll} > {client} ({', '.join(page.evaluate(OUTSIDE))})"
    if not AXE.exists():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (a devDependency in package.json)")
    inject_axe(page)
    assert page.evaluate(AXE_VIOLATIONS, WCAG21_AA) == [], name


def english(page: Page) -> None:
    """Choose English with the navbar's button (behind the menu toggler on a phone)."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    page.locator("button[name=lang][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def sign_out(page: Page) -> None:
    page.context.clear_cookies()


@pytest.fixture
def cluster(live_server: LiveServer) -> dict[str, int]:
    """A cluster case at its diagnostic study with two firms; rep_a (password) acts for the first."""
    with live_server.context():
        deploy_processes()
        make_user("cda_t", ["cda"], ["tehran"])
        make_user("sup_t", ["supervisor"], ["tehran"])
        case = open_case()
        a = add_firm(cluster_of(case), "نجاری الف", "10100000001")
        b = add_firm(cluster_of(case), "مبل ب", "10100000002")
        represent("rep_a", a)
        represent("rep_b", b)
        to_diagnostic(case)
    return {"case": case, "a": a, "b": b}


FIRM_A, PERSON_A, MOBILE_A = "10100000001", "0012345679", "09120000001"


@pytest.fixture
def invited(live_server: LiveServer, sms_outbox) -> dict[str, int]:  # noqa: F811
    """A cluster case at the end of its feasibility study with two firms in the register: the cluster expert
    invites firm A's representative through the enrolment process (an SMS with the portal's address); firm
    B's representative is confirmed already."""
    with live_server.context():
        deploy_processes()
        make_user("cda_t", ["cda"], ["tehran"])
        make_user("sup_t", ["supervisor"], ["tehran"])
        case = open_case()
        a = add_firm(cluster_of(case), "نجاری الف", FIRM_A)
        b = add_firm(cluster_of(case), "مبل ب", "10100000002")
        represent("rep_b", b)
        invite_firms(case, [invitation(FIRM_A, PERSON_A, MOBILE_A, "مریم احمدی")])
    return {"case": case, "a": a, "b": b}


def sign_in_firm(page: Page, live_server: LiveServer) -> None:
    """Firm A's representative signs in with a fresh one-time code (one code a minute to a mobile)."""
    live_server.clock.advance(seconds=61)
    sign_in_by_code(page, live_server, MOBILE_A)


def children(live_server: LiveServer, case: int, process_id: str) -> dict[int, int]:
    with live_server.context(), unit_of_work(write=False) as uow:
        return {r.firm_id: r.id for r in uow.session.scalars(select(ProcessInstance).where(
            ProcessInstance.parent_id == case, ProcessInstance.process_id == process_id))}


def open_firm_task(page: Page, name: str) -> None:
    page.goto("/firm")
    page.get_by_test_id("firm-tasks").get_by_role("link", name=name).click()
    expect(page).to_have_url(re.compile(r"/tasks/"))


def test_an_invited_firm_answers_the_survey_registers_and_gives_feedback_on_a_phone(phone: Page, live_server,
                                                                                    invited):
    page, case = phone, invited["case"]

    # the invited representative signs in with the code the SMS carried (their first sign-in confirms them)
    sign_in_firm(page, live_server)
    page.goto("/firm")
    expect(page.get_by_test_id("firm-home")).to_contain_text("نجاری الف")
    sign_out(page)

    # the diagnostic study begins: it sends its survey to every represented firm of the cluster
    with live_server.context():
        to_diagnostic(case)

    # the public page, nobody signed in
    page.goto("/clusters/tehran")
    expect(page.get_by_test_id("public-cluster")).to_contain_text("مبلمان")
    expect(page.get_by_test_id("open-calls")).to_contain_text("پرسشنامه")
    check(page, "public")

    # the firm's home, then the survey
    sign_in_firm(page, live_server)
    page.goto("/firm")
    expect(page.get_by_test_id("firm-home")).to_contain_text("نجاری الف")
    expect(page.get_by_test_id("firm-stage")).to_have_text("مطالعه شناختی")
    check(page, "home")
    open_firm_task(page, "پاسخ به پرسشنامه مطالعه شناختی")
    check(page, "survey-task")
    page.locator("#f-employees").fill("۱۲")
    page.get_by_label("بازاریابی و فروش").check()
    page.locator("#f-cooperation_willingness").select_option("high")
    page.get_by_label("آموزش", exact=True).check()
    page.get_by_test_id("submit").click()
    page.goto("/firm")
    page.get_by_role("link", name="پرسشنامه مطالعه شناختی").click()
    expect(page.get_by_test_id("survey-answers")).to_contain_text("بازاریابی و فروش")
    check(page, "survey-answers")
    sign_out(page)

    # the CDA sees the response count on the diagnostic study, then the plan is approved
    sign_in(page, "cda_t")
    page.goto(f"/cases/{case}/firms")
    expect(page.get_by_test_id("survey-count")).to_contain_text("۱ بنگاه از ۲ بنگاه")
    check(page, "cda-firms")
    page.locator("#title").fill("کارگاه بازاریابی")
    page.locator("#body").fill("شنبه ساعت ده در اتاق بازرگانی")
    page.get_by_role("button", name="ارسال برای بنگاه‌های خوشه").click()
    expect(page.get_by_test_id("announcement")).to_contain_text("کارگاه بازاریابی")
    sign_out(page)
    with live_server.context():
        do(case, "diagnostic_study", DIAGNOSTIC)
        do(case, "review_diagnostic", {"review_status": "accepted", "supervisor_comments": "کامل است"})
        from tests.processes.helpers import COUNCIL
        do(case, "form_council", {"council": COUNCIL})
        council_decides(case)
        do(case, "draft_action_plan", action_plan(
            joint_action("آموزش بازاریابی", total=500_000_000, isipo=300_000_000, others=200_000_000),
            joint_action("نمایشگاه مشترک")))
        council_decides(case)

    # the firm registers for the training, with its share of the cost
    sign_in_firm(page, live_server)
    open_firm_task(page, "ثبت‌نام در اقدامات مشترک")
    check(page, "registration-task")
    page.locator("#f-joint_actions").select_option(["1"])
    page.locator("#f-participants").fill("2")
    page.locator("#f-accept_cost_share").check()
    page.get_by_test_id("submit").click()
    page.goto("/firm")
    training = page.get_by_test_id("firm-joint-actions").locator("li", has_text="آموزش بازاریابی")
    expect(training.get_by_test_id("action-status")).to_contain_text("ثبت‌نام‌شده")
    expect(training.get_by_test_id("action-status")).to_contain_text("۱۰٬۰۰۰٬۰۰۰")
    expect(page.get_by_test_id("firm-announcements")).to_contain_text("کارگاه بازاریابی")
    check(page, "home-registered")
    sign_out(page)

    # the CDA sees the registration and marks the action done with its report
    sign_in(page, "cda_t")
    page.goto(f"/cases/{case}/firms")
    row = page.get_by_test_id("case-joint-actions").locator("li", has_text="آموزش بازاریابی")
    expect(row.get_by_test_id("registrations")).to_contain_text("نجاری الف")
    check(page, "cda-registrations")
    row.get_by_role("textbox").fill("گواهی دوره و جزوه آموزشی")
    row.locator("input[type=file]").set_input_files(
        {"name": "jozve.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 course notes"})
    row.get_by_role("button", name="ثبت پایان اقدام و درخواست بازخورد از بنگاه‌ها").click()
    expect(page.get_by_role("alert")).to_contain_text("۱")
    sign_out(page)

    # the firm gives its feedback
    sign_in_firm(page, live_server)
    open_firm_task(page, "بازخورد و رضایت از اقدام مشترک")
    check(page, "feedback-task")
    page.locator("#f-satisfaction").select_option("5")
    page.locator("#f-feedback").fill("بسیار مفید بود")
    page.get_by_test_id("submit").click()
    page.goto("/firm")
    training = page.get_by_test_id("firm-joint-actions").locator("li", has_text="آموزش بازاریابی")
    expect(training).to_contain_text("گواهی دوره و جزوه آموزشی")
    expect(training).to_contain_text("رضایت شما: ۵ از ۵")
    expect(training.get_by_test_id("action-document")).to_be_visible()
    check(page, "home-delivered")
    sign_out(page)

    # the CDA's figures and the service card count the firm as served
    sign_in(page, "cda_t")
    page.goto(f"/cases/{case}/firms")
    expect(page.get_by_test_id("participation-figures")).to_contain_text("بنگاه‌های شرکت‌کننده: ۱")
    expect(page.get_by_test_id("participation-figures")).to_contain_text("میانگین رضایت: ۵")
    sign_out(page)
    sign_in(page, "sup_t")
    page.goto("/service-card")
    expect(page.get_by_test_id("recipients-joint-actions")).to_be_visible()
    assert page.locator("[data-figure=recipients_total]").first.get_attribute("value") == "1"


def test_the_firm_pages_in_english_on_a_phone(phone: Page, live_server, cluster):
    page = phone
    page.goto("/clusters/tehran")
    english(page)
    expect(page.get_by_test_id("cluster-stage")).to_have_text("Diagnostic study")
    check(page, "public-en")
    sign_in(page, "rep_a")
    page.goto("/firm")
    expect(page.get_by_role("heading", level=1)).to_have_text("My firms")
    check(page, "home-en")
    open_firm_task(page, "Answer the diagnostic survey")
    check(page, "survey-task-en")
    sign_out(page)
    page.goto("/clusters/tehran")
    english(page)
    sign_in(page, "cda_t")
    page.goto(f"/cases/{cluster['case']}/firms")
    expect(page.get_by_test_id("survey-count")).to_have_text("0 of 2 firms answered.")
    check(page, "cda-firms-en")
