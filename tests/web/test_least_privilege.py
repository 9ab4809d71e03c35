"""Least privilege: designing processes or administering users is no reason to read cases; files are
stored only for someone allowed to complete the task they come with."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from web import unit_of_work
from web.models import Attachment, Comment
from web.runtime import current_runtime
from web.services.actors import SYSTEM, Actor
from web.services.attachments import store_uploads

from .api_helpers import api, bearer
from .browser_helpers import csrf_token, login, make_user
from .helpers import ROOT, deploy, open_tasks, start

PDF = b"%PDF-1.7 the permit"


@pytest.fixture
def case(sqlite_app):
    """A Tehran case whose open task holds a file field and belongs to the ISIPO expert (a national role)."""
    source = (ROOT / "examples" / "document_review.bpmn").read_text(encoding="utf-8")
    source = source.replace('value="cluster_expert"', 'value="isipo_expert"') \
        .replace('value="document_review_decision"', 'value="permit_decision"')
    path = sqlite_app.instance_path + "/isipo_review.bpmn"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(source)
    with sqlite_app.app_context():
        for name, roles, provinces in (("designer", ["process_designer"], ["tehran"]), ("root", ["admin"], []),
                                       ("sup", ["supervisor"], ["tehran"]), ("ceo", ["company_ceo"], ["tehran"]),
                                       ("dep", ["small_industries_deputy"], ["tehran"]),
                                       ("hq", ["isipo_expert"], []),
                                       ("both", ["process_designer", "supervisor"], ["tehran"])):
            make_user(name, roles, provinces)
        deploy(path)
        outcome = start("document_review", {"document_number": 7, "title": "case"}, actor=SYSTEM)
        [task] = open_tasks(outcome.instance_id)
        [stored] = store_uploads([(io.BytesIO(PDF), "permit.pdf")], Path(sqlite_app.config["DATA_DIR"]),
                                 instance_id=outcome.instance_id, task_id=task.id, field="permit_file",
                                 actor=Actor("hq", frozenset({"isipo_expert"})), uow=unit_of_work(),
                                 clock=current_runtime().clock)
    return sqlite_app, outcome.instance_id, task.id, stored.id


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.mark.parametrize("username", ["designer", "root"])
def test_designers_and_administrators_see_no_case_task_or_attachment(case, username):
    app, instance_id, task_id, attachment_id = case
    client = signed_in(app, username)
    assert client.get(f"/cases/{instance_id}").status_code == 404
    assert client.get(f"/tasks/{task_id}").status_code == 404
    assert client.get(f"/attachments/{attachment_id}").status_code == 404
    assert client.get("/cases").status_code == 403
    token = csrf_token(client, "/inbox")
    assert client.post(f"/tasks/{task_id}/comments", data={"comment": "hi", "csrf_token": token}).status_code == 404
    bearer_token = bearer(app, username)
    assert api(client, "GET", "/process-instances/{instance_id}", token=bearer_token,
               instance_id=instance_id).status_code == 404
    assert api(client, "GET", "/tasks/{task_id}", token=bearer_token, task_id=task_id).status_code == 404
    assert api(client, "GET", "/tasks", token=bearer_token).get_json()["total"] == 0
    with app.app_context(), unit_of_work(write=False) as uow:
        assert uow.session.scalar(select(func.count(Comment.id))) == 0


def test_a_designer_who_also_supervises_the_province_sees_its_cases(case):
    app, instance_id, task_id, attachment_id = case
    client = signed_in(app, "both")
    assert client.get(f"/cases/{instance_id}").status_code == 200
    assert client.get(f"/tasks/{task_id}").status_code == 200
    assert client.get(f"/attachments/{attachment_id}").data == PDF


@pytest.mark.parametrize("username", ["sup", "ceo", "dep"])
def test_a_refused_upload_leaves_no_file(case, username):
    app, instance_id, task_id, _ = case
    data_dir = Path(app.config["DATA_DIR"])
    before = sorted(p.name for p in (data_dir / "attachments").rglob("*") if p.is_file())
    client = signed_in(app, username)
    answer = client.post(f"/tasks/{task_id}", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, f"/tasks/{task_id}"), "action": "submit", "permit_status": "issued",
        "permit_file": (io.BytesIO(PDF), "permit.pdf")})
    assert answer.status_code == 403
    with app.app_context(), unit_of_work(write=False) as uow:
        assert uow.session.scalar(select(func.count(Attachment.id))) == 1        # only the fixture's
    assert sorted(p.name for p in (data_dir / "attachments").rglob("*") if p.is_file()) == before


def test_the_tasks_own_role_may_upload(case):
    app, instance_id, task_id, _ = case
    client = signed_in(app, "hq")
    client.post(f"/tasks/{task_id}", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, f"/tasks/{task_id}"), "action": "submit", "permit_status": "issued",
        "permit_file": (io.BytesIO(PDF), "permit.pdf")})
    with app.app_context(), unit_of_work(write=False) as uow:
        assert uow.session.scalar(select(func.count(Attachment.id))) == 2
