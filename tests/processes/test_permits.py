"""A cluster's development permit over its whole life: issued, renewed ahead of expiry, amended, cancelled —
each step in the permits register (Form 1) and in the case's history."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.calendar import to_jalali
from web import unit_of_work
from web.models import Permit, PermitRequest

from .helpers import (
    EXPERT, advance, children, deploy_processes, do, history, one, open_case, start, tasks, to_permit,
)


@pytest.fixture
def ctx(sqlite_app):
    with sqlite_app.app_context():
        deploy_processes()
        yield sqlite_app


def register() -> tuple[list[Permit], list[PermitRequest]]:
    with unit_of_work(write=False) as uow:
        permits = list(uow.session.scalars(select(Permit).order_by(Permit.id)))
        requests = list(uow.session.scalars(select(PermitRequest).order_by(PermitRequest.id)))
        for row in permits + requests:
            uow.session.expunge(row)
        return permits, requests


def issued_case() -> int:
    case = open_case()
    to_permit(case)
    do(case, "issue_permit", {"permit_status": "issued", "permit_no": "P-1", "permit_date": "1405/02/20"})
    return case


def test_an_issued_permit_is_registered_and_renewed_ahead_of_its_expiry(ctx, clock):
    case = issued_case()
    [permit], [issue] = register()
    assert (permit.number, permit.issued_on, permit.valid_until, permit.status) == \
        ("P-1", "1405/02/20", "1406/02/20", "active")
    assert (issue.type, issue.outcome) == ("issue", "granted") and issue.decided_at >= issue.requested_at
    assert "permit_issued" in [e.action for e in history(case)]
    [life] = [c for c in children(case) if c.process_id == "permit_lifecycle"]

    advance(clock, days=300)
    assert tasks(life.id) == []                                  # not yet: 20 working days before expiry
    advance(clock, days=100)
    request = one(life.id, "request_renewal")
    assert request.role == "cluster_expert" and request.province == "tehran"
    opened = to_jalali(request.created_at)
    assert "1406/01/01" < opened < "1406/02/20"                   # weeks ahead, Nowruz holidays not counted
    do(life.id, "request_renewal", {"request_no": "1406/55", "request_date": opened,
                                    "progress_summary": "برنامه عمل سال نخست اجرا شد"})
    do(life.id, "decide_renewal", {"renewal_outcome": "renewed", "renewed_until": "1407/02/20",
                                   "renewal_no": "R-1"})
    [permit], requests = register()
    assert permit.valid_until == "1407/02/20" and permit.status == "active"
    renewal = requests[-1]
    assert (renewal.type, renewal.outcome) == ("renewal", "granted")
    assert "permit_renewed" in [e.action for e in history(case)]
    assert tasks(life.id) == []                                  # waiting for the next renewal's notice


def test_an_amendment_and_a_cancellation_are_recorded_on_the_case_and_the_register(ctx):
    case = issued_case()
    amendment = start("permit_change", {"case_key": "tehran-1405-TH-01", "change_type": "amendment",
                                        "change_reason": "تغییر محدوده جغرافیایی خوشه"}, actor=EXPERT).instance_id
    do(amendment, "decide_change", {"change_outcome": "approved", "new_valid_until": "1406/06/31"})
    cancellation = start("permit_change", {"case_key": "tehran-1405-TH-01", "change_type": "cancellation",
                                           "change_reason": "انصراف بنگاه‌ها"}, actor=EXPERT).instance_id
    do(cancellation, "decide_change", {"change_outcome": "approved", "decision_no": "C-9"})
    [permit], requests = register()
    assert permit.status == "cancelled" and permit.valid_until == "1406/06/31"
    assert [(r.type, r.outcome) for r in requests] == [("issue", "granted"), ("amendment", "granted"),
                                                       ("cancellation", "granted")]
    actions = [e.action for e in history(case)]
    assert actions.index("permit_amended") < actions.index("permit_cancelled")
    cancelled = [e for e in history(case) if e.action == "permit_cancelled"][0]
    assert cancelled.data["reason"] == "انصراف بنگاه‌ها"


def test_a_refused_permit_is_registered_as_refused(ctx):
    case = open_case()
    to_permit(case)
    do(case, "issue_permit", {"permit_status": "refused", "permit_comment": "مدارک ناقص"})
    permits, [issue] = register()
    assert permits == [] and (issue.type, issue.outcome) == ("issue", "refused")
    assert case


def test_the_service_card_fills_form_1_from_the_register(ctx, clock):
    from tests.web.browser_helpers import login, make_user

    issued_case()
    clock.advance(days=1)
    make_user("sup", ["supervisor"], ["tehran"])
    client = ctx.test_client()
    login(client, "sup")
    card = client.get("/service-card.json?lang=en", headers={"Accept-Language": "en"}).get_json()
    form_one = next(f for f in card["forms"] if f["number"] == 1)
    assert len(form_one["rows"]) == 4                       # issue, renewal, amendment, cancellation
    issue = form_one["rows"][0]
    assert len(issue) == len(form_one["columns"])
    assert "ماه" in issue[5] or "months" in issue[5]
    assert any(cell.startswith(("declared", "اعلامی")) and ("measured" in cell or "اندازه" in cell)
               for cell in issue), issue                    # declared and measured processing time
    renewal = form_one["rows"][1]
    assert any("none decided" in cell or "تصمیمی" in cell for cell in renewal)
    page = client.get("/service-card").get_data(as_text=True)
    assert 'data-section="form-1"' in page and issue[1] in page


def test_a_change_of_a_permit_that_is_not_in_the_register_is_refused_at_the_case_key(ctx):
    from web.services.errors import InvalidInput

    issued_case()
    with pytest.raises(InvalidInput) as refused:
        start("permit_change", {"case_key": "tehran-1405-XX-99", "change_type": "cancellation",
                                "change_reason": "اشتباه"}, actor=EXPERT)
    assert "case_key" in refused.value.errors
    [permit], requests = register()
    assert permit.status == "active" and [r.type for r in requests] == ["issue"]
