"""The scope of a firm's representative: their own firms' cases, nothing else, over the browser session and
over an API token. Every route of the app (read from its URL map, so a new page is walked too) is called with
the ids of cases outside the representative's firms (another firm of the same cluster, a firm of another
cluster, a cluster case about no firm, a case of no province) and answers 404; nothing about those cases
changes. Staff see what they saw before."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from web import unit_of_work
from web.models import Letter, TaskRecord
from web.runtime import current_runtime
from web.services import attachments
from web.services.actors import SYSTEM
from web.services.firms.people import find_or_create_person, link
from web.services.users import set_password

from .api_helpers import bearer
from .browser_helpers import PASSWORD, csrf_token, login, make_user
from .firm_access_helpers import register_cluster, start_firm_case
from .helpers import ROOT, deploy, snapshot

FIRM_A, FIRM_B, FIRM_C = "10101234565", "10102345674", "10103456783"
REP = "0012345679"
# routes a firm representative may reach (they check the case themselves), and public or own-account routes
SCOPED = {"cases.show", "tasks.show", "tasks.submit", "tasks.comment", "tasks.download", "inbox.task_action",
          "letters.pdf", "api_tasks.show_task", "api_tasks.claim", "api_tasks.unclaim", "api_tasks.complete",
          "api_instances.show_instance"}
OWN_OR_PUBLIC = {"static", "letters.verify", "inbox.home", "inbox.index", "api_tasks.list_tasks", "api_auth.token",
                 "api.health", "api.live", "api.ready", "api-docs.openapi_json", "notices.index", "notices.mark_read",
                 "notices.profile", "portal.clusters", "portal.home"}
BODIES = {  # valid bodies, so that a refusal is about the scope, not about the body
    "api_tasks.complete": {"data": {"decision": "approve"}}, "api_tasks.handover": {"to": "expert"},
    "api_cases.suspend": {"reason": "x"}, "api_cases.resume": {"reason": "x"}, "api_cases.terminate": {"reason": "x"},
    "api_messages.send": {"name": "permit_issued", "correlation": {}, "payload": {}},
    "api_instances.start": {"process_id": "document_review", "data": {"document_number": 9}, "province": "tehran"},
}


@dataclass
class Case:
    id: int
    task: str
    attachment: str
    letter: int


@dataclass
class World:
    own: Case
    foreign: dict[str, Case] = field(default_factory=dict)


def _firm_process(tmp_path: Path) -> Path:
    """document_review with its expert's lane given to firm representatives (a firm's own task)."""
    text = (ROOT / "examples" / "document_review.bpmn").read_text(encoding="utf-8")
    text = text.replace('value="cluster_expert"', 'value="firm_representative"')
    text = re.sub(r'\bdocument_review\b(?!_)', "firm_review", text)
    path = tmp_path / "firm_review.bpmn"
    path.write_text(text, encoding="utf-8")
    return path


def _case(process_id: str, firm_id: int | None, province: str | None, number: int) -> Case:
    instance_id = start_firm_case(process_id, {"document_number": number, "title": f"case {number}"}, firm_id,
                                  province=province)
    runtime = current_runtime()
    with unit_of_work() as uow:
        task = uow.session.scalar(select(TaskRecord.id).where(TaskRecord.instance_id == instance_id))
        stored = attachments.store(uow.session, Path(current_app.config["DATA_DIR"]), io.BytesIO(b"secret figures"),
                                   "figures.txt", instance_id=instance_id, task_id=None, field=None, actor=SYSTEM,
                                   clock=runtime.clock)
        letter = Letter(kind="test", province=province or "tehran", year=1405, number=number, subject="s",
                        issuer="i", html="<p>letter</p>", verify_code=f"code{number}", instance_id=instance_id,
                        issued_at=runtime.clock.now())
        uow.session.add(letter)
        uow.session.flush()
        case = Case(instance_id, task, stored.id, letter.id)
        uow.commit()
        return case


@pytest.fixture
def world(app, tmp_path) -> World:
    with app.app_context():
        deploy(ROOT / "examples" / "document_review.bpmn", _firm_process(tmp_path))
        make_user("expert", ["cluster_expert"], ["tehran"])
        make_user("supervisor", ["supervisor"], ["tehran"])
        one = register_cluster("tehran", "TH-01", [(FIRM_A, "فرش نگین"), (FIRM_B, "قالی آفتاب")])
        two = register_cluster("tehran", "TH-02", [(FIRM_C, "رنگرزی پرنیان")])
        now = current_runtime().clock.now()
        with unit_of_work() as uow:
            person = find_or_create_person(uow.session, REP, "09120000001", "مریم احمدی", now)
            from web.models import Firm

            firm = uow.session.get(Firm, one.firm_ids[FIRM_A])
            link(uow.session, person, firm, "confirmed", "test", now)
            uow.commit()
        set_password(REP, PASSWORD, uow=unit_of_work())
        return World(own=_case("firm_review", one.firm_ids[FIRM_A], "tehran", 1), foreign={
            "another firm of the cluster": _case("firm_review", one.firm_ids[FIRM_B], "tehran", 2),
            "a firm of another cluster": _case("firm_review", two.firm_ids[FIRM_C], "tehran", 3),
            "a cluster case about no firm": _case("document_review", None, "tehran", 4),
            "a case of no province": _case("document_review", None, None, 5),
        })


def _url(rule, case: Case) -> str:  # type: ignore[no-untyped-def]
    values = {"instance_id": case.id, "task_id": case.task, "attachment_id": case.attachment,
              "letter_id": case.letter, "kind": "csv", "process_id": "document_review", "version": 1,
              "version_id": 1, "draft_id": 1, "form_id": "document_review_decision", "kind_id": "test",
              "survey_case_id": case.id, "case_id": case.id, "action_id": 1, "province": "tehran", "job_id": 1}
    if "action" in rule.arguments:
        values["action"] = "claim" if rule.endpoint == "inbox.task_action" else "suspend"
    return rule.build({k: v for k, v in values.items() if k in rule.arguments}, append_unknown=False)[1]


def _routes(app):  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OWN_OR_PUBLIC or rule.endpoint.startswith("auth."):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_a_firm_representative_gets_404_for_everything_outside_its_firms(app, world):
    client = app.test_client()
    assert login(client, REP).status_code == 302
    token = bearer(app, REP)
    with app.app_context():
        before = {name: snapshot(case.id) for name, case in world.foreign.items()}
    walked = 0
    for name, case in world.foreign.items():
        csrf = csrf_token(client, "/inbox")
        for rule, method in _routes(app):
            if not rule.arguments and name != "another firm of the cluster":
                continue   # a page of no case: once is enough
            url = _url(rule, case)
            if url.startswith("/api/"):
                answer = client.open(url, method=method, headers={"Authorization": f"Bearer {token}"},
                                     json=BODIES.get(rule.endpoint, {}) if method == "POST" else None)
            else:
                answer = client.open(url, method=method, data={"csrf_token": csrf, "to": "expert", "reason": "x",
                                                               "decision": "approve", "comment": "x"}
                                     if method == "POST" else None)
            assert answer.status_code == 404, f"{method} {url} ({rule.endpoint}) for {name}: {answer.status_code}"
            walked += 1
    assert walked > 100
    with app.app_context():
        assert {name: snapshot(case.id) for name, case in world.foreign.items()} == before


def test_the_firm_representative_works_on_its_own_firms_case(app, world):
    client = app.test_client()
    login(client, REP)
    own = world.own
    for path in (f"/cases/{own.id}", f"/tasks/{own.task}", f"/attachments/{own.attachment}"):
        assert client.get(path).status_code == 200, path
    inbox = client.get("/inbox").get_data(as_text=True)
    assert f"/tasks/{own.task}" in inbox
    assert not any(f"/tasks/{case.task}" in inbox for case in world.foreign.values())
    headers = {"Authorization": f"Bearer {bearer(app, REP)}"}
    listed = client.get("/api/v1/tasks", headers=headers).get_json()
    assert [row["id"] for row in listed["items"]] == [own.task]
    assert client.get(f"/api/v1/process-instances/{own.id}", headers=headers).status_code == 200
    done = client.post(f"/api/v1/tasks/{own.task}/complete", headers=headers, json={"data": {"decision": "approve"}})
    assert done.status_code == 200, done.get_json()


def test_staff_see_what_they_saw_before(app, world):
    expert = app.test_client()
    login(expert, "expert")
    inbox = expert.get("/inbox").get_data(as_text=True)
    staff_cases = [world.foreign["a cluster case about no firm"], world.foreign["a case of no province"]]
    assert all(f"/tasks/{case.task}" in inbox for case in staff_cases)
    assert f"/tasks/{world.own.task}" not in inbox          # the firm's own task is the firm's
    supervisor = app.test_client()
    login(supervisor, "supervisor")
    for case in [world.own, *world.foreign.values()]:
        assert supervisor.get(f"/cases/{case.id}").status_code == 200
    assert supervisor.get("/cases").status_code == 200


def test_a_firm_task_is_announced_to_its_firms_representatives_only(app, world):
    from web.models import Notice

    with app.app_context(), unit_of_work(write=False) as uow:
        told = {(n.username, n.instance_id) for n in uow.session.scalars(select(Notice))}
    assert (REP, world.own.id) in told
    assert not any(user == REP and case != world.own.id for user, case in told)
    assert not any(case == world.own.id and user != REP for user, case in told)   # staff hold no firm task
