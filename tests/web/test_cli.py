"""The `clusterflow` command as an operator uses it."""
from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import time_machine
from click.testing import CliRunner

from web.cli import main

ROOT = Path(__file__).resolve().parents[2]
MIWG = Path(os.environ.get("CLUSTERFLOW_MIWG_DIR", ROOT.parent / "shared" / "conformance" / "miwg"))
PROBLEM_LINE = re.compile(r"^\S[^:]*(:\d+)?( \S+)?: .+$")


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTERFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv("CLUSTERFLOW_SECRET_KEY", "test")
    monkeypatch.setenv("CLUSTERFLOW_DATA_DIR", str(tmp_path / "files"))
    runner = CliRunner()

    def run(*args: str, input: str | None = None, ok: bool = True):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    run("db", "upgrade")
    return run


def task_ids(output: str) -> list[str]:
    return re.findall(r"task ([0-9a-f-]{36})", output)


def test_example_runs_start_to_finish_through_the_cli(cli):
    assert "ok: 1 file(s)" in cli("validate", "examples/document_review.bpmn").output
    assert "deployed version 1: document_review" in cli("deploy", "examples/", "--reason", "first").output
    assert "unchanged, already version 1" in cli("deploy", "examples/").output

    started = cli("start", "document_review", "--data", '{"title": "Lease", "document_number": 7}',
                  "--province", "tehran").output
    assert "instance 1: running" in started and "cluster_expert  review_document" in started
    [review] = task_ids(started)
    [rework] = task_ids(cli("complete", review, "--data", '{"decision": "rework"}').output)
    assert rework != review
    cli("complete", rework, "--data", '{"decision": "approve"}')
    assert task_ids(cli("tasks").output) == []

    refused = cli("send-message", "permit_issued", "--correlation", '{"reference": "DOC-8"}', ok=False)
    assert refused.exit_code == 1 and "no case waits for message 'permit_issued'" in refused.output
    done = cli("send-message", "permit_issued", "--correlation", '{"reference": "DOC-7"}', "--payload", '{"no": 1}')
    assert "instance 1: completed" in done.output


def test_timers_fire_through_the_cli_once(cli):
    cli("deploy", "examples/")
    [review] = task_ids(cli("start", "document_review", "--data", '{"title": "Lease", "document_number": 1}').output)
    assert "0 timer(s) fired" in cli("run-timers").output
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(days=6), tick=False):
        assert "fired review_overdue in instance 1" in cli("run-timers").output
        assert "0 timer(s) fired" in cli("run-timers").output
        listing = cli("tasks").output
    assert "small_industries_deputy  escalated_review" in listing and review not in listing


def test_bad_input_gets_a_clear_message_and_changes_nothing(cli, tmp_path):
    bad = tmp_path / "bad.bpmn"
    bad.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x>&e;</x>')
    result = cli("deploy", str(bad), ok=False)
    assert result.exit_code == 1 and f"{bad}:2" in result.output and "DOCTYPE" in result.output
    assert "root:" not in result.output
    assert cli("start", "document_review", ok=False).output.strip() == "error: no deployed process 'document_review'"
    cli("deploy", "examples/")
    result = cli("start", "document_review", "--data", "{not json", ok=False)
    assert result.exit_code == 2 and "not JSON" in result.output
    assert cli("tasks").output.strip() == ""
    result = cli("complete", "0" * 8 + "-0000-0000-0000-" + "0" * 12, "--data", "{}", ok=False)
    assert "no task" in result.output


