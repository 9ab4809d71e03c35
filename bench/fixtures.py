"""Many cases fast, exactly as the services would have stored them.

A handful of *template* cases are played through the real services (start by message,
complete the cluster case's first steps; a small example case completed; one terminated).
Each of the N cases is a copy of a template: every row the services wrote for it (the
instance with its serialized state, its tasks, events, timers, message waits and case
records) is copied with a new case id, fresh task ids (rewritten inside the serialized
state too), a province among the 31, and every time moved so the case starts at its own
moment. ``check_sample`` restores copies with the engine and compares what the engine says
with the copied projection (open tasks, stage, status).
"""
from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, insert, select, text
from sqlalchemy.types import TypeDecorator

from .scenarios import CLUSTER_CASE, EXAMPLE, ROOT

BATCH = 2000


def provinces() -> list[str]:
    from web.reference import provinces as known

    return sorted(known())


def play_templates(runtime: Any, clock: Any) -> list[int]:
    """Template cases through the services: the cluster case after 0..5 of its first steps, the small example
    open, completed and terminated. Returns their instance ids (top-level cases only)."""
    from engine.validation import read_sources
    from web import unit_of_work
    from web.models import ProcessInstance, TaskRecord
    from web.services import admin, deployment, instances, messages, routing
    from web.services.actors import SYSTEM

    files = [str(p) for p in CLUSTER_CASE.files] + [str(ROOT / "examples" / "document_review.bpmn")]
    deployment.deploy(read_sources(files), actor="bench", reason="bench", uow=unit_of_work(), runtime=runtime,
                      clock=clock)

    def newest(process_id: str) -> int:
        with unit_of_work(write=False) as uow:
            return uow.session.scalar(select(ProcessInstance.id).where(ProcessInstance.process_id == process_id)
                                      .order_by(ProcessInstance.id.desc()).limit(1))

    def complete(instance_id: int, element_id: str, data: dict) -> None:
        with unit_of_work(write=False) as uow:
            task_id = uow.session.scalar(select(TaskRecord.id).where(
                TaskRecord.instance_id.in_(select(ProcessInstance.id).where(
                    (ProcessInstance.id == instance_id) | (ProcessInstance.parent_id == instance_id))),
                TaskRecord.status == "open", TaskRecord.element_id == element_id))
        instances.complete_task(task_id, data, actor=SYSTEM, uow=unit_of_work(), runtime=runtime, clock=clock)
        clock.advance(days=2)

    templates = []
    for steps in range(len(CLUSTER_CASE.prelude) + 1):
        with unit_of_work() as uow:
            routing.route(uow.session, None, CLUSTER_CASE.start_message, CLUSTER_CASE.start_data, runtime,
                          clock.now(), "bench", 0)
            uow.commit()
        case_id = newest(CLUSTER_CASE.process_id)
        clock.advance(days=1)
        for element_id, data in CLUSTER_CASE.prelude[:steps]:
            complete(case_id, element_id, data)
        templates.append(case_id)
    for outcome in ("open", "completed", "terminated"):
        started = instances.start_instance(EXAMPLE.process_id, {"document_number": 7, "title": "نمونه"},
                                           actor=SYSTEM, province="tehran", uow=unit_of_work(), runtime=runtime,
                                           clock=clock)
        clock.advance(days=1)
        if outcome == "completed":
            complete(started.instance_id, "review_document", {"decision": "approve"})
            messages.deliver_message("permit_issued", {"reference": "DOC-7"}, {"no": "P"}, actor=SYSTEM,
                                     uow=unit_of_work(), runtime=runtime, clock=clock)
        elif outcome == "terminated":
            admin.change_status(started.instance_id, "terminate", "bench", actor=SYSTEM, uow=unit_of_work(),
                                clock=clock)
        templates.append(started.instance_id)
    return templates


class _Template:
    """Every row stored for one template case (and the cases it called), as dictionaries per table."""

    def __init__(self, conn: Any, tables: list[Any], instance_id: int) -> None:
        instance_table = tables[0]
        family = [instance_id]
        while True:
            more = [r.id for r in conn.execute(select(instance_table.c.id).where(
                instance_table.c.parent_id.in_(family), instance_table.c.id.notin_(family)))]
            if not more:
                break
            family += more
        self.instances = [dict(r._mapping) for r in conn.execute(
            select(instance_table).where(instance_table.c.id.in_(family)).order_by(instance_table.c.id))]
        self.rows = {t.name: [dict(r._mapping) for r in conn.execute(select(t).where(t.c.instance_id.in_(family)))]
                     for t in tables[1:]}
        self.task_ids = [r["id"] for r in self.rows["task"]]
        self.started = self.instances[0]["started_at"]


