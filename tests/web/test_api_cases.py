"""The REST API for supervisors: the case list with its filters, and suspend / resume / terminate."""
from __future__ import annotations

import pytest

from web.services.actors import Actor

from .api_helpers import api, bearer
from .browser_helpers import make_user
from .helpers import ROOT, deploy, events, snapshot, start

EXAMPLE = ROOT / "examples" / "document_review.bpmn"
FARS_EXPERT = Actor("fars", frozenset({"cluster_expert"}), frozenset({"fars"}))
USERS = {"sup": (["supervisor"], ["tehran"]), "hq": (["isipo_expert"], []),
         "dara": (["small_industries_deputy"], ["tehran"]), "sara": (["cluster_expert"], ["tehran"])}


@pytest.fixture
def cases(sqlite_app, clock):
    """Two cases in Tehran, one in Fars (a minute apart), and users who supervise them or not."""
    with sqlite_app.app_context():
        for name, (roles, provinces) in USERS.items():
            make_user(name, roles, provinces)
        deploy(EXAMPLE)
        ids = [start("document_review", {"document_number": 1, "title": "خوشه فرش"}).instance_id]
        clock.advance(minutes=1)
        ids.append(start("document_review", {"document_number": 2, "title": "خوشه سنگ"}).instance_id)
        clock.advance(minutes=1)
        ids.append(start("document_review", {"document_number": 3}, actor=FARS_EXPERT, province="fars").instance_id)
    return sqlite_app.test_client(), ids, {name: bearer(sqlite_app, name) for name in USERS}


def listed(client, token, **query):
    response = api(client, "GET", "/process-instances", token=token, query=query)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


# -- the case list --------------------------------------------------------------------------------------------

def test_case_list_in_the_supervisors_scope_with_holders(cases):
    client, (a, b, c), tokens = cases
    page = api(client, "GET", "/process-instances", token=tokens["sup"]).get_json()
    assert (page["total"], page["page"], page["pages"], page["per_page"]) == (2, 1, 1, 25)
    assert [item["id"] for item in page["items"]] == [b, a]                           # newest first, own province
    row = page["items"][1]
    assert (row["title"], row["process_id"], row["process_name"], row["version"], row["province"], row["status"]) \
        == ("خوشه فرش", "document_review", "بررسی سند (فرایند نمونه)", 1, "tehran", "running")
    assert row["started_at"].endswith("+00:00") and row["completed_at"] is None and row["overdue"] is False
    [holder] = row["holders"]
    assert (holder["task_name"], holder["role"], holder["assignee"], holder["overdue"]) == \
        ("بررسی سند", "cluster_expert", None, False)
    assert holder["task_id"] and holder["due_at"].endswith("+00:00")
    assert sorted(listed(client, tokens["hq"])) == [a, b, c]                          # a national role sees all
    assert listed(client, tokens["dara"], sort="id") == [a, b]                          # a supervising role


def test_case_list_filters_sorting_and_pages(cases, clock):
    client, (a, b, c), tokens = cases
    hq = tokens["hq"]
    assert listed(client, hq, cluster="سنگ") == [b] and listed(client, hq, province="fars") == [c]
    assert listed(client, hq, process="document_review", version=1, sort="id") == [a, b, c]
    assert listed(client, hq, process="other") == [] and listed(client, hq, version=2) == []
    assert listed(client, hq, status="running", stage="", province="", sort="id") == [a, b, c]
    assert listed(client, hq, status="suspended") == []
    assert listed(client, hq, sort="started") == [a, b, c] and listed(client, hq, sort="-started") == [c, b, a]
    assert listed(client, hq, **{"from": "1405/01/02"}) == []
    assert listed(client, hq, sort="id", **{"from": "۱۴۰۵/۰۱/۰۱", "to": "1405/01/01"}) == [a, b, c]
    paged = api(client, "GET", "/process-instances", token=hq, query={"per_page": 2, "page": 2}).get_json()
    assert (paged["total"], paged["pages"], paged["per_page"], [i["id"] for i in paged["items"]]) == (3, 2, 2, [a])
    assert listed(client, hq, overdue="true") == []
    clock.advance(days=10)
    assert sorted(listed(client, hq, overdue="1")) == [a, b, c]
    row = api(client, "GET", "/process-instances", token=hq, query={"overdue": "true"}).get_json()["items"][0]
    assert row["overdue"] is True and row["holders"][0]["overdue"] is True


