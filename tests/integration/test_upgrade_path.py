"""An installation of the first release upgrades to today's schema with its data intact and usable.

The database is created at revision 0001 (the released schema), filled with the rows the release
wrote (tests/fixtures/release_0001.json), then upgraded to head, whichever revision that is now.
"""
from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from web import create_app, unit_of_work
from web.extensions import db
from web.models import ProcessInstance
from web.runtime import current_runtime
from web.services import instances
from web.services.auth import authenticate
from web.services.inbox import counts
from web.services.users import actor_for

from .release_data import PASSWORD, USERNAME, dump, load, read_fixture


@pytest.fixture
def upgraded(database_url, clock, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test",
                      "DATA_DIR": str(tmp_path / "files")}, clock=clock)
    release = read_fixture()
    with app.app_context():
        upgrade(revision="0001")
        load(db.engine, release)
        upgrade()  # to head
        yield app, release
        db.engine.dispose()


def test_every_released_row_is_intact_after_the_upgrade(upgraded):
    app, release = upgraded
    now = dump(db.engine)
    for table, rows in release.items():
        assert len(now[table]) == len(rows), table
        for before, after in zip(rows, now[table]):
            assert {key: after[key] for key in before} == before, (table, before.get("id"))


def test_released_users_and_cases_go_on_working_after_the_upgrade(upgraded, clock):
    app, release = upgraded
    signed_in = authenticate(USERNAME, PASSWORD, "127.0.0.1", uow=unit_of_work(), clock=clock)
    assert signed_in is not None
    with unit_of_work(write=False) as uow:
        sara = actor_for(uow.session, USERNAME)
        assert sara.roles == frozenset({"cluster_expert"}) and sara.provinces == frozenset({"tehran"})
        assert counts(uow.session, sara, clock)["open"] == 1  # the inbox still finds the released open task
        running = uow.session.scalars(select(ProcessInstance).order_by(ProcessInstance.id)).all()
    assert [(i.id, i.status) for i in running] == [(1, "running"), (2, "running")]

    [rework] = [t for t in release["task"] if t["status"] == "open"]
    runtime = current_runtime()
    outcome = instances.complete_task(rework["id"], {"decision": "approve"}, actor=sara, uow=unit_of_work(),
                                      runtime=runtime, clock=clock)
    assert (outcome.instance_id, outcome.status) == (1, "running")  # on to waiting for its permit
    # a new case gets an id after the released ones (PostgreSQL sequences were moved past them)
    new = instances.start_instance("document_review", {"document_number": 9, "title": "خوشه جدید"}, actor=sara,
                                   province="tehran", uow=unit_of_work(), runtime=runtime, clock=clock)
    assert new.instance_id == 3 and new.status == "running"


def test_a_downgrade_to_the_release_keeps_its_rows(upgraded):
    """Downgrades rebuild tables on SQLite: dropping the old table must not cascade to the rows that refer to it."""
    from flask_migrate import downgrade

    app, release = upgraded
    downgrade(revision="0001")
    now = dump(db.engine)
    for table, rows in release.items():
        assert len(now[table]) == len(rows), table
