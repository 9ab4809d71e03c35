"""Shared fixtures: a fresh app and database per test, on SQLite and (marked) PostgreSQL."""
from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from engine.clock import FrozenClock
from tests.pgserver import PostgresServer, find_bindir

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(reason: str) -> None:
    """Skip for a missing component on a developer machine; fail in CI, where everything must be real."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the suite needs it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server():
    bindir = find_bindir()
    if bindir is None:
        missing("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    server = PostgresServer(bindir)
    try:
        server.start()
    except Exception as exc:  # noqa: BLE001
        server.stop()
        missing(f"PostgreSQL could not be started: {exc}")
    yield server
    server.stop()


_db_names = itertools.count(1)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    return server.create_database(f"test_{os.getpid()}_{next(_db_names)}")


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def clock():
    return FrozenClock()


def build_app(url: str, clock, tmp_path):
    from flask_migrate import upgrade

    from web import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "test",
                      "DATA_DIR": str(tmp_path / "files")}, clock=clock)
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def app(database_url, clock, tmp_path):
    app = build_app(database_url, clock, tmp_path)
    yield app
    from web.extensions import db

    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def sqlite_app(sqlite_url, clock, tmp_path):
    return build_app(sqlite_url, clock, tmp_path)
