"""The task page in the browser's terms: see the case, fill the form, fix errors, submit, attach, comment."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from web import unit_of_work
from web.models import Attachment, TaskRecord

from .browser_helpers import csrf_token, login, make_user
from .helpers import ROOT, deploy, open_tasks, start


@pytest.fixture
def case(sqlite_app):
    with sqlite_app.app_context():
        make_user("sara", ["cluster_expert"], ["tehran"])
        make_user("reza", ["cluster_expert"], ["fars"])
        make_user("dara", ["small_industries_deputy"], ["tehran"])
        deploy(ROOT / "examples" / "document_review.bpmn")
        outcome = start("document_review", {"document_number": 7}, province="tehran")
        [task] = open_tasks(outcome.instance_id)
    return sqlite_app, task.id


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def post_form(client, task_id, data, files=None):
    form = {"csrf_token": csrf_token(client, f"/tasks/{task_id}"), **data}
    if files:
        form.update(files)
    return client.post(f"/tasks/{task_id}", data=form, content_type="multipart/form-data")


def test_task_page_shows_context_instructions_and_form(case):
    app, task_id = case
    page = signed_in(app, "sara").get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "بررسی سند" in page and "DOC-7" in page                       # instructions rendered with data
    assert 'name="decision"' in page and "نیاز به اصلاح" in page           # the form from forms/definitions
    assert "۱۴۰۵" in page                                               # Jalali dates in Persian digits


def test_error_at_the_field_then_fix_and_submit(case):
    app, task_id = case
    client = signed_in(app, "sara")
    refused = post_form(client, task_id, {"action": "submit", "comment": "<script>alert(1)</script>"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'data-error-for="decision">این فیلد الزامی است', body)
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    with app.app_context():
        assert open_tasks(1)[0].id == task_id                            # nothing changed
    done = post_form(client, task_id, {"action": "submit", "decision": "rework", "comment": "ok"})
    assert done.status_code == 302
    with app.app_context():
        [next_task] = open_tasks(1)
    assert done.headers["Location"] == f"/tasks/{next_task.id}"          # straight to my next task
    replay = post_form(client, task_id, {"action": "submit", "decision": "approve"})
    assert replay.status_code == 409


def test_draft_is_kept_for_its_author(case):
    app, task_id = case
    client = signed_in(app, "sara")
    post_form(client, task_id, {"action": "draft", "comment": "نیمه‌کاره"})
    assert "نیمه‌کاره" in client.get(f"/tasks/{task_id}").get_data(as_text=True)


def test_other_province_and_other_role(case):
    app, task_id = case
    assert signed_in(app, "reza").get(f"/tasks/{task_id}").status_code == 404
    deputy = signed_in(app, "dara")
    page = deputy.get(f"/tasks/{task_id}").get_data(as_text=True)        # a supervising role may look...
    assert 'data-testid="submit"' not in page
    assert post_form(deputy, task_id, {"action": "submit", "decision": "approve"}).status_code == 403  # ...not act


def test_comments_are_escaped(case):
    app, task_id = case
    client = signed_in(app, "sara")
    client.post(f"/tasks/{task_id}/comments", data={"comment": "<b>مهم</b>",
                                                   "csrf_token": csrf_token(client, f"/tasks/{task_id}")})
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "&lt;b&gt;مهم&lt;/b&gt;" in page


def test_attachments_are_checked_stored_and_guarded(case, tmp_path):
    app, task_id = case
    with app.app_context():
        from web.services.attachments import check_upload

        with pytest.raises(Exception, match="not really a .pdf"):
            check_upload("fake.pdf", b"MZ\x90\x00 not a pdf", 20)
        with pytest.raises(Exception, match="not accepted"):
            check_upload("run.exe", b"MZ", 2)
        from web.services import attachments as module
        from web.services.actors import Actor

        with unit_of_work() as uow:
            stored = module.store(uow.session, tmp_path, io.BytesIO(b"%PDF-1.7 minutes"), "minutes.pdf",
                                  instance_id=1, task_id=task_id, field="x",
                                  actor=Actor("sara", frozenset({"cluster_expert"}), frozenset({"tehran"})),
                                  clock=__import__("engine.clock", fromlist=["FrozenClock"]).FrozenClock())
            uow.commit()
        assert (tmp_path / "attachments" / stored.id[:2] / stored.id).read_bytes() == b"%PDF-1.7 minutes"
        assert stored.sha256 == __import__("hashlib").sha256(b"%PDF-1.7 minutes").hexdigest()
    app.config["DATA_DIR"] = str(tmp_path)
    assert signed_in(app, "sara").get(f"/attachments/{stored.id}").data == b"%PDF-1.7 minutes"
    assert signed_in(app, "reza").get(f"/attachments/{stored.id}").status_code == 404
    with app.app_context(), unit_of_work(write=False) as uow:
        assert uow.session.scalar(select(Attachment.size).where(Attachment.id == stored.id)) == 16
        assert uow.session.get(TaskRecord, task_id).status == "open"


@pytest.mark.parametrize("template", [
    "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",  # too slow
    "{{ ('a' * 300000000)|length }}",                                                     # too big
    "{{ 'x'.ljust(1000000000) }}",
    "سند {{ reference.count('D') / (review_round or 0) }}",                              # fails
])
def test_instructions_that_cannot_be_shown_leave_a_plain_message_not_an_error(sqlite_app, tmp_path, template):
    source = (ROOT / "examples" / "document_review.bpmn").read_text(encoding="utf-8")
    original = "سند شماره {{ reference }} را بررسی و تصمیم خود را ثبت کنید."
    assert original in source
    path = tmp_path / "document_review.bpmn"
    path.write_text(source.replace(original, template.replace("<", "&lt;")), encoding="utf-8")
    with sqlite_app.app_context():
        make_user("sara", ["cluster_expert"], ["tehran"])
        deploy(path)
        outcome = start("document_review", {"document_number": 7}, province="tehran")
        [task] = open_tasks(outcome.instance_id)
    response = signed_in(sqlite_app, "sara").get(f"/tasks/{task.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "دستورالعمل این کار قابل نمایش نیست." in page
    assert "reference" not in page and "ljust" not in page and "range(" not in page   # never the raw template
    assert 'name="decision"' in page                                                    # the task is still workable
