"""Inquiries to other agencies (Form 2): sent from a case, answered by the expert or through the API, escalated to
the supervisor when late; the service card's Form 2 counts them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from web import unit_of_work
from web.models import Inquiry

from .helpers import EXPERT, advance, deploy_processes, do, instance, one, start, tasks


@pytest.fixture
def ctx(sqlite_app):
    with sqlite_app.app_context():
        deploy_processes()
        yield sqlite_app


def inquiries() -> list[Inquiry]:
    with unit_of_work(write=False) as uow:
        rows = list(uow.session.scalars(select(Inquiry).order_by(Inquiry.id)))
        for row in rows:
            uow.session.expunge(row)
        return rows


def ask(agency: str = "chamber", days: int = 10) -> int:
    return start("case_inquiry", {"case_key": "tehran-1405-TH-01", "inquiry_agency": agency,
                                  "inquiry_items": "فهرست بنگاه‌های عضو خوشه مبلمان", "inquiry_due_days": days},
                 actor=EXPERT).instance_id


def test_an_inquiry_answered_late_is_escalated_then_recorded(ctx, clock):
    case = ask(days=10)
    [sent] = inquiries()
    assert (sent.agency, sent.case_key, sent.answered_at, sent.escalated_at) == \
        ("chamber", "tehran-1405-TH-01", None, None)
    answer = one(case, "record_answer")
    assert answer.role == "cluster_expert" and answer.due_at is not None
    advance(clock, days=10)
    assert tasks(case, "follow_up_inquiry") == []               # ten calendar days of Nowruz are not ten working days
    advance(clock, days=20)
    follow_up = one(case, "follow_up_inquiry")
    assert follow_up.role == "supervisor"
    [late] = inquiries()
    assert late.escalated_at is not None and late.answered_at is None
    do(case, "record_answer", {"answer_received_on": "1405/01/20", "answer_text": "۴۲ بنگاه عضو"})
    do(case, "follow_up_inquiry", {"follow_up_action": "با دبیرخانه اتاق تماس گرفته شد"})
    [done] = inquiries()
    assert done.answered_at is not None and done.answer == "۴۲ بنگاه عضو" and not done.by_api
    assert instance(case).status == "completed"


def test_an_agency_answers_through_the_api(ctx):
    from tests.web.api_helpers import api, bearer
    from tests.web.browser_helpers import make_user

    case = ask(agency="industry_org")
    [sent] = inquiries()
    make_user("integration", ["cluster_expert"], ["tehran"])
    client = ctx.test_client()
    token = bearer(ctx, "integration")
    reply = api(client, "POST", "/messages", token=token, json={
        "name": "inquiry_answered", "correlation": {"inquiry_key": sent.key},
        "payload": {"text": "۳۸ پروانه بهره‌برداری معتبر", "received_on": "1405/01/10"}})
    assert reply.status_code == 200, reply.json
    [answered] = inquiries()
    assert answered.by_api and answered.answer == "۳۸ پروانه بهره‌برداری معتبر"
    assert instance(case).status == "completed"
    again = api(client, "POST", "/messages", token=token, json={
        "name": "inquiry_answered", "correlation": {"inquiry_key": sent.key}, "payload": {}})
    assert again.status_code == 404                              # nobody waits for it any more


def test_an_agency_not_in_the_list_is_a_field_error(ctx):
    from web.services.errors import InvalidInput
    from web.services import starting
    from web.runtime import current_runtime

    runtime = current_runtime()
    with pytest.raises(InvalidInput) as refused:
        starting.start_with_form("case_inquiry", {"case_key": "tehran-1405-TH-01", "inquiry_agency": "mafia",
                                                  "inquiry_items": "x", "inquiry_due_days": 5}, "tehran",
                                 actor=EXPERT, locale="en", uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    assert "inquiry_agency" in refused.value.errors
    assert inquiries() == []


def test_the_service_card_fills_form_2_with_a_row_per_agency(ctx, clock):
    from tests.web.browser_helpers import login, make_user
    from web.services.inquiries import agencies

    ask(agency="chamber", days=5)
    advance(clock, days=30)                                     # late: escalated
    make_user("sup", ["supervisor"], ["tehran"])
    client = ctx.test_client()
    login(client, "sup")
    card = client.get("/service-card.json").get_json()
    form_two = next(f for f in card["forms"] if f["number"] == 2)
    assert [row[1] for row in form_two["rows"]] == [a["name"]["fa"] for a in agencies().values()]
    chamber = form_two["rows"][0]
    assert len(chamber) == len(form_two["columns"])
    assert chamber[-1] == "۱ ارسال، ۰ پاسخ، ۱ ارجاع برای دیرکرد"


def test_the_supporting_institutions_and_the_inquiry_pick_from_the_same_agencies():
    from forms.loader import load_form
    from web.services.inquiries import agencies

    listed = list(agencies())
    assert [c["value"] for c in load_form("inquiry_request").field("inquiry_agency").options["choices"]] == listed
    assert [c["value"] for c in load_form("feasibility_report").field("supporting_institutions")
            .options["choices"]] == listed
    assert all({"phone", "email", "address"} <= set(a["contact"]) for a in agencies().values())
