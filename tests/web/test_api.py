"""The REST API as a client uses it: tokens, the inbox, a task's form as JSON Schema, completing, cases."""
from __future__ import annotations

import ast
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import time_machine
from openapi_spec_validator import validate as validate_openapi

from web import unit_of_work
from web.services.users import set_password
from web.models import User
from web.runtime import current_runtime

from .api_helpers import PREFIX, api, bearer, user_id
from .browser_helpers import PASSWORD, login, make_user
from .helpers import ROOT, deploy, open_tasks, start

EXAMPLE = ROOT / "examples" / "document_review.bpmn"
REQUIRED_FA = "این فیلد الزامی است."
INVALID_FA = "برخی از داده‌های ورودی معتبر نیستند؛ هیچ تغییری اعمال نشد."
# what each operation must declare besides 200/201: the brief's error answers
DECLARED = {
    ("post", "/auth/token"): {"200", "401", "422", "429"},
    ("get", "/tasks"): {"200", "401", "422"},
    ("get", "/tasks/{task_id}"): {"200", "401", "404"},
    ("post", "/tasks/{task_id}/claim"): {"200", "401", "403", "404", "409"},
    ("post", "/tasks/{task_id}/unclaim"): {"200", "401", "403", "404", "409"},
    ("post", "/tasks/{task_id}/handover"): {"200", "401", "403", "404", "409", "422"},
    ("post", "/tasks/{task_id}/complete"): {"200", "400", "401", "403", "404", "409", "422"},
    ("post", "/process-instances"): {"201", "400", "401", "403", "404", "409", "422"},
    ("get", "/process-instances/{instance_id}"): {"200", "401", "404"},
    ("get", "/process-instances"): {"200", "401", "403", "422"},
    ("post", "/process-instances/{instance_id}/suspend"): {"200", "401", "403", "404", "409", "422"},
    ("post", "/process-instances/{instance_id}/resume"): {"200", "401", "403", "404", "409", "422"},
    ("post", "/process-instances/{instance_id}/terminate"): {"200", "401", "403", "404", "409", "422"},
    ("get", "/process-definitions"): {"200", "401", "403"},
    ("post", "/process-definitions"): {"200", "201", "401", "403", "413", "422"},
    ("get", "/process-definitions/{process_id}/versions/{version}"): {"200", "401", "403", "404"},
    ("get", "/health"): {"200"},
    ("post", "/messages"): {"200", "400", "401", "404", "409", "422"},
    ("get", "/health/live"): {"200"},
    ("get", "/health/ready"): {"200", "503"},
}
PUBLIC = {("post", "/auth/token"), ("get", "/health"), ("get", "/health/live"), ("get", "/health/ready")}


def _setup(app, titles=("خوشه فرش دستباف",)):
    with app.app_context():
        make_user("sara", ["cluster_expert"], ["tehran"])
        make_user("nima", ["cluster_expert"], ["tehran"])
        make_user("reza", ["cluster_expert"], ["fars"])
        make_user("dara", ["small_industries_deputy"], ["tehran"])
        make_user("cyrus", ["cda"], ["tehran"])
        deploy(EXAMPLE)
        task_ids = []
        for number, title in enumerate(titles, start=7):
            outcome = start("document_review", {"document_number": number, "title": title})
            [task] = open_tasks(outcome.instance_id)
            task_ids.append(task.id)
            current_runtime().clock.advance(minutes=1)
    tokens = {name: bearer(app, name) for name in ("sara", "nima", "reza", "dara", "cyrus")}
    return task_ids, tokens


@pytest.fixture
def case(sqlite_app):
    """One document-review case in Tehran with its review task open; users of several roles and provinces."""
    [task_id], tokens = _setup(sqlite_app)
    return sqlite_app.test_client(), task_id, tokens


# -- the document -------------------------------------------------------------------------------------------

