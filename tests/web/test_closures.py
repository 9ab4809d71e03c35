"""One-off closures an administrator declares: stored with who and why, and followed by working-day deadlines."""
from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.calendar import to_jalali
from tests.conftest import build_app
from tests.web.helpers import ROOT, deploy, open_tasks, start
from web import unit_of_work
from web.cli import main
from web.models import Closure
from web.runtime import current_runtime
from web.services import closures
from web.services.actors import SYSTEM, Actor
from web.services.errors import Conflict, Forbidden, InvalidInput

ADMIN = Actor("admin", frozenset({"admin"}), frozenset())
EXAMPLE = ROOT / "examples" / "document_review.bpmn"


def declare(day, reason="آلودگی هوا", actor=ADMIN):
    runtime = current_runtime()
    return closures.declare_closure(day, reason, actor=actor, uow=unit_of_work(), runtime=runtime,
                                    clock=runtime.clock)


def review_due(case_number: int) -> str:
    """Start a document review (its review is due in 3 working days) and the Jalali day it is due."""
    outcome = start("document_review", {"document_number": case_number})
    [task] = open_tasks(outcome.instance_id)
    return to_jalali(task.due_at)


def test_a_closure_moves_the_due_date_of_later_tasks(app):
    with app.app_context():
        deploy(EXAMPLE)
        # the clock is at 1405/01/01 (Nowruz); 01/05 Wed, 01/06 Thu and 01/08 Sat are the next working days
        assert review_due(1) == "1405/01/08"
        closure = declare("۱۴۰۵/۰۱/۰۶", "سوگ عمومی")
        assert (closure.jalali, closure.declared_by, closure.reason) == ("1405/01/06", "admin", "سوگ عمومی")
        assert review_due(2) == "1405/01/09"
        assert [c.jalali for c in closures.list_closures(unit_of_work(write=False))] == ["1405/01/06"]


def test_another_worker_follows_a_closure_at_its_next_action(sqlite_url, clock, tmp_path):
    first = build_app(sqlite_url, clock, tmp_path / "first")
    second = build_app(sqlite_url, clock, tmp_path / "second")
    with second.app_context():
        deploy(EXAMPLE)
        assert review_due(1) == "1405/01/08"
    with first.app_context():
        declare("1405/01/05")
    with second.app_context():   # its calendar was loaded before the closure
        assert review_due(2) == "1405/01/09"


@pytest.mark.parametrize("day, reason, actor, error, field", [
    ("1405/01/08", "x", Actor("expert", frozenset({"cluster_expert"}), frozenset({"tehran"})), Forbidden, None),
    ("1405/13/01", "x", ADMIN, InvalidInput, "day"),
    ("2026/04/01", "x", ADMIN, InvalidInput, "day"),
    ("1480/01/05", "x", ADMIN, InvalidInput, "day"),         # outside the official calendar's years
    ("1405/01/08", "  ", ADMIN, InvalidInput, "reason"),
])
def test_bad_declarations_are_refused_and_change_nothing(app, day, reason, actor, error, field):
    with app.app_context():
        with pytest.raises(error) as raised:
            declare(day, reason, actor)
        if field is not None:
            assert field in raised.value.errors
        with unit_of_work(write=False) as uow:
            assert uow.session.scalars(select(Closure)).all() == []


def test_a_day_is_declared_once(app):
    with app.app_context():
        declare(date(2026, 3, 28), actor=SYSTEM)
        with pytest.raises(Conflict, match="1405/01/08 is already closed"):
            declare("1405/01/08")
        assert len(closures.list_closures(unit_of_work(write=False))) == 1


def test_the_cli_declares_and_lists_closures(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTERFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv("CLUSTERFLOW_SECRET_KEY", "test")
    monkeypatch.setenv("CLUSTERFLOW_DATA_DIR", str(tmp_path / "files"))
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    assert run("db", "upgrade").exit_code == 0
    assert run("create-user", "boss", "--role", "admin", "--password-stdin", input="a long password 123\n"
               ).exit_code == 0
    added = run("holidays", "add", "1405/09/03", "--reason", "air pollution", "--user", "boss")
    assert added.exit_code == 0, added.output
    assert "1405/09/03 closed: air pollution (declared by boss)" in added.output
    refused = run("holidays", "add", "1405/09/31", "--reason", "x", "--user", "boss")
    assert refused.exit_code == 1 and "out of range" in refused.output
    unknown = run("holidays", "add", "1405/09/04", "--reason", "x", "--user", "nobody")
    assert unknown.exit_code == 1 and "nobody" in unknown.output
    listed = run("holidays", "list")
    assert listed.exit_code == 0
    assert listed.output.splitlines()[0].split("\t")[::3] == ["1405/09/03", "air pollution"]
    assert listed.output.splitlines()[0].split("\t")[1] == "boss"


# -- the administrators' page ------------------------------------------------------------------------------

@pytest.fixture
def page_app(sqlite_app):
    from .browser_helpers import make_user

    with sqlite_app.app_context():
        make_user("boss", ["admin"], [])
        make_user("sara", ["cluster_expert"], ["tehran"])
    return sqlite_app


def signed_in(app, username):
    from .browser_helpers import login

    client = app.test_client()
    login(client, username)
    return client


def test_an_administrator_declares_a_closure_on_the_page(page_app):
    from .browser_helpers import csrf_token

    client = signed_in(page_app, "boss")
    page = client.get("/admin/closures").get_data(as_text=True)
    assert 'data-testid="nav-closures"' in page and "هیچ تعطیلی‌ای اعلام نشده است." in page
    token = csrf_token(client, "/admin/closures")
    refused = client.post("/admin/closures", data={"csrf_token": token, "day": "1405/13/01", "reason": ""})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert 'data-error-for="day"' in text and 'data-error-for="reason"' in text
    with page_app.app_context():
        assert closures.list_closures(unit_of_work(write=False)) == []
    done = client.post("/admin/closures", data={"csrf_token": token, "day": "۱۴۰۵/۰۹/۰۳", "reason": "آلودگی هوا"})
    assert done.status_code == 302
    listed = client.get("/admin/closures").get_data(as_text=True)
    assert "۱۴۰۵/۰۹/۰۳" in listed and "آلودگی هوا" in listed and "boss" in listed
    again = client.post("/admin/closures", data={"csrf_token": token, "day": "1405/09/03", "reason": "دوباره"})
    assert again.status_code == 409 and "این روز پیش‌تر تعطیل اعلام شده است." in again.get_data(as_text=True)


def test_the_page_is_for_administrators_only(page_app):
    from .browser_helpers import csrf_token

    client = signed_in(page_app, "sara")
    assert client.get("/admin/closures").status_code == 403
    assert 'data-testid="nav-closures"' not in client.get("/start").get_data(as_text=True)
    token = csrf_token(client, "/start")
    assert client.post("/admin/closures", data={"csrf_token": token, "day": "1405/09/03", "reason": "x"}
                       ).status_code == 403
    with page_app.app_context():
        assert closures.list_closures(unit_of_work(write=False)) == []