def _dependants(metadata: Any) -> list[Any]:
    """process_instance first, then every table whose rows belong to an instance (``instance_id``)."""
    instance_table = metadata.tables["process_instance"]
    return [instance_table] + [t for t in metadata.sorted_tables
                               if "instance_id" in t.c and t.name != "process_instance"]


def _is_time(column: Any) -> bool:
    kind = column.type
    return isinstance(kind, DateTime) or (isinstance(kind, TypeDecorator) and isinstance(kind.impl, DateTime))


def copy_cases(engine: Any, metadata: Any, templates: list[int], count: int, now: datetime, *,
               seed: int = 13) -> None:
    """``count`` copies of the templates (in turn), over the 31 provinces, started over the last two years."""
    rng = random.Random(seed)
    names = provinces()
    tables = _dependants(metadata)
    with engine.connect() as conn:
        loaded = [_Template(conn, tables, t) for t in templates]
        next_id = (conn.scalar(text("SELECT max(id) FROM process_instance")) or 0) + 1
    times = {t.name: [c.name for c in t.c if _is_time(c)] for t in tables}
    pending: dict[str, list[dict]] = {t.name: [] for t in tables}

    def flush() -> None:
        with engine.begin() as conn:
            for table in tables:
                if pending[table.name]:
                    conn.execute(insert(table), pending[table.name])
                    pending[table.name] = []

    for n in range(count):
        template = loaded[n % len(loaded)]
        # mostly older cases, a few recent ones (recent tasks are not yet overdue)
        age = timedelta(days=rng.uniform(0, 3) if n % 10 == 0 else rng.uniform(3, 720))
        shift = (now - age) - template.started
        province = names[n % len(names)]
        ids = {old["id"]: next_id + i for i, old in enumerate(template.instances)}
        next_id += len(ids)
        tasks = {old: str(uuid.uuid4()) for old in template.task_ids}
        for row in template.instances:
            state = row["state"]
            for old, new in tasks.items():
                state = state.replace(old, new)
            new_row = dict(row, id=ids[row["id"]], parent_id=ids.get(row["parent_id"]), province=province,
                           state=state, title=f"{row['title'] or 'case'} {n}")
            for name in times["process_instance"]:
                if new_row[name] is not None:
                    new_row[name] = new_row[name] + shift
            pending["process_instance"].append(new_row)
        for table in tables[1:]:
            for row in template.rows[table.name]:
                new_row = dict(row, instance_id=ids[row["instance_id"]])
                if table.name == "task":
                    new_row["id"] = tasks[row["id"]]
                    new_row["province"] = province
                elif "id" in new_row and table.c.id.autoincrement is not False and table.c.id.primary_key:
                    new_row.pop("id")
                if new_row.get("task_id") in tasks:
                    new_row["task_id"] = tasks[new_row["task_id"]]
                for name in times[table.name]:
                    if new_row[name] is not None:
                        new_row[name] = new_row[name] + shift
                pending[table.name].append(new_row)
        if len(pending["process_instance"]) >= BATCH:
            flush()
    flush()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('process_instance', 'id'), "
                              "(SELECT max(id) FROM process_instance))"))
            conn.execute(text("ANALYZE"))


def check_sample(runtime: Any, templates: list[int], size: int = 40, seed: int = 5) -> int:
    """Restore ``size`` copied cases with the engine; their open tasks, stage and status must match the rows.

    :raise AssertionError: a copy differs from what the engine says.
    """
    from web import unit_of_work
    from web.models import ProcessInstance, TaskRecord
    from web.services.engine_calls import restore_workflow

    rng = random.Random(seed)
    with unit_of_work(write=False) as uow:
        session = uow.session
        top = select(ProcessInstance.id).where(ProcessInstance.parent_id.is_(None),
                                               ProcessInstance.id.notin_(templates))
        ids = list(session.scalars(top))
        for instance_id in rng.sample(ids, min(size, len(ids))):
            instance = session.get(ProcessInstance, instance_id)
            if not instance.state:
                continue
            workflow = restore_workflow(runtime, instance)
            engine = runtime.engine
            expected = sorted((t.id, t.element_id) for t in engine.open_user_tasks(workflow)) \
                if instance.status == "running" else []
            stored = sorted(session.execute(select(TaskRecord.id, TaskRecord.element_id).where(
                TaskRecord.instance_id == instance.id, TaskRecord.status == "open")).tuples())
            assert expected == [tuple(r) for r in stored], (instance_id, expected, stored)
            facts = engine.current_data(workflow)
            stage = facts.get("stage") if isinstance(facts.get("stage"), str) else None
            assert stage in (None, instance.stage), (instance_id, stage, instance.stage)
            if instance.status in ("running", "completed"):
                assert engine.is_completed(workflow) == (instance.status == "completed"), instance_id
    return size
