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

from sqlalchemy import DateTime, Integer, delete, func, insert, or_, select, text
from sqlalchemy.types import TypeDecorator

from .scenarios import CLUSTER_CASE, EXAMPLE, ROOT

BATCH = 2000
TEMPLATE_COUNT = len(CLUSTER_CASE.prelude) + 1 + 3   # play_templates: the cluster case after 0..n steps, 3 others


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

    def __init__(self, conn: Any, plan: list[tuple[Any, dict[str, str]]], instance_id: int) -> None:
        instance_table = plan[0][0]
        family = [instance_id]
        while True:
            more = [r.id for r in conn.execute(select(instance_table.c.id).where(
                instance_table.c.parent_id.in_(family), instance_table.c.id.notin_(family)))]
            if not more:
                break
            family += more
        keys: dict[str, list[Any]] = {"process_instance": family}
        self.rows: dict[str, list[dict]] = {"process_instance": [dict(r._mapping) for r in conn.execute(
            select(instance_table).where(instance_table.c.id.in_(family)).order_by(instance_table.c.id))]}
        for table, links in plan[1:]:
            owned = [table.c[column].in_(keys[target]) for column, target in links.items() if keys.get(target)]
            rows = [dict(r._mapping) for r in conn.execute(select(table).where(or_(*owned)))] if owned else []
            self.rows[table.name] = rows
            if "id" in table.c:
                keys[table.name] = [r["id"] for r in rows]
        self.instances = self.rows["process_instance"]
        self.task_ids = [r["id"] for r in self.rows.get("task", [])]
        self.started = self.instances[0]["started_at"]


def _plan(metadata: Any) -> list[tuple[Any, dict[str, str]]]:
    """process_instance first, then every table whose rows belong to a copied row (a foreign key to one), in
    dependency order, with its linking columns ``{column: referenced table}``."""
    copied = {"process_instance"}
    plan = [(metadata.tables["process_instance"], {"parent_id": "process_instance"})]
    for table in metadata.sorted_tables:
        if table.name == "process_instance":
            continue
        links = {fk.parent.name: fk.column.table.name for fk in table.foreign_keys
                 if fk.column.table.name in copied}
        if links:
            plan.append((table, links))
            copied.add(table.name)
    return plan


def _is_time(column: Any) -> bool:
    kind = column.type
    return isinstance(kind, DateTime) or (isinstance(kind, TypeDecorator) and isinstance(kind.impl, DateTime))


def copy_cases(engine: Any, metadata: Any, templates: list[int], count: int, now: datetime, *,
               seed: int = 13) -> None:
    """``count`` copies of the templates (in turn), over the 31 provinces, started over the last two years.

    Every copied row gets a fresh id (integer ids numbered on from the table's largest, task ids new UUIDs,
    rewritten in the serialized state too) and every reference between copied rows follows; what must be
    unique stays unique (a letter's number in its province and year, its verification code, keys)."""
    from engine.calendar import to_jalali

    rng = random.Random(seed)
    names = provinces()
    plan = _plan(metadata)
    tables = [table for table, _ in plan]
    with engine.connect() as conn:
        loaded = [_Template(conn, plan, t) for t in templates]
        next_ids = {t.name: (conn.scalar(select(func.max(t.c.id))) or 0) + 1 for t in tables
                    if "id" in t.c and isinstance(t.c.id.type, Integer)}
        numbers = {(r.province, r.year): r.number for r in conn.execute(
            text("SELECT province, year, max(number) AS number FROM letter GROUP BY province, year"))} \
            if "letter" in metadata.tables else {}
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
        ids: dict[str, dict[Any, Any]] = {}
        tasks = {old: str(uuid.uuid4()) for old in template.task_ids}
        for table, links in plan:
            new_ids = ids.setdefault(table.name, {})
            for row in template.rows.get(table.name, []):
                new_row = dict(row)
                if table.name == "task":
                    new_ids[row["id"]] = new_row["id"] = tasks[row["id"]]
                elif table.name in next_ids:
                    new_ids[row["id"]] = new_row["id"] = next_ids[table.name]
                    next_ids[table.name] += 1
                elif "id" in new_row and isinstance(new_row["id"], str):
                    new_ids[row["id"]] = new_row["id"] = uuid.uuid4().hex[:len(row["id"])]
                for column, target in links.items():
                    if new_row[column] is not None:
                        new_row[column] = ids[target].get(new_row[column], new_row[column])
                if new_row.get("task_id") in tasks:
                    new_row["task_id"] = tasks[new_row["task_id"]]
                if new_row.get("province") is not None:
                    new_row["province"] = province
                for name in times[table.name]:
                    if new_row[name] is not None:
                        new_row[name] = new_row[name] + shift
                if table.name == "process_instance":
                    state = row["state"]
                    for old, new in tasks.items():
                        state = state.replace(old, new)
                    new_row.update(state=state, title=f"{row['title'] or 'case'} {n}")
                if table.name == "letter":
                    year = int(to_jalali(new_row["issued_at"]).split("/")[0])
                    number = numbers[(province, year)] = numbers.get((province, year), 0) + 1
                    new_row.update(year=year, number=number, verify_code=uuid.uuid4().hex[:12].upper())
                for unique in ("unique_key", "key"):
                    if new_row.get(unique) is not None and table.c[unique].unique:
                        new_row[unique] = f"{new_row[unique]}#{n}"
                pending[table.name].append(new_row)
        if len(pending["process_instance"]) >= BATCH:
            flush()
    flush()
    with engine.begin() as conn:
        if "letter_sequence" in metadata.tables and numbers:
            sequence = metadata.tables["letter_sequence"]
            conn.execute(delete(sequence))
            conn.execute(insert(sequence), [{"province": p, "year": y, "last_number": last}
                                            for (p, y), last in numbers.items()])
        if engine.dialect.name == "postgresql":
            for name in next_ids:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"(SELECT coalesce(max(id), 1) FROM {name}))"))
    if engine.dialect.name == "postgresql":
        # what autovacuum does after a bulk load: statistics and the visibility map (index-only scans)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


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