def test_start_and_complete_check_the_forms_as_the_api_does(cli):
    """One line per problem (field: message), exit 1, no traceback, nothing started or completed."""
    cli("deploy", "examples/")
    result = cli("start", "document_review", "--data", '{"document_number": "five", "extra": 1}', ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert sorted(result.output.strip().splitlines()) == [
        "document_number: Must be a number.", "extra: This field is not in the form.",
        "title: This field is required."]
    assert cli("tasks").output.strip() == ""
    result = cli("start", "document_review", "--data", "[1, 2]", ok=False)
    assert result.exit_code == 2 and "must be a JSON object" in result.output
    [review] = task_ids(cli("start", "document_review", "--data", '{"title": "Lease", "document_number": 3}').output)
    result = cli("complete", review, "--data", '{"decision": 5}', ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert [line.split(":")[0] for line in result.output.strip().splitlines()] == ["decision"]
    assert task_ids(cli("tasks").output) == [review]              # still open: nothing was completed


def test_create_user_hashes_the_password_and_checks_roles(cli):
    assert "created user sara" in cli("create-user", "sara", "--role", "cluster_expert", "--province", "tehran",
                                       "--password-stdin", input="correct horse battery\n").output
    assert cli("create-user", "sara", "--role", "cluster_expert", "--password-stdin",
               input="another password\n", ok=False).exit_code == 1
    assert cli("create-user", "bob", "--role", "no_such_role", "--password-stdin", input="x" * 10 + "\n",
               ok=False).exit_code == 2
    short = cli("create-user", "bob", "--role", "cda", "--password-stdin", input="short\n", ok=False)
    assert "at least 8 characters" in short.output
    assert "password of sara changed" in cli("set-password", "sara", "--password-stdin",
                                             input="a brand new password\n").output
    assert cli("set-password", "nobody", "--password-stdin", input="whatever-it-is\n", ok=False).exit_code == 1

    from sqlalchemy import select

    from web import create_app, unit_of_work
    from web.models import User

    with create_app().app_context(), unit_of_work(write=False) as uow:
        user = uow.session.scalar(select(User).where(User.username == "sara"))
        assert user.role_ids == {"cluster_expert"} and user.province_ids == {"tehran"}
        assert "a brand new" not in user.password_hash and user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        from werkzeug.security import check_password_hash

        assert check_password_hash(user.password_hash, "a brand new password")


def test_roles_and_provinces_are_listed_id_first(cli):
    roles = cli("roles").output.splitlines()
    assert roles[0].split("\t")[0] == "cluster_expert" and len(roles) == 13
    provinces = cli("provinces").output.splitlines()
    assert len(provinces) == 31 and "tehran\tتهران\tTehran" in provinces


@pytest.mark.skipif(not MIWG.is_dir(), reason=f"MIWG reference models not found at {MIWG}")
@pytest.mark.parametrize("name", sorted(p.name for p in MIWG.glob("*.bpmn")) if MIWG.is_dir() else [])
def test_validate_reports_miwg_models_precisely(cli, name):
    result = cli("validate", str(MIWG / name), ok=False)
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line and not line.startswith(("ok:",))]
    problems = [line for line in lines if "problem(s) in" not in line]
    assert all(PROBLEM_LINE.match(line) for line in problems), problems
    assert all(line.startswith(str(MIWG / name)) for line in problems)


def test_validate_reports_a_broken_letter_template_at_its_line(cli, tmp_path):
    import shutil

    folder = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", folder)
    (folder / "letters" / "permit.html").write_text("<p>مجوز</p>\n<p>{% if permit_no %}</p>\n", encoding="utf-8")
    result = cli("validate", str(folder), ok=False)
    assert result.exit_code == 1
    assert f"{folder / 'letters' / 'permit.html'}:2: Unexpected end of template" in result.output
def test_validate_reports_scripts_the_sandbox_refuses_and_deploy_refuses_them(cli):
    refused = ROOT / "tests" / "engine" / "fixtures" / "validation" / "scripts" / "refused.bpmn"
    result = cli("validate", str(refused), ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{refused}:8 reads_class: the script: Script refused: Line 2: \"__class__\" is an invalid" in result.output
    assert f"{refused}:13 imports_time: the script: Script refused: Line 1: import statements are not allowed" \
        in result.output
    deployed = cli("deploy", str(refused), ok=False)
    assert deployed.exit_code == 1 and "import statements are not allowed" in deployed.output
    assert "Traceback" not in deployed.output


def test_a_process_without_is_executable_is_validated_with_a_warning_and_deployed(cli, tmp_path):
    source = (ROOT / "examples" / "document_review.bpmn").read_text(encoding="utf-8")
    path = tmp_path / "document_review.bpmn"
    path.write_text(source.replace(' isExecutable="true"', "", 1), encoding="utf-8")
    result = cli("validate", str(path))
    assert f"{path}:12 document_review: warning: process 'document_review' has no isExecutable attribute" \
        in result.output
    assert "ok: 1 file(s)" in result.output
    assert "deployed version 1: document_review" in cli("deploy", str(path)).output
    started = cli("start", "document_review", "--data", '{"title": "Lease", "document_number": 7}', "--province", "tehran").output
    assert "instance 1: running" in started and "review_document" in started