def test_openapi_document_is_valid_and_declares_bearer_security_and_every_answer(sqlite_app):
    doc = sqlite_app.test_client().get(f"{PREFIX}/openapi.json").get_json()
    validate_openapi(doc)
    assert doc["openapi"].startswith("3.") and doc["info"]["title"] == "clusterflow"
    assert doc["components"]["securitySchemes"]["bearerAuth"]["type"] == "http"
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert doc["security"] == [{"bearerAuth": []}]
    operations = {(method, path[len(PREFIX):]): op for path, ops in doc["paths"].items()
                  for method, op in ops.items() if method != "parameters"}
    assert set(operations) == set(DECLARED)
    for key, op in operations.items():
        assert DECLARED[key] <= set(op["responses"]), key
        assert (op.get("security") == []) == (key in PUBLIC), key
    error = doc["components"]["schemas"]["Error"]
    assert {"error", "message", "detail", "errors"} <= set(error["properties"])


def test_every_documented_route_is_exercised(sqlite_app):
    """Each (method, path) of the document is called by a test of the test_api* modules through ``api()``."""
    doc = sqlite_app.test_client().get(f"{PREFIX}/openapi.json").get_json()
    documented = {(method.upper(), path[len(PREFIX):]) for path, ops in doc["paths"].items()
                  for method in ops if method != "parameters"}
    called = set()
    modules = [ast.parse(path.read_text(encoding="utf-8")) for path in Path(__file__).parent.glob("test_api*.py")]
    for node in (node for module in modules for node in ast.walk(module)):
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and getattr(call.func, "id", None) == "api" and \
                        all(isinstance(a, ast.Constant) for a in call.args[1:3]):
                    called.add((call.args[1].value, call.args[2].value))
    assert documented - called == set(), "routes without a test"


def test_health_and_html_errors_are_untouched(sqlite_app):
    client = sqlite_app.test_client()
    assert api(client, "GET", "/health").get_json() == {"status": "ok"}
    ready = api(client, "GET", "/health/ready")    # the worker counts only with READY_NEEDS_WORKER (test_worker.py)
    assert ready.status_code == 200 and ready.get_json()["checks"] == {"database": "ok"}
    page = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"      # the web app's page, not JSON
    missing = client.get(f"{PREFIX}/no-such-route")
    assert missing.status_code == 404 and missing.get_json()["error"] == "Not Found"


# -- signing in -----------------------------------------------------------------------------------------------

def test_token_flow(sqlite_app):
    with sqlite_app.app_context():
        make_user("sara", ["cluster_expert"], ["tehran"])
    client = sqlite_app.test_client()
    issued = api(client, "POST", "/auth/token", json={"username": "sara", "password": PASSWORD})
    assert issued.status_code == 200
    body = issued.get_json()
    assert body["expires_in"] == 8 * 3600 and body["token_type"] == "Bearer"
    assert api(client, "GET", "/tasks", token=body["token"]).status_code == 200

    wrong = api(client, "POST", "/auth/token", json={"username": "sara", "password": "not-the-password"})
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "BadCredentials"
    assert wrong.get_json()["message"] == "نام کاربری یا گذرواژه نادرست است."
    missing = api(client, "POST", "/auth/token", json={"username": "sara"}, lang="en")
    assert missing.status_code == 422 and missing.get_json()["errors"] == {"password": ["This field is required."]}
    for _ in range(4):
        api(client, "POST", "/auth/token", json={"username": "sara", "password": "wrong-again!"})
    blocked = api(client, "POST", "/auth/token", json={"username": "sara", "password": PASSWORD})
    assert blocked.status_code == 429 and blocked.get_json()["error"] == "TooManyAttempts"


def test_requests_without_a_valid_token_are_refused(case, sqlite_app):
    client, task_id, tokens = case
    foreign = bearer(sqlite_app, "sara").rsplit(".", 1)[0] + ".forged"
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": f"Bearer {foreign}"},
                    {"Authorization": f"Basic {tokens['sara']}"}, {"Authorization": "Bearer "}):
        refused = api(client, "GET", "/tasks/{task_id}", headers=headers, task_id=task_id)
        assert refused.status_code == 401, headers
        assert refused.get_json()["error"] == "Unauthorized" and refused.get_json()["message"] == "لطفاً وارد شوید."
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert api(client, "GET", "/tasks", lang="en").get_json()["message"] == "Please sign in."
    with time_machine.travel(datetime.now(UTC) - timedelta(hours=9)):
        stale = bearer(sqlite_app, "sara")
    assert api(client, "GET", "/tasks", token=stale).status_code == 401           # expired after 8 hours


