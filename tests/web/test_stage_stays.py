"""Migration 0010_stage_stays: the stays in a stage are back-filled from the stage-change history, and removed again.

A stay runs from the event that entered a stage to the next change, or to the case's completion or termination;
the last one of a running case stays open; a stage held before the first recorded change counts from the start.
"""
from __future__ import annotations

from datetime import timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, insert, inspect, select, text

from web import create_app
from web.extensions import db
from web.models import Event, ProcessInstance, ProcessVersion, StageStay

from .helpers import ROOT, deploy


def test_stays_are_back_filled_from_the_history_and_dropped_by_the_downgrade(database_url, clock, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SECRET_KEY": "test",
                      "DATA_DIR": str(tmp_path / "files")}, clock=clock)
    t0 = clock.now() - timedelta(days=100)
    day = timedelta(days=1)
    with app.app_context():
        upgrade(revision="0008")
        deploy(ROOT / "examples" / "document_review.bpmn")
        with db.engine.begin() as conn:
            version = conn.scalar(select(func.max(ProcessVersion.id)))
            # 1 completed after 12 days; 2 running, in "intake" before its first recorded change;
            # 3 terminated on day 5; 4 never changed stage
            cases = [(1, "completed", "permit", t0 + 12 * day), (2, "running", "feasibility", None),
                     (3, "terminated", "feasibility", t0 + 5 * day), (4, "running", None, None)]
            conn.execute(insert(ProcessInstance.__table__), [
                {"id": iid, "process_id": "document_review", "version_id": version, "status": status,
                 "state": "{}", "serializer_version": "1", "province": "fars", "stage": stage, "title": f"c{iid}",
                 "started_at": t0, "updated_at": t0, "completed_at": done, "lock_version": 1}
                for iid, status, stage, done in cases])
            conn.execute(insert(Event.__table__), [
                {"instance_id": iid, "action": "stage_changed", "actor": "system", "at": t0 + days * day,
                 "data": {"from": src, "to": dst}}
                for iid, days, src, dst in [(1, 0, None, "feasibility"), (1, 4, "feasibility", "permit"),
                                            (2, 2, "intake", "feasibility"), (3, 1, None, "feasibility")]]
                + [{"instance_id": 1, "action": "task_completed", "actor": "x", "at": t0 + 3 * day, "data": {}}])
        upgrade()
        with db.engine.connect() as conn:
            stays = [tuple(r) for r in conn.execute(
                select(StageStay.instance_id, StageStay.stage, StageStay.entered_at, StageStay.left_at,
                       StageStay.province, StageStay.process_id).order_by(StageStay.instance_id, StageStay.entered_at))]
        assert [s[:4] for s in stays] == [
            (1, "feasibility", t0, t0 + 4 * day), (1, "permit", t0 + 4 * day, t0 + 12 * day),
            (2, "intake", t0, t0 + 2 * day), (2, "feasibility", t0 + 2 * day, None),
            (3, "feasibility", t0 + day, t0 + 5 * day)]
        assert {s[4:] for s in stays} == {("fars", "document_review")}

        downgrade(revision="0008")
        assert "stage_stay" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM event WHERE instance_id IS NOT NULL")) == 5
        db.engine.dispose()
