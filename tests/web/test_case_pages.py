"""The supervisors' pages: case list, export, case page with its diagram state, actions with reasons."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook

from .browser_helpers import csrf_token, login, make_user
from .helpers import ROOT, deploy, open_tasks, start


@pytest.fixture
def app(sqlite_app):
    with sqlite_app.app_context():
        make_user("sup", ["supervisor"], ["tehran"])
        make_user("sup_fars", ["supervisor"], ["fars"])
        make_user("sara", ["cluster_expert"], ["tehran"])
        deploy(ROOT / "examples" / "document_review.bpmn")
        start("document_review", {"document_number": 1, "title": "خوشه فرش کاشان"})
        start("document_review", {"document_number": 2, "title": "خوشه سنگ"})
    return sqlite_app


def signed_in(app, username):
    client = app.test_client()
    login(client, username)
    return client


def test_case_list_filters_and_exports(app):
    client = signed_in(app, "sup")
    page = client.get("/cases?cluster=فرش").get_data(as_text=True)
    assert "خوشه فرش کاشان" in page and "خوشه سنگ" not in page
    assert "کارشناس خوشه" in page                                        # who holds it, by role name
    exported = client.get("/cases/export.csv?cluster=فرش")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][0] == "پرونده" and rows[1][1] == "خوشه فرش کاشان" and len(rows) == 2
    book = load_workbook(io.BytesIO(client.get("/cases/export.xlsx").data))
    assert book.active.sheet_view.rightToLeft and book.active.max_row == 3
    bad = client.get("/cases?from=1405/13/40")
    assert bad.status_code == 422 and 'data-testid="filter-errors"' in bad.get_data(as_text=True)


def test_case_list_is_for_supervisors_in_their_scope(app):
    assert signed_in(app, "sara").get("/cases").status_code == 403
    assert "خوشه سنگ" not in signed_in(app, "sup_fars").get("/cases").get_data(as_text=True)
    assert signed_in(app, "sup_fars").get("/cases/1").status_code == 404
    assert signed_in(app, "sup").get("/cases/999").status_code == 404


def test_case_page_marks_the_active_task_and_keeps_history(app):
    with app.app_context():
        from .helpers import complete

        [task] = open_tasks(1)
        complete(task.id, {"decision": "rework"})
    client = signed_in(app, "sup")
    page = client.get("/cases/1").get_data(as_text=True)
    payload = json.loads(re.search(r'<script id="case-diagram" type="application/json">(.*?)</script>', page,
                                   re.S).group(1))
    assert 'id="document_review"' in payload["xml"]
    assert payload["states"]["review_document"] == "active"
    assert payload["states"]["prepare_reference"] == "completed" and payload["states"]["count_round"] == "completed"
    assert payload["states"]["review_overdue"] == "waiting"
    assert "rework" in page                                              # the data submitted, in the timeline


def test_suspend_with_a_reason_shows_in_history(app):
    client = signed_in(app, "sup")
    token = csrf_token(client, "/cases/1")
    client.post("/cases/1/suspend", data={"csrf_token": token, "reason": ""})
    assert 'data-testid="case-status">در حال اجرا' in client.get("/cases/1").get_data(as_text=True)
    client.post("/cases/1/suspend", data={"csrf_token": token, "reason": "منتظر نامهٔ استانداری"})
    page = client.get("/cases/1").get_data(as_text=True)
    assert 'data-testid="case-status">متوقف' in page and "منتظر نامهٔ استانداری" in page
    assert signed_in(app, "sara").get("/inbox").get_data(as_text=True).count("data-task-id") == 1
