"""A firm's representative on a phone (390 px): invited by the provincial company, signs in with the code the
SMS carried and lands in their inbox; the registration page refuses a wrong company id at its field. No page is
wider than the screen, and the sign-in and registration pages pass axe-core's WCAG 2.1 AA rules."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer
from tests.e2e.test_layout_and_access import AXE_VIOLATIONS, OUTSIDE, WCAG21_AA, inject_axe
from tests.web.browser_helpers import make_user
from tests.web.firm_access_helpers import (code_sent_to, deploy_enrolment, invitation, invite_firms,  # noqa: F401
                                           register_cluster, sms_outbox)

from . import screenshot

FIRM_A, MOBILE = "10101234565", "09120000001"


@pytest.fixture
def invited(page: Page, live_server: LiveServer, sms_outbox) -> None:  # noqa: F811
    """The provincial company has invited firm A's representative (an SMS went out); the page is a phone's."""
    with live_server.context():
        deploy_enrolment()
        make_user("expert", ["cluster_expert"], ["tehran"])
        registered = register_cluster("tehran", "TH-01", [(FIRM_A, "فرش دستباف نگین")])
        invite_firms(registered.case_id, [invitation(FIRM_A, "0012345679", MOBILE, "مریم احمدی")])
    page.set_viewport_size({"width": 390, "height": 844})


def check_page(page: Page, name: str, problems: list[str]) -> None:
    page.wait_for_load_state("load")
    screenshot(page, f"firm-{name}-390")
    scroll, client = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if scroll > client:
        problems.append(f"{name}: {scroll} > {client} ({', '.join(page.evaluate(OUTSIDE))})")
    inject_axe(page)
    problems.extend(f"{name}: {v}" for v in page.evaluate(AXE_VIOLATIONS, WCAG21_AA))


def test_an_invited_representative_signs_in_with_a_code_on_a_phone(page: Page, live_server: LiveServer, invited):
    problems: list[str] = []

    page.goto("/login")
    page.get_by_role("link", name="نمایندگان بنگاه‌ها: ورود با کد پیامک‌شده به تلفن همراه").click()
    check_page(page, "code-mobile", problems)
    page.get_by_label("شمارهٔ همراه").fill("۰۹۱۲۰۰۰۰۰۰۱")
    page.get_by_role("button", name="کد را برایم بفرست").click()
    expect(page.get_by_label("کد", exact=True)).to_be_visible()
    check_page(page, "code-entry", problems)
    page.get_by_label("کد", exact=True).fill("000000" if code_of(live_server) == "000001" else "000001")
    page.get_by_role("button", name="ورود", exact=True).click()
    expect(page.locator("#code-error")).to_contain_text("کد نادرست است")       # one wrong try, at the field
    check_page(page, "code-wrong", problems)
    page.get_by_label("کد", exact=True).fill(code_of(live_server))
    page.get_by_role("button", name="ورود", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/inbox")
    check_page(page, "inbox", problems)
    page.goto("/cases")
    expect(page.get_by_test_id("error")).to_be_visible()                       # not for firms: 404
    assert problems == [], "; ".join(problems)


def code_of(live_server: LiveServer, mobile: str = MOBILE) -> str:
    with live_server.context():
        return code_sent_to(mobile)


def sign_in_by_code(page: Page, live_server: LiveServer, mobile: str) -> None:
    """Sign ``page`` in on /login/code with the code the SMS carried (needs the ``sms_outbox`` fixture)."""
    page.goto("/login/code")
    page.get_by_label("شمارهٔ همراه").fill(mobile)
    page.get_by_role("button", name="کد را برایم بفرست").click()
    page.get_by_label("کد", exact=True).fill(code_of(live_server, mobile))
    page.get_by_role("button", name="ورود", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/inbox")


def test_the_registration_page_refuses_a_wrong_company_id_at_its_field_on_a_phone(page: Page,
                                                                                  live_server: LiveServer):
    page.set_viewport_size({"width": 390, "height": 844})
    problems: list[str] = []
    page.goto("/register")
    check_page(page, "register", problems)
    page.get_by_label("نام و نام خانوادگی").fill("علی رضایی")
    page.get_by_label("کد ملی").fill("0012345679")
    page.get_by_label("شمارهٔ همراه").fill("09120000002")
    page.get_by_label("شناسه ملی بنگاه").fill("10101234566")                    # wrong check digit
    page.get_by_role("button", name="کد را برایم بفرست").click()
    expect(page.locator("#company_id-error")).to_contain_text("رقم کنترل")
    expect(page.get_by_label("نام و نام خانوادگی")).to_have_value("علی رضایی")   # what was typed stays
    check_page(page, "register-error", problems)
    assert problems == [], "; ".join(problems)


def test_a_representative_signs_out_and_in_again_by_code(page: Page, live_server: LiveServer, invited):
    sign_in_by_code(page, live_server, MOBILE)
    page.locator(".navbar-toggler").click()        # at 390 px the bar is folded
    expect(page.locator("#cf-nav")).to_have_class(re.compile(r"\bshow\b"))   # open, no longer sliding
    with page.expect_navigation():
        page.get_by_role("button", name="خروج").click()
    expect(page).to_have_url(f"{live_server.url}/login")
    live_server.clock.advance(seconds=61)          # one code a minute to a mobile
    sign_in_by_code(page, live_server, MOBILE)
