"""POST /api/v1/messages: other systems answer the cases waiting for them."""
from __future__ import annotations

from tests.processes.helpers import EXPERT, deploy_processes, start
from web import unit_of_work
from web.models import ProcessInstance

from .api_helpers import api, bearer
from .browser_helpers import make_user


def test_a_message_reaches_the_case_waiting_for_it_and_only_that(sqlite_app):
    with sqlite_app.app_context():
        deploy_processes()
        make_user("agency_bot", ["cluster_expert"], ["tehran"])
        make_user("fars_bot", ["cluster_expert"], ["fars"])
        case = start("case_inquiry", {"case_key": "tehran-1405-TH-01", "inquiry_agency": "bank",
                                      "inquiry_items": "تسهیلات", "inquiry_due_days": 10}, actor=EXPERT).instance_id
        from sqlalchemy import select
        from web.models import Inquiry
        with unit_of_work(write=False) as uow:
            key = uow.session.scalar(select(Inquiry.key))
    client = sqlite_app.test_client()
    message = {"name": "inquiry_answered", "correlation": {"inquiry_key": key}, "payload": {"text": "موافقت شد"}}
    assert api(client, "POST", "/messages", json=message).status_code == 401
    assert api(client, "POST", "/messages", token=bearer(sqlite_app, "fars_bot"), json=message).status_code == 404
    bad = api(client, "POST", "/messages", token=bearer(sqlite_app, "agency_bot"), json={"correlation": []})
    assert bad.status_code == 422 and {"name", "correlation"} <= set(bad.json["errors"])
    done = api(client, "POST", "/messages", token=bearer(sqlite_app, "agency_bot"), json=message)
    assert done.status_code == 200 and done.json["instance_id"] == case
    with sqlite_app.app_context(), unit_of_work(write=False) as uow:
        assert uow.session.get(ProcessInstance, case).status == "completed"