def test_a_token_in_use_expires_after_8_hours(case, sqlite_app):
    client, _, tokens = case
    assert api(client, "GET", "/tasks", token=tokens["sara"]).status_code == 200   # checked once, then known
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=7, minutes=59)):
        assert api(client, "GET", "/tasks", token=tokens["sara"]).status_code == 200
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=8, minutes=1)):
        assert api(client, "GET", "/tasks", token=tokens["sara"]).status_code == 401


def test_an_overlong_token_is_refused_without_being_kept(case, sqlite_app):
    """Tokens' checked signatures are cached; 200 KB of junk per request must not fill memory with it."""
    from web.services.auth import _signed

    client, _, _ = case
    before = _signed.cache_info().currsize
    for i in range(3):
        refused = api(client, "GET", "/tasks", headers={"Authorization": f"Bearer {i}{'x' * 200_000}"})
        assert refused.status_code == 401
    assert _signed.cache_info().currsize == before


def test_a_deactivated_users_token_stops_working(case, sqlite_app):
    client, _, tokens = case
    assert api(client, "GET", "/tasks", token=tokens["sara"]).status_code == 200
    with sqlite_app.app_context(), unit_of_work() as uow:
        uow.session.get(User, user_id("sara")).active = False
        uow.commit()
    assert api(client, "GET", "/tasks", token=tokens["sara"]).status_code == 401


def test_a_password_change_revokes_earlier_tokens(case, sqlite_app):
    client, _, tokens = case
    assert api(client, "GET", "/tasks", token=tokens["sara"]).status_code == 200
    with sqlite_app.app_context():
        set_password("sara", "a completely new password", uow=unit_of_work())
    assert api(client, "GET", "/tasks", token=tokens["sara"]).status_code == 401


def test_a_browser_session_cookie_is_not_enough(case):
    client, task_id, _ = case
    assert login(client, "sara").status_code == 302                  # signed in as in the browser
    assert client.get("/inbox").status_code == 200
    # the API is exempt from CSRF protection, so a cookie alone must never act on it
    assert api(client, "POST", "/tasks/{task_id}/complete", json={"data": {"decision": "approve"}},
               task_id=task_id).status_code == 401


# -- the inbox -------------------------------------------------------------------------------------------------

def test_inbox_filters_sorting_and_pages(sqlite_app, clock):
    task_ids, tokens = _setup(sqlite_app, titles=("خوشه فرش دستباف", "خوشه چرم"))
    client, sara = sqlite_app.test_client(), tokens["sara"]

    def ids(**query):
        response = api(client, "GET", "/tasks", token=sara, query=query)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    everything = api(client, "GET", "/tasks", token=sara).get_json()
    assert (everything["total"], everything["page"], everything["pages"], everything["per_page"]) == (2, 1, 1, 25)
    first = everything["items"][0]
    assert first["process_id"] == "document_review" and first["role"] == "cluster_expert"
    assert first["due"].endswith("+00:00") and first["overdue"] is False and first["instance_id"] == 1
    assert ids(cluster="فرش") == [task_ids[0]] and ids(q="چرم") == [task_ids[1]] and ids(q="2") == [task_ids[1]]
    assert ids(process="document_review", stage="", due="") == ids() and ids(process="other") == []
    assert ids(sort="-created") == list(reversed(ids(sort="created")))
    paged = api(client, "GET", "/tasks", token=sara, query={"per_page": 1, "page": 2}).get_json()
    assert (paged["total"], paged["pages"], len(paged["items"])) == (2, 2, 1)
    assert ids(due="overdue") == []
    clock.advance(days=30)
    assert len(ids(due="overdue")) == 2
    assert api(client, "GET", "/tasks", token=tokens["reza"]).get_json()["total"] == 0   # another province
    api(client, "POST", "/tasks/{task_id}/complete", token=sara, json={"data": {"decision": "approve"}},
        task_id=task_ids[0])
    assert ids(tab="completed") == [task_ids[0]]


