"""Data as the first release (schema revision 0001) wrote it, kept in tests/fixtures/release_0001.json.

The fixture was made once with the release's own services (`python -m tests.integration.release_data`,
valid only while the models are still those of revision 0001) and is never regenerated: it is what
an installation upgraded from the release has in its database. Two document-review cases in Tehran:
case 1 sent back for rework (a completed task, the rework task open with its timer), case 2
approved and waiting for its permit message; the user sara with a role and a province.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "release_0001.json"
PASSWORD = "release-password-1"
USERNAME = "sara"


def dump(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but alembic_version, ordered by primary key; datetimes as ISO text."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    rows: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            result = connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            rows[table.name] = [{key: _plain(value) for key, value in row._mapping.items()} for row in result]
    return rows


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):  # UTC without an offset, as SQLite returns it
        return (value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value).isoformat()
    return value


def load(engine: sa.Engine, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert ``rows`` (as :func:`dump` wrote them) into a database at revision 0001, in dependency order."""
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.begin() as connection:
        for table in metadata.sorted_tables:
            for row in rows.get(table.name, []):
                connection.execute(table.insert().values(**_typed(table, row)))
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in metadata.sorted_tables:
                if rows.get(table.name) and "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                    connection.execute(sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"))


def _typed(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    typed = {}
    for key, value in row.items():
        if isinstance(value, str) and isinstance(table.c[key].type, sa.DateTime):
            value = datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
        typed[key] = value
    return typed


def read_fixture() -> dict[str, list[dict[str, Any]]]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _make_fixture() -> None:  # pragma: no cover - run once, at the release
    import tempfile

    from flask_migrate import upgrade

    from engine.clock import FrozenClock
    from tests.web.helpers import ROOT, complete, deploy, open_tasks, start
    from web import create_app, unit_of_work
    from web.extensions import db
    from web.services.users import actor_for, create_user

    with tempfile.TemporaryDirectory() as folder:
        clock = FrozenClock()
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/release.sqlite", "TESTING": True,
                          "SECRET_KEY": "release", "DATA_DIR": f"{folder}/files"}, clock=clock)
        with app.app_context():
            upgrade(revision="0001")
            create_user(USERNAME, PASSWORD, role_ids=["cluster_expert"], province_ids=["tehran"],
                        display_name="سارا احمدی", uow=unit_of_work(), clock=clock)
            with unit_of_work(write=False) as uow:
                sara = actor_for(uow.session, USERNAME)
            deploy(ROOT / "examples" / "document_review.bpmn", actor="designer")
            clock.advance(minutes=5)
            first = start("document_review", {"document_number": 7, "title": "خوشه فرش دستباف"}, actor=sara)
            clock.advance(hours=2)
            [review] = open_tasks(first.instance_id)
            complete(review.id, {"decision": "rework", "comment": "جدول پیوست ناقص است"}, actor=sara)
            second = start("document_review", {"document_number": 8, "title": "خوشه سنگ تزئینی"}, actor=sara)
            [review] = open_tasks(second.instance_id)
            complete(review.id, {"decision": "approve"}, actor=sara)
            rows = dump(db.engine)
            db.engine.dispose()
    FIXTURE.write_text(json.dumps(rows, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {FIXTURE}: " + ", ".join(f"{name} {len(table)}" for name, table in rows.items() if table))


if __name__ == "__main__":
    _make_fixture()
