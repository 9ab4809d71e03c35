"""Health and readiness as a load balancer uses them; request ids and JSON log lines as an operator reads them."""
from __future__ import annotations

import io
import json
import logging

from web.logs import configure_logging
from web.services.health import add_readiness_check

from .api_helpers import api


def test_liveness_and_readiness_answer_without_a_token(sqlite_app):
    client = sqlite_app.test_client()
    assert api(client, "GET", "/health/live").get_json() == {"status": "ok"}
    ready = api(client, "GET", "/health/ready")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "checks": {"database": "ok"}}


def test_readiness_fails_with_503_naming_the_failing_check(sqlite_app, caplog):
    add_readiness_check(sqlite_app, "worker", lambda: "no worker heartbeat for 120 s")
    client = sqlite_app.test_client()
    answer = api(client, "GET", "/health/ready")
    assert answer.status_code == 503
    assert answer.get_json() == {"status": "unavailable",
                                 "checks": {"database": "ok", "worker": "no worker heartbeat for 120 s"}}

    def broken() -> None:
        raise ConnectionError("connection to server at 10.0.0.5 refused")

    add_readiness_check(sqlite_app, "worker", broken)
    with caplog.at_level(logging.ERROR):
        answer = api(client, "GET", "/health/ready")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["worker"] == "failed (see the server log)"   # no host in a public answer
    assert "10.0.0.5" not in answer.get_data(as_text=True) and "10.0.0.5" in caplog.text
    assert api(client, "GET", "/health/live").status_code == 200                  # alive all the same


def test_readiness_is_503_when_the_database_is_gone(sqlite_app, tmp_path):
    from web.extensions import db

    with sqlite_app.app_context():
        db.engine.dispose()
    (tmp_path / "test.sqlite").unlink()
    (tmp_path / "test.sqlite").mkdir()  # a directory where the database file was: SQLite cannot open it
    answer = api(sqlite_app.test_client(), "GET", "/health/ready")
    assert answer.status_code == 503 and answer.get_json()["checks"]["database"] != "ok"


def test_request_id_is_echoed_or_made_and_in_every_log_line_of_the_request(sqlite_app):
    stream = io.StringIO()
    handler = configure_logging("json", "INFO", stream)

    @sqlite_app.get("/_log_twice")
    def log_twice():  # a view that logs, as services do
        logging.getLogger("web.services.example").warning("first %s", "line")
        logging.getLogger("sqlalchemy.example").warning("another library's line")
        return "done"

    try:
        client = sqlite_app.test_client()
        given = client.get("/_log_twice", headers={"X-Request-ID": "lb-7f3a.1"})
        made = client.get("/api/v1/health/live")
        hostile = client.get("/api/v1/health/live", headers={"X-Request-ID": 'x" forged="1'})
    finally:
        logging.getLogger().removeHandler(handler)
    assert given.headers["X-Request-ID"] == "lb-7f3a.1"
    assert len(made.headers["X-Request-ID"]) == 32
    assert hostile.headers["X-Request-ID"] not in ('x" forged="1', made.headers["X-Request-ID"])

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    mine = [line for line in lines if line["request_id"] == "lb-7f3a.1"]
    assert [line["message"] for line in mine] == ["first line", "another library's line", "GET /_log_twice 200"]
    access = mine[-1]
    assert access["logger"] == "clusterflow.access" and access["status"] == 200 and access["path"] == "/_log_twice"
    assert {"time", "level", "duration_ms"} <= set(access)
    assert any(line["request_id"] == made.headers["X-Request-ID"] for line in lines)


def test_text_log_lines_carry_the_request_id_too(sqlite_app):
    stream = io.StringIO()
    handler = configure_logging("text", "INFO", stream)
    try:
        sqlite_app.test_client().get("/api/v1/health/live", headers={"X-Request-ID": "req-42"})
    finally:
        logging.getLogger().removeHandler(handler)
    assert "[req-42] GET /api/v1/health/live 200" in stream.getvalue()