def test_inbox_refuses_bad_filters_per_field(case):
    client, _, tokens = case
    refused = api(client, "GET", "/tasks", token=tokens["sara"],
                  query={"tab": "all", "sort": "random", "due": "never", "per_page": 1000, "page": "x"})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["error"] == "InvalidInput" and body["message"] == INVALID_FA
    assert set(body["errors"]) == {"tab", "sort", "due", "per_page", "page"}
    assert body["errors"]["page"] == ["باید عددی صحیح باشد."]


# -- one task -----------------------------------------------------------------------------------------------------

def test_task_with_its_form_as_json_schema_in_persian_and_english(case):
    client, task_id, tokens = case
    fa = api(client, "GET", "/tasks/{task_id}", token=tokens["sara"], task_id=task_id)
    assert fa.status_code == 200
    task = fa.get_json()
    assert (task["id"], task["element_id"], task["status"], task["role"], task["province"]) == \
        (task_id, "review_document", "open", "cluster_expert", "tehran")
    assert task["name"] == "بررسی سند" and task["assignee"] is None and task["may_complete"] is True
    assert task["instance"] == {"id": 1, "title": "خوشه فرش دستباف", "process_id": "document_review",
                                "stage": None, "status": "running"}
    assert "DOC-7" in task["instructions"] and task["data"]["reference"] == "DOC-7"
    form = task["form"]
    jsonschema.Draft202012Validator.check_schema(form)
    jsonschema.validate({"decision": "rework", "comment": "صفحه ۲"}, form)
    assert form["title"] == "تصمیم درباره سند" and form["required"] == ["decision"]
    assert [c["title"] for c in form["properties"]["decision"]["oneOf"]] == ["تأیید", "نیاز به اصلاح"]

    en = api(client, "GET", "/tasks/{task_id}", token=tokens["sara"], lang="en", task_id=task_id).get_json()
    assert en["form"]["title"] == "Decision on the document"
    assert [c["title"] for c in en["form"]["properties"]["decision"]["oneOf"]] == ["Approve", "Needs rework"]

    deputy = api(client, "GET", "/tasks/{task_id}", token=tokens["dara"], task_id=task_id)
    assert deputy.status_code == 200 and deputy.get_json()["may_complete"] is False   # may look, not complete
    for token, unknown in ((tokens["reza"], task_id), (tokens["cyrus"], task_id), (tokens["sara"], "no-such")):
        hidden = api(client, "GET", "/tasks/{task_id}", token=token, task_id=unknown)
        assert hidden.status_code == 404 and hidden.get_json()["error"] == "TaskNotFound"


def test_complete_then_replay_is_a_conflict(case):
    client, task_id, tokens = case
    done = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["sara"],
               json={"data": {"decision": "rework", "comment": "صفحه ۲ ناقص است"}}, task_id=task_id)
    assert done.status_code == 200
    outcome = done.get_json()
    [next_task] = outcome["open_tasks"]
    assert outcome == {"instance_id": 1, "status": "running", "open_tasks": [next_task], "next_task": next_task}
    replay = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["sara"],
                 json={"data": {"decision": "approve"}}, task_id=task_id)
    assert replay.status_code == 409 and replay.get_json()["error"] == "TaskAlreadyCompleted"
    assert replay.get_json()["message"] == "این کار پیش‌تر انجام یا لغو شده است؛ هیچ تغییری اعمال نشد."
    shown = api(client, "GET", "/tasks/{task_id}", token=tokens["sara"], task_id=task_id).get_json()
    assert shown["status"] == "completed" and shown["completed_by"] == "sara" and shown["may_complete"] is False


