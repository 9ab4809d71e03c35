"""Hostile input and the answers' headers: no input gives a 5xx; every answer carries the security headers;
behind a TLS proxy cookies are Secure."""
from __future__ import annotations

import json

import pytest

from web import create_app

from .api_helpers import api, bearer
from .browser_helpers import PASSWORD, csrf_token, login, make_user
from .helpers import deploy, open_tasks, start
from .test_api import EXAMPLE

HUGE = "9" * 30   # far past 64 bits


@pytest.fixture
def site(sqlite_app):
    with sqlite_app.app_context():
        make_user("sara", ["cluster_expert", "supervisor"], ["tehran"])
        make_user("pat", ["process_designer"], [])
        deploy(EXAMPLE)
        outcome = start("document_review", {"document_number": 7, "title": "case"})
        [task] = open_tasks(outcome.instance_id)
    client = sqlite_app.test_client()
    assert login(client, "sara").status_code == 302
    return sqlite_app, client, task.id, bearer(sqlite_app, "sara")


def assert_security_headers(response):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"


def test_security_headers_on_html_json_static_and_error_answers(site):
    app, client, task_id, token = site
    answers = [client.get("/inbox"), client.get(f"/tasks/{task_id}"), client.get("/login"),
               api(client, "GET", "/health"), api(client, "GET", "/tasks", token=token),
               client.get("/api/v1/openapi.json"), client.get("/static/app.css"), client.get("/static/task_form.js"),
               client.get("/no/such/page"), api(client, "GET", "/tasks")]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 200, 200, 200, 404, 401]
    for answer in answers:
        assert_security_headers(answer)


def test_no_page_carries_an_inline_script(site):
    app, client, task_id, _ = site
    designer = app.test_client()
    login(designer, "pat")
    answers = [client.get(p) for p in ("/inbox", f"/tasks/{task_id}", "/cases", "/cases/1", "/dashboard", "/start")]
    answers += [designer.get(p) for p in ("/designer/", "/designer/model?version=1",
                                          "/designer/compare?process=document_review&a=1&b=1")]
    assert [a.status_code for a in answers] == [200] * len(answers)
    for page in (a.get_data(as_text=True) for a in answers):
        for block in page.split("<script")[1:]:
            head = block.split(">", 1)[0]
            assert "src=" in head or 'type="application/json"' in head, head
        assert " onclick=" not in page and " onload=" not in page and "javascript:" not in page


