"""`clusterflow demo` (run by `make run`): users for every role, the processes, cases at several stages."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from web import create_app, unit_of_work
from web.cli import main
from web.models import ProcessInstance, User
from web.reference import roles


def test_demo_seeds_a_living_system_once(tmp_path, monkeypatch):
    monkeypatch.setenv("CLUSTERFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite'}")
    monkeypatch.setenv("CLUSTERFLOW_SECRET_KEY", "test")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    first = runner.invoke(main, ["demo"], catch_exceptions=False)
    assert first.exit_code == 0 and "passwords are shown only now" in first.output
    second = runner.invoke(main, ["demo"], catch_exceptions=False)
    assert second.exit_code == 0 and "passwords" in second.output and "cluster_expert.tehran " not in second.output

    with create_app().app_context(), unit_of_work(write=False) as uow:
        users = {u.username: u for u in uow.session.scalars(select(User))}
        for role in roles().values():
            names = [role.id] if role.national else [f"{role.id}.tehran", f"{role.id}.isfahan"]
            for name in names:
                assert name in users and users[name].role_ids == {role.id}
                assert name in first.output                                # its password was shown once
        instances = list(uow.session.scalars(select(ProcessInstance)))
        cases = {(i.process_id, i.province, i.stage, i.status) for i in instances}
        # the firms each cluster case serves, recorded by the process (TH-01: 100 + 25 + 5, TH-02: 70 + 10)
        assert sorted(i.firms for i in instances if i.process_id == "cluster_case") == [80, 130]
    assert not any(i.process_id == "document_review" for i in instances)   # the example stays in examples/
    assert ("cluster_case", "tehran", "permit", "running") in cases
    assert ("cluster_case", "tehran", "feasibility", "running") in cases
    assert ("identification_round", "isfahan", "identification", "running") in cases
    assert ("identification_round", "tehran", "closed", "completed") in cases