def test_complete_with_invalid_data_answers_per_field_in_the_users_language(case):
    client, task_id, tokens = case
    fa = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["sara"],
             json={"data": {"decision": "maybe", "extra": 1}}, task_id=task_id)
    assert fa.status_code == 422
    assert fa.get_json()["message"] == INVALID_FA
    assert fa.get_json()["errors"]["extra"] == ["این فیلد در فرم وجود ندارد."]
    assert "از گزینه‌های این فیلد نیست" in fa.get_json()["errors"]["decision"][0]
    missing = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["sara"], json={"data": {}},
                  task_id=task_id)
    assert missing.get_json()["errors"] == {"decision": [REQUIRED_FA]}
    en = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["sara"], json={"data": {}}, lang="en",
             task_id=task_id)
    assert en.status_code == 422 and en.get_json()["errors"] == {"decision": ["This field is required."]}
    assert en.get_json()["message"] == "Some of the input is not valid; nothing was changed."
    assert api(client, "GET", "/tasks/{task_id}", token=tokens["sara"], task_id=task_id).get_json()["status"] == "open"


@pytest.mark.parametrize("kwargs, status, errors", [
    ({"body": '{"data": {"decision": "approve"'}, 400, {"_schema"}),     # not JSON at all
    ({"body": '"approve"'}, 422, {"_schema"}),                             # JSON, but not an object
    ({"json": {}}, 422, {"data"}),
    ({"json": {"data": "approve"}}, 422, {"data"}),
    ({"json": {"data": {}, "decision": "approve"}}, 422, {"decision"}),
    ({"headers": {"Content-Type": "text/plain"}, "body": None}, 422, {"data"}),
])
def test_malformed_bodies_are_refused_per_field_never_500(case, kwargs, status, errors):
    client, task_id, tokens = case
    refused = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["sara"], task_id=task_id, **kwargs)
    assert refused.status_code == status
    assert set(refused.get_json()["errors"]) == errors and refused.get_json()["message"]


def test_complete_by_another_role_or_province(case):
    client, task_id, tokens = case
    body = {"data": {"decision": "approve"}}
    other_role = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["dara"], json=body, task_id=task_id)
    assert other_role.status_code == 403 and other_role.get_json()["error"] == "NotYourTask"
    other_province = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["reza"], json=body,
                         task_id=task_id)
    assert other_province.status_code == 404 and other_province.get_json()["error"] == "TaskNotFound"
    unknown = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["sara"], json=body, task_id="nope")
    assert unknown.status_code == 404


@pytest.mark.parametrize("attempts", [2, 4])
def test_concurrent_completions_through_the_api(app, attempts):
    """On SQLite and PostgreSQL: exactly one request wins, the others get 409."""
    [task_id], tokens = _setup(app)
    barrier, statuses, lock = threading.Barrier(attempts), [], threading.Lock()

    def attempt(decision: str) -> None:
        client = app.test_client()
        barrier.wait()
        response = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["sara"],
                       json={"data": {"decision": decision}}, task_id=task_id)
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=("approve" if i % 2 else "rework",)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200] + [409] * (attempts - 1)


# -- claim, release, hand over ---------------------------------------------------------------------------------

def test_claim_unclaim_and_handover(case):
    client, task_id, tokens = case
    sara, nima = tokens["sara"], tokens["nima"]
    claimed = api(client, "POST", "/tasks/{task_id}/claim", token=sara, task_id=task_id)
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "sara"
    assert api(client, "GET", "/tasks", token=nima).get_json()["total"] == 0          # no longer in nima's inbox
    taken = api(client, "POST", "/tasks/{task_id}/claim", token=nima, task_id=task_id)
    assert taken.status_code == 403 and taken.get_json()["error"] == "NotYourTask"
    assert api(client, "POST", "/tasks/{task_id}/complete", token=nima, json={"data": {"decision": "approve"}},
               task_id=task_id).status_code == 403

    released = api(client, "POST", "/tasks/{task_id}/unclaim", token=sara, task_id=task_id)
    assert released.status_code == 200 and released.get_json()["assignee"] is None
    assert api(client, "GET", "/tasks", token=nima).get_json()["total"] == 1

    for to, field_error in (("dara", "to"), ("ghost", "to"), ("", "to")):
        refused = api(client, "POST", "/tasks/{task_id}/handover", token=sara, json={"to": to}, task_id=task_id)
        assert refused.status_code == 422 and field_error in refused.get_json()["errors"], to
    given = api(client, "POST", "/tasks/{task_id}/handover", token=sara, json={"to": "nima"}, task_id=task_id)
    assert given.status_code == 200 and given.get_json()["assignee"] == "nima"
    assert api(client, "POST", "/tasks/{task_id}/unclaim", token=sara, task_id=task_id).status_code == 403
    assert api(client, "POST", "/tasks/{task_id}/claim", token=tokens["reza"], task_id=task_id).status_code == 404

    api(client, "POST", "/tasks/{task_id}/complete", token=nima, json={"data": {"decision": "approve"}},
        task_id=task_id)
    late = api(client, "POST", "/tasks/{task_id}/claim", token=nima, task_id=task_id)
    assert late.status_code == 409