def test_case_list_refuses_malformed_filters_per_field(cases):
    client, _, tokens = cases
    refused = api(client, "GET", "/process-instances", token=tokens["sup"], query={
        "from": "1405/13/01", "to": "2026/01/01", "status": "asleep", "sort": "random", "page": 0,
        "per_page": 1000, "version": "x", "overdue": "perhaps", "province": "atlantis"})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["error"] == "InvalidInput" and body["message"] == \
        "برخی از داده‌های ورودی معتبر نیستند؛ هیچ تغییری اعمال نشد."
    assert set(body["errors"]) == {"from", "to", "status", "sort", "page", "per_page", "version", "overdue",
                                   "province"}
    assert "month 13 is out of range" in body["errors"]["from"][0]
    assert "is it a Gregorian date?" in body["errors"]["to"][0]
    assert body["errors"]["version"] == ["باید عددی صحیح باشد."]


def test_case_list_is_for_supervising_roles(cases):
    client, _, tokens = cases
    refused = api(client, "GET", "/process-instances", token=tokens["sara"])
    assert refused.status_code == 403 and refused.get_json()["error"] == "Forbidden"
    assert api(client, "GET", "/process-instances").status_code == 401


# -- suspend, resume, terminate -------------------------------------------------------------------------------

def test_suspend_resume_and_terminate_with_a_reason(cases):
    client, (a, _, _), tokens = cases
    sup = tokens["sup"]
    suspended = api(client, "POST", "/process-instances/{instance_id}/suspend", token=sup,
                    json={"reason": "مدارک ناقص"}, instance_id=a)
    assert suspended.status_code == 200 and suspended.get_json() == {"id": a, "status": "suspended"}
    assert listed(client, sup, status="suspended") == [a]
    assert api(client, "GET", "/tasks", token=tokens["sara"]).get_json()["total"] == 1     # hidden from the inbox
    again = api(client, "POST", "/process-instances/{instance_id}/suspend", token=sup, json={"reason": "باز"},
                instance_id=a)
    assert again.status_code == 409 and again.get_json()["error"] == "Conflict"

    resumed = api(client, "POST", "/process-instances/{instance_id}/resume", token=sup, json={"reason": "تکمیل شد"},
                  instance_id=a)
    assert resumed.status_code == 200 and resumed.get_json() == {"id": a, "status": "running"}
    assert api(client, "POST", "/process-instances/{instance_id}/resume", token=sup, json={"reason": "دوباره"},
               instance_id=a).status_code == 409

    ended = api(client, "POST", "/process-instances/{instance_id}/terminate", token=sup, json={"reason": "انصراف"},
                instance_id=a)
    assert ended.status_code == 200 and ended.get_json() == {"id": a, "status": "terminated"}
    shown = api(client, "GET", "/process-instances/{instance_id}", token=sup, instance_id=a).get_json()
    assert shown["open_tasks"] == [] and shown["completed_at"] is not None
    assert [(e["action"], e["actor"], (e["data"] or {}).get("reason")) for e in shown["history"][1:]] == [
        ("instance_suspended", "sup", "مدارک ناقص"), ("instance_running", "sup", "تکمیل شد"),
        ("instance_terminated", "sup", "انصراف")]
    for action in ("suspend", "resume", "terminate"):                        # a finished case
        late = api(client, "POST", f"/process-instances/{{instance_id}}/{action}", token=sup,
                   json={"reason": "x"}, instance_id=a)
        assert late.status_code == 409, action


@pytest.mark.parametrize("action, user, instance, body, status, error", [
    ("suspend", "sup", 0, {}, 422, "InvalidInput"),                     # no reason
    ("terminate", "sup", 0, {"reason": "   "}, 422, "InvalidInput"),     # a blank one
    ("suspend", "sup", 0, {"reason": "x" * 1001}, 422, "InvalidInput"),
    ("suspend", "sup", 0, {"reason": 7}, 422, "InvalidInput"),
    ("terminate", "sup", 2, {"reason": "x"}, 404, "InstanceNotFound"),   # another province's case
    ("resume", "sup", None, {"reason": "x"}, 404, "InstanceNotFound"),   # no such case
    ("suspend", "dara", 0, {"reason": "x"}, 403, "Forbidden"),           # supervises, may not act
    ("terminate", "sara", 0, {"reason": "x"}, 403, "Forbidden"),
])
def test_status_changes_refused_change_nothing(cases, sqlite_app, action, user, instance, body, status, error):
    client, ids, tokens = cases
    instance_id = ids[instance] if instance is not None else 999
    with sqlite_app.app_context():
        before = [snapshot(i) for i in ids]
    refused = api(client, "POST", f"/process-instances/{{instance_id}}/{action}", token=tokens[user], json=body,
                  instance_id=instance_id)
    assert refused.status_code == status and refused.get_json()["error"] == error
    if status == 422:
        assert "reason" in refused.get_json()["errors"]
    with sqlite_app.app_context():
        assert [snapshot(i) for i in ids] == before and events(ids[0]) == [("instance_started", "expert")]