def test_behind_a_tls_proxy_the_session_cookie_is_secure(tmp_path, clock):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'proxy.sqlite'}", "TESTING": True,
                      "SECRET_KEY": "test", "DATA_DIR": str(tmp_path / "files"), "PROXY_COUNT": 1}, clock=clock)
    with app.app_context():
        upgrade()
        make_user("sara", ["cluster_expert"], ["tehran"])
    client = app.test_client()
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7", "X-Forwarded-Host": "cf.example"}
    page = client.get("/login", headers=proxied)
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    signed_in = client.post("/login", headers={**proxied, "Referer": "https://cf.example/login"},
                            data={"username": "sara", "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    assert "Secure" in signed_in.headers["Set-Cookie"]
    from web.services.auth import recent_failures  # noqa: F401 - the address is the client's, not the proxy's
    with app.app_context():
        from sqlalchemy import select

        from web import unit_of_work
        from web.models import LoginAttempt

        with unit_of_work(write=False) as uow:
            assert uow.session.scalar(select(LoginAttempt.address)) == "198.51.100.7"


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(sqlite_app):
    with sqlite_app.app_context():
        make_user("sara", ["cluster_expert"], ["tehran"])
    client = sqlite_app.test_client()
    token = csrf_token(client)
    answer = client.post("/login", headers={"X-Forwarded-Proto": "https"},
                         data={"username": "sara", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 302 and "Secure" not in answer.headers["Set-Cookie"]


@pytest.mark.parametrize("path, expected", [
    (f"/cases/{HUGE}", 404), (f"/tasks/{HUGE}", 404), (f"/attachments/{HUGE}", 404),
    (f"/inbox?page={HUGE}", 200), (f"/inbox?q={HUGE}", 200), ("/inbox?q=%C2%B2", 200), ("/inbox?page=%C2%B2", 200),
    ("/inbox?q=%00", 400), ("/inbox?cluster=a%00b", 400), (f"/tasks/a%00b", 400),
    (f"/cases?page={HUGE}", 422), (f"/cases?version={HUGE}", 422), ("/cases?version=%C2%B2", 200),
    (f"/designer/model?version={HUGE}", 200), (f"/designer/versions/{HUGE}/cases", 404),
])
def test_hostile_query_and_path_values_give_no_server_error(site, path, expected):
    app, client, _, _ = site
    if path.startswith("/designer"):
        client = app.test_client()
        login(client, "pat")
    assert client.get(path).status_code == expected


@pytest.mark.parametrize("route, query, expected", [
    ("/tasks", {"page": HUGE}, 422), ("/tasks", {"q": HUGE}, 200), ("/tasks", {"q": "²"}, 200),
    ("/tasks", {"q": "\x00"}, 400), ("/process-instances", {"version": HUGE}, 422),
    ("/process-instances", {"page": HUGE}, 422), (f"/process-instances/{HUGE}", None, 404),
    (f"/process-definitions/document_review/versions/{HUGE}", None, 404), (f"/tasks/{HUGE}", None, 404),
])
def test_hostile_api_queries_give_no_server_error(site, route, query, expected):
    app, client, _, token = site
    assert api(client, "GET", route, token=token, query=query).status_code == expected


@pytest.mark.parametrize("body", [
    '{"data": {"comment": "\\ud800"}}',                       # a lone surrogate
    '{"data": {"comment": "a\\u0000b"}}',                     # a NUL character
    '{"data": {"\\udfff": 1}}',                               # ... in a key
    '{"data": ' + "[" * 50_000 + "]" * 50_000 + "}",          # nested 50,000 deep
])
def test_hostile_json_is_refused_at_the_boundary(site, body):
    app, client, task_id, token = site
    answer = api(client, "POST", "/tasks/{task_id}/complete", token=token, body=body, task_id=task_id)
    assert answer.status_code == 400 and answer.get_json()["error"] == "MalformedJSON"
    with app.app_context():
        assert [t.id for t in open_tasks(1)] == [task_id]      # nothing changed


@pytest.mark.parametrize("body", ["[" * 50_000 + "]" * 50_000, '{"files": {"a.bpmn": "\\ud800"}}',
                                  json.dumps({"files": {}, "based_on": int(HUGE)}),
                                  json.dumps({"files": {}, "draft_id": int(HUGE)})])
def test_hostile_json_to_the_modeler_is_refused(site, body):
    app, _, _, _ = site
    designer = app.test_client()
    login(designer, "pat")
    token = csrf_token(designer, "/designer/model")
    for route in ("/designer/validate", "/designer/drafts", "/designer/deploy"):
        answer = designer.post(route, data=body, content_type="application/json", headers={"X-CSRFToken": token})
        assert answer.status_code == 422, (route, answer.status_code)


def test_form_posts_with_a_nul_character_are_refused(site):
    app, client, task_id, _ = site
    token = csrf_token(client, f"/tasks/{task_id}")
    answer = client.post(f"/tasks/{task_id}/comments", data={"comment": "a\x00b", "csrf_token": token})
    assert answer.status_code == 400


@pytest.mark.parametrize("target", ["/inbox\nSet-Cookie: x=1", "/inbox\r\n", "https://evil.example/",
                                    "//evil.example/", "/\\evil.example", "http:/evil.example", " /inbox",
                                    "/%0d%0aSet-Cookie:x"])
def test_redirects_after_sign_in_go_only_to_local_paths(sqlite_app, target):
    with sqlite_app.app_context():
        make_user("sara", ["cluster_expert"], ["tehran"])
    client = sqlite_app.test_client()
    answer = client.post("/login", data={"username": "sara", "password": PASSWORD, "next": target,
                                         "csrf_token": csrf_token(client)})
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location in ("/inbox", target) and "\n" not in location and "evil" not in location
    assert json.dumps(location)  # a plain string


def test_the_cli_says_to_upgrade_a_database_that_never_was(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from web.cli import main

    monkeypatch.setenv("CLUSTERFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    monkeypatch.setenv("CLUSTERFLOW_SECRET_KEY", "test")
    monkeypatch.setenv("CLUSTERFLOW_DATA_DIR", str(tmp_path / "files"))
    for args in (["tasks"], ["sign-in-failures"], ["start", "document_review", "--data", "{}"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert result.output.strip().splitlines() == ["error: the database has no tables yet: run `clusterflow db upgrade`"]