# -- cases ------------------------------------------------------------------------------------------------------------

def test_start_a_case_then_read_it_with_its_history(case):
    client, _, tokens = case
    sara = tokens["sara"]
    started = api(client, "POST", "/process-instances", token=sara, json={
        "process_id": "document_review", "data": {"title": "خوشه چرم", "document_number": "۸"},
        "province": "tehran"})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert started.headers["Location"] == f"{PREFIX}/process-instances/{body['id']}"
    assert (body["process_id"], body["version"], body["title"], body["status"], body["province"]) == \
        ("document_review", 1, "خوشه چرم", "running", "tehran")
    assert body["started_by"] == "sara" and body["started_at"].endswith("+00:00")
    [open_task] = body["open_tasks"]
    assert (open_task["role"], open_task["assignee"], open_task["element_id"]) == \
        ("cluster_expert", None, "review_document") and open_task["due"]
    assert [(e["action"], e["actor"]) for e in body["history"]] == [("instance_started", "sara")]
    assert body["history"][0]["data"]["data"]["document_number"] == 8        # cleaned by the start form

    api(client, "POST", "/tasks/{task_id}/complete", token=sara, json={"data": {"decision": "approve"}},
        task_id=open_task["id"])
    shown = api(client, "GET", "/process-instances/{instance_id}", token=sara, instance_id=body["id"])
    assert shown.status_code == 200
    history = shown.get_json()["history"]
    assert [e["action"] for e in history] == ["instance_started", "task_completed"]
    assert (history[1]["task_id"], history[1]["actor"], history[1]["data"]["data"]) == \
        (open_task["id"], "sara", {"decision": "approve"})
    assert shown.get_json()["open_tasks"] == []

    assert api(client, "GET", "/process-instances/{instance_id}", token=tokens["dara"],
               instance_id=body["id"]).status_code == 200                      # a supervising role
    for token, instance_id in ((tokens["reza"], body["id"]), (tokens["cyrus"], body["id"]), (sara, 999)):
        hidden = api(client, "GET", "/process-instances/{instance_id}", token=token, instance_id=instance_id)
        assert hidden.status_code == 404 and hidden.get_json()["error"] == "InstanceNotFound"


@pytest.mark.parametrize("user, body, status, error", [
    ("sara", {"process_id": "no_such_process", "data": {}, "province": "tehran"}, 404, "ProcessNotFound"),
    ("dara", {"process_id": "document_review", "data": {"title": "x", "document_number": 1},
              "province": "tehran"}, 404, "ProcessNotFound"),                     # not the starter role
    ("sara", {"process_id": "document_review", "data": {"title": "x", "document_number": 1},
              "province": "fars"}, 403, "Forbidden"),
    ("sara", {"process_id": "document_review", "data": {"title": "x", "document_number": 1}}, 422, "InvalidInput"),
    ("sara", {"process_id": "document_review", "data": {"title": "x", "document_number": 1},
              "province": "atlantis"}, 422, "InvalidInput"),
    ("sara", {"data": {}}, 422, "InvalidInput"),
])
def test_start_refusals(case, user, body, status, error):
    client, _, tokens = case
    refused = api(client, "POST", "/process-instances", token=tokens[user], json=body)
    assert refused.status_code == status and refused.get_json()["error"] == error


def test_start_form_errors_in_persian(case):
    client, _, tokens = case
    refused = api(client, "POST", "/process-instances", token=tokens["sara"],
                  json={"process_id": "document_review", "data": {"document_number": "abc"}, "province": "tehran"})
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert errors["title"] == [REQUIRED_FA] and errors["document_number"] == ["باید عدد باشد."]
