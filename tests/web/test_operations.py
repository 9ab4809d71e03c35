"""Start-up as an operator meets it: a misconfigured environment is one clear line and a non-zero exit;
`db downgrade base` refuses to drop every table unless confirmed; gunicorn serves with the settings given."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from web.cli import main, run
from web.config import ConfigError, load_config
from web.serving import settings_from_environment

BASE_ENV = ("CLUSTERFLOW_ENV", "CLUSTERFLOW_SECRET_KEY", "CLUSTERFLOW_DATABASE_URL", "CLUSTERFLOW_LOG_FORMAT")


@pytest.fixture
def environment(tmp_path, monkeypatch):
    for name in BASE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLUSTERFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'ops.sqlite'}")
    monkeypatch.setenv("CLUSTERFLOW_DATA_DIR", str(tmp_path / "files"))
    monkeypatch.setenv("CLUSTERFLOW_SECRET_KEY", "test")
    return monkeypatch


def start_up(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run the console script in this process; its exit code and what it wrote to stderr."""
    monkeypatch.setattr(sys, "argv", ["clusterflow", *args])
    with pytest.raises(SystemExit) as exit_:
        run()
    return exit_.value.code, capsys.readouterr().err


@pytest.mark.parametrize("variables, expected", [
    ({"CLUSTERFLOW_ENV": "production", "CLUSTERFLOW_SECRET_KEY": ""},
     "configuration error: CLUSTERFLOW_SECRET_KEY must be set in production mode"),
    ({"CLUSTERFLOW_DATABASE_URL": "postgresql//clusterflow:hunter2@db/clusterflow"},
     "configuration error: CLUSTERFLOW_DATABASE_URL is not a usable database URL"),
    ({"CLUSTERFLOW_DATABASE_URL": "oracle+nosuchdriver://clusterflow:hunter2@db/cf"},
     "configuration error: CLUSTERFLOW_DATABASE_URL is not a usable database URL"),
    ({"CLUSTERFLOW_DATABASE_URL": "mysql://clusterflow:hunter2@db/cf"},
     "needs a database driver that is not installed"),
    ({"CLUSTERFLOW_ENV": "prod"}, "configuration error: CLUSTERFLOW_ENV must be one of development, production"),
    ({"CLUSTERFLOW_PORT": "eighty"}, "configuration error: CLUSTERFLOW_PORT must be a number, not 'eighty'"),
])
def test_misconfiguration_is_one_clear_line_and_a_non_zero_exit(environment, capsys, variables, expected):
    for name, value in variables.items():
        environment.setenv(name, value)
    code, err = start_up(environment, capsys, "db", "upgrade")
    assert code == 2
    assert err.startswith("clusterflow: ") and expected in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "hunter2" not in err  # never the password


def test_an_unreachable_database_is_one_line_too(environment, capsys):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment.setenv("CLUSTERFLOW_DATABASE_URL", f"postgresql://cf:hunter2@127.0.0.1:{port}/cf")
    code, err = start_up(environment, capsys, "db", "upgrade")
    assert code == 2 and err.startswith("clusterflow: cannot use the database: ")
    assert len(err.strip().splitlines()) == 1 and "hunter2" not in err


def test_production_mode_needs_no_instance_secret_and_logs_json(tmp_path):
    config = load_config(str(tmp_path), environ={"CLUSTERFLOW_ENV": "production", "CLUSTERFLOW_SECRET_KEY": "k" * 64})
    assert config["SECRET_KEY"] == "k" * 64 and config["LOG_FORMAT"] == "json"
    assert not (tmp_path / "secret_key").exists()
    with pytest.raises(ConfigError, match="CLUSTERFLOW_SECRET_KEY must be set"):
        load_config(str(tmp_path), environ={"CLUSTERFLOW_ENV": "production"})
    assert load_config(str(tmp_path), environ={})["LOG_FORMAT"] == "text"


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_downgrade_to_base_refuses_without_confirmation(environment, tmp_path):
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    tables = _tables(url)
    assert {"process_instance", "user_account", "alembic_version"} <= tables

    refused = runner.invoke(main, ["db", "downgrade", "base"])
    assert refused.exit_code == 1 and "refusing to downgrade to base" in refused.output
    assert "--yes-drop-everything" in refused.output and _tables(url) == tables

    # a relative downgrade that would reach base is refused by the first revision itself
    assert runner.invoke(main, ["db", "downgrade", "0001"]).exit_code == 0  # later revisions, whoever adds them
    one_back = runner.invoke(main, ["db", "downgrade"])  # one step back, the default
    assert one_back.exit_code == 1 and "process_instance" in _tables(url)
    assert "refusing to downgrade below 0001" in one_back.output

    confirmed = runner.invoke(main, ["db", "downgrade", "base", "--yes-drop-everything"])
    assert confirmed.exit_code == 0, confirmed.output
    assert _tables(url) <= {"alembic_version"}


def test_gunicorn_settings_come_from_the_environment():
    settings = settings_from_environment({"CLUSTERFLOW_HOST": "0.0.0.0", "CLUSTERFLOW_PORT": "8000",
                                          "CLUSTERFLOW_WORKERS": "5", "CLUSTERFLOW_THREADS": "3"})
    assert (settings["bind"], settings["workers"], settings["threads"]) == ("0.0.0.0:8000", 5, 3)
    assert settings["worker_class"] == "gthread"


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Linux and macOS only")
def test_serve_production_runs_gunicorn_workers(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "CLUSTERFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'g.sqlite'}",
           "CLUSTERFLOW_SECRET_KEY": "test", "CLUSTERFLOW_DATA_DIR": str(tmp_path / "files"),
           "CLUSTERFLOW_ENV": "production", "CLUSTERFLOW_WORKERS": "2", "CLUSTERFLOW_THREADS": "2"}
    command = [sys.executable, "-c", "from web.cli import run; run()"]
    subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([*command, "serve", "--production", "--port", str(port)], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health/ready", timeout=10) as answer:
                    assert answer.status == 200 and answer.headers["X-Request-ID"]
                    break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert "gunicorn, 2 workers x 2 threads" in output and "Booting worker" in output
    assert '"logger": "clusterflow.access"' in output  # production mode logs JSON lines
    assert "0 deployed process versions parsed before serving" in output   # parsed before the workers fork
