"""What a request reads and writes: a task is shown from the stored state without restoring its workflow,
the case's rows are read once, and completing a task is one write transaction that also drops its drafts.

Statements are counted, never timed (the timings are in `make bench`, bench/request_cost.py).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import event, select

from web import unit_of_work
from web.extensions import db
from web.models import TaskDraft
from web.runtime import current_runtime
from web.services import task_page

from .api_helpers import api, bearer
from .browser_helpers import make_user
from .helpers import EXPERT, ROOT, deploy, open_tasks, start

EXAMPLE = ROOT / "examples" / "document_review.bpmn"


@pytest.fixture
def case(sqlite_app):
    """A document-review case in Tehran with its review task open, and a token of an expert there."""
    with sqlite_app.app_context():
        make_user("sara", ["cluster_expert"], ["tehran"])
        deploy(EXAMPLE)
        outcome = start("document_review", {"document_number": 7, "title": "خوشه فرش دستباف"})
        [task] = open_tasks(outcome.instance_id)
    return sqlite_app, task.id, bearer(sqlite_app, "sara")


@contextmanager
def statements(app) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs."""
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _reads_of(sent: list[str], table: str) -> int:
    return sum(1 for s in sent if s.startswith("SELECT") and f" FROM {table} " in f"{s} ")


def test_a_task_is_shown_from_the_stored_state_and_its_case_read_once(case, monkeypatch):
    app, task_id, token = case
    with app.app_context():
        engine = current_runtime().engine

    def no_restore(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the workflow was restored to show a task")

    monkeypatch.setattr(engine, "loads", no_restore)
    client = app.test_client()
    with statements(app) as sent:
        shown = api(client, "GET", "/tasks/{task_id}", token=token, task_id=task_id)
    assert shown.status_code == 200
    body = shown.get_json()
    assert body["may_complete"] is True and body["data"]["document_number"] == 7
    assert body["data"]["title"] == "خوشه فرش دستباف"
    # the task with its case and the reader's draft, then the case's tasks (with whether it has files or letters)
    # and its events (with their actors' names); every other table at most once
    most = {"task": 2, "event": 1, "attachment": 1, "letter": 1, "task_draft": 0, "process_definition": 1,
            "user_account": 2}   # the token's user, the names of the people in the case
    for table, reads in most.items():
        assert _reads_of(sent, table) <= reads, (table, sent)
    # the token is checked by one read of its own, outside the page's transaction
    assert sent[0].startswith("SELECT user_account.") and [s for s in sent if s.startswith("BEGIN")] == ["BEGIN"]
    assert len(sent) <= 6, sent


def test_a_task_whose_state_cannot_be_read_directly_is_shown_from_the_restored_workflow(case, monkeypatch):
    app, task_id, token = case
    with app.app_context():
        engine = current_runtime().engine
    monkeypatch.setattr(engine, "peek_task", lambda *args, **kwargs: None)   # e.g. an older serializer version
    shown = api(app.test_client(), "GET", "/tasks/{task_id}", token=token, task_id=task_id)
    assert shown.status_code == 200 and shown.get_json()["data"]["document_number"] == 7


def test_completing_is_one_write_transaction_that_drops_the_drafts(case):
    app, task_id, token = case
    with app.app_context():
        runtime = current_runtime()
        task_page.save_draft(task_id, {"comment": "نیمه‌کاره"}, actor=EXPERT, uow=unit_of_work(), clock=runtime.clock)
    with statements(app) as sent:
        done = api(app.test_client(), "POST", "/tasks/{task_id}/complete", token=token,
                   json={"data": {"decision": "rework", "comment": "صفحه ۲ ناقص است"}}, task_id=task_id)
    assert done.status_code == 200
    assert sum(1 for s in sent if s.startswith("BEGIN IMMEDIATE")) == 1, sent
    assert sum(1 for s in sent if s.startswith("COMMIT")) <= 1
    assert _reads_of(sent, "closure") == 0, sent   # the calendar's check rides along with the locking query
    with app.app_context(), unit_of_work(write=False) as uow:
        assert uow.session.scalars(select(TaskDraft).where(TaskDraft.task_id == task_id)).all() == []


def test_a_completion_without_drafts_deletes_none(case):
    app, task_id, token = case
    with statements(app) as sent:
        done = api(app.test_client(), "POST", "/tasks/{task_id}/complete", token=token,
                   json={"data": {"decision": "approve"}}, task_id=task_id)
    assert done.status_code == 200
    assert not [s for s in sent if s.startswith("DELETE FROM task_draft")], sent


def test_starting_over_the_api_is_one_transaction_that_answers_with_the_new_case(case):
    app, _task_id, token = case
    with statements(app) as sent:
        started = api(app.test_client(), "POST", "/process-instances", token=token, json={
            "process_id": "document_review", "province": "tehran", "data": {"document_number": 8, "title": "دوم"}})
    assert started.status_code == 201
    view = started.get_json()
    assert [e["action"] for e in view["history"]][:1] == ["instance_started"] and len(view["open_tasks"]) == 1
    assert sum(1 for s in sent if s.startswith("BEGIN IMMEDIATE")) == 1, sent


def test_the_server_parses_the_deployed_processes_before_its_first_request(case, monkeypatch):
    """`serve --production` warms the runtime before forking: the newest version of each process and those of
    running cases are parsed then, and a request on a case finds its specs without parsing anything."""
    from web.models import ProcessInstance
    from web.runtime import make_runtime

    app, _, _ = case
    with app.app_context():
        runtime = make_runtime(current_runtime().clock)
        with unit_of_work(write=False) as uow:
            assert runtime.warm(uow.session) == 1
            instance = uow.session.scalars(select(ProcessInstance)).one()

            def parse(*args, **kwargs):  # type: ignore[no-untyped-def]
                raise AssertionError("parsed again")

            monkeypatch.setattr(runtime.registry, "load", parse)
            assert runtime.spec_set_of(instance).content_hash == instance.version.content_hash
