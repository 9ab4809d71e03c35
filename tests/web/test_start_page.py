"""Starting a case from the browser: only the start event's role may, with the start form checked."""
from __future__ import annotations

import pytest

from web.services.errors import Forbidden

from .browser_helpers import csrf_token, login, make_user
from .helpers import DEPUTY, ROOT, deploy, open_tasks, start


@pytest.fixture
def app(sqlite_app):
    with sqlite_app.app_context():
        make_user("sara", ["cluster_expert"], ["tehran"])
        make_user("dara", ["small_industries_deputy"], ["tehran"])
        deploy(ROOT / "examples" / "document_review.bpmn")
    return sqlite_app


def signed_in(app, username):
    client = app.test_client()
    login(client, username)
    return client


def test_the_start_page_lists_what_my_roles_start(app):
    assert "بررسی سند (فرایند نمونه)" in signed_in(app, "sara").get("/start").get_data(as_text=True)
    deputy_page = signed_in(app, "dara").get("/start").get_data(as_text=True)
    assert "بررسی سند (فرایند نمونه)" not in deputy_page
    assert signed_in(app, "dara").get("/start/document_review").status_code == 404


def test_start_with_errors_then_start(app):
    client = signed_in(app, "sara")
    token = csrf_token(client, "/start/document_review")
    refused = client.post("/start/document_review", data={"csrf_token": token, "province": "tehran",
                                                           "title": "قرارداد", "document_number": "صفر"})
    assert refused.status_code == 422 and 'data-error-for="document_number"' in refused.get_data(as_text=True)
    started = client.post("/start/document_review", data={"csrf_token": token, "province": "tehran",
                                                           "title": "قرارداد عامل", "document_number": "۱۲"})
    assert started.status_code == 302
    with app.app_context():
        [task] = open_tasks(1)
    assert started.headers["Location"] == f"/tasks/{task.id}"
    assert "DOC-12" in client.get(started.headers["Location"]).get_data(as_text=True)


def test_other_provinces_cannot_be_chosen(app):
    client = signed_in(app, "sara")
    token = csrf_token(client, "/start/document_review")
    response = client.post("/start/document_review", data={"csrf_token": token, "province": "fars",
                                                            "title": "x", "document_number": "1"})
    assert response.status_code == 403


def test_services_refuse_a_start_by_another_role(app):
    with app.app_context(), pytest.raises(Forbidden):
        start("document_review", {"document_number": 1}, actor=DEPUTY)
