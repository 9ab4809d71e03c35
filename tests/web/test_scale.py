"""Reports and exports at scale: the dashboard is a fixed number of aggregate queries that never read a case's
serialized state, and the CSV/XLSX exports carry every case in scope.

Cases are bulk-inserted as rows (what the projection would hold: province, stage,
status, open tasks, stage changes and the stays they delimit), not played through the engine: these tests
are about what the queries read, not about the workflows.
"""
from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, insert, select

from web import unit_of_work
from web.extensions import db
from web.models import Event, ProcessInstance, ProcessVersion, StageStay, TaskRecord
from web.runtime import current_runtime
from web.services import dashboard, service_card
from web.services.actors import Actor

from .browser_helpers import login, make_user
from .helpers import ROOT, deploy

HQ = Actor("hq", frozenset({"isipo_expert"}), frozenset())
PROVINCES = ("tehran", "fars", "isfahan")
STATE = "x" * 2000  # a stand-in for the serialized workflow: it must never be read by a report


def add_cases(count: int, *, first_id: int = 1, days_apart: float = 0.5, process_id: str = "document_review") -> None:
    """``count`` cases: every third completed after 12 days, the others running with an open task due in 3 days;
    each enters "feasibility" at its start and "permit" 4 days later."""
    runtime = current_runtime()
    t0 = runtime.clock.now() - timedelta(days=days_apart * count + 30)
    with unit_of_work() as uow:
        version = uow.session.scalar(select(func.max(ProcessVersion.id)))
        instances, events, tasks, stays = [], [], [], []
        for n in range(count):
            iid = first_id + n
            started = t0 + timedelta(days=days_apart * n)
            done = n % 3 == 0
            instances.append({
                "id": iid, "process_id": process_id, "version_id": version, "status":
                "completed" if done else "running", "state": STATE, "serializer_version": "1",
                "province": PROVINCES[n % len(PROVINCES)], "stage": "permit", "title": f"case {iid}",
                "started_by": "expert", "started_at": started, "updated_at": started,
                "completed_at": started + timedelta(days=12) if done else None, "lock_version": 1})
            events.append({"instance_id": iid, "action": "stage_changed", "actor": "system", "at": started,
                           "data": {"from": None, "to": "feasibility"}})
            events.append({"instance_id": iid, "action": "stage_changed", "actor": "system",
                           "at": started + timedelta(days=4), "data": {"from": "feasibility", "to": "permit"}})
            where = {"instance_id": iid, "process_id": process_id, "province": PROVINCES[n % len(PROVINCES)]}
            stays.append(dict(where, stage="feasibility", entered_at=started, left_at=started + timedelta(days=4)))
            stays.append(dict(where, stage="permit", entered_at=started + timedelta(days=4),
                              left_at=started + timedelta(days=12) if done else None))
            if not done:
                tasks.append({"id": f"t-{iid}", "instance_id": iid, "process_id": "document_review",
                              "element_id": "review", "name": "Review", "role": "cluster_expert",
                              "province": PROVINCES[n % len(PROVINCES)], "status": "open", "created_at": started,
                              "due_at": started + timedelta(days=3)})
        uow.session.execute(insert(ProcessInstance.__table__), instances)
        uow.session.execute(insert(Event.__table__), events)
        uow.session.execute(insert(StageStay.__table__), stays)
        if tasks:
            uow.session.execute(insert(TaskRecord.__table__), tasks)
        uow.commit()


@contextmanager
def statements():
    """Every SQL statement run meanwhile, as text."""
    seen: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


def reads_state(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("SELECT", "WITH")) and \
        re.search(r"process_instance\.state\b", statement) is not None


@pytest.fixture
def ctx(app):
    with app.app_context():
        make_user("hq", ["isipo_expert"], [])
        make_user("sup", ["supervisor"], ["tehran"])
        deploy(ROOT / "examples" / "document_review.bpmn")
        yield app


def build(clock):
    with unit_of_work(write=False) as uow:
        return dashboard.build_dashboard(uow.session, HQ, clock, dashboard.DashboardFilters(),
                                         stage_order=["feasibility", "permit"], firms_of=dashboard.FIRMS_COLUMN)


def test_dashboard_is_a_fixed_number_of_queries_without_serialized_state(ctx, clock):
    """On SQLite and PostgreSQL: 50 and 200 cases cost the same queries; none reads ``process_instance.state``."""
    add_cases(50)
    with statements() as small:
        dash = build(clock)
    assert dash.totals["completed"] == 17 and dash.totals["running"] == 33
    # every case spent 4 days in feasibility; completed ones 8 days in permit, the running ones are still there
    feasibility, permit = dash.stage_times
    assert (feasibility.stage, feasibility.stays) == ("feasibility", 50)
    assert feasibility.mean_days == pytest.approx(4) and feasibility.p90_days == pytest.approx(4)
    assert permit.stays == 50
    overdue = {r.role: (r.overdue, r.open) for r in dash.overdue_by_role}
    assert overdue == {"cluster_expert": (33, 33)}

    add_cases(150, first_id=51)
    with statements() as large:
        dash = build(clock)
    assert dash.totals["completed"] + dash.totals["running"] == 200
    assert len(large) == len(small) <= 12
    assert [s for s in small + large if reads_state(s)] == []

    # the page over HTTP: also bounded, also without the state
    client = ctx.test_client()
    login(client, "hq")
    with statements() as page:
        assert client.get("/dashboard").status_code == 200
    add_cases(100, first_id=201)
    with statements() as bigger_page:
        assert client.get("/dashboard").status_code == 200
    assert len(page) == len(bigger_page)
    assert [s for s in page + bigger_page if reads_state(s)] == []


def test_service_card_reads_no_serialized_state(ctx, clock):
    add_cases(60, process_id="cluster_case")   # the card measures cluster cases
    with statements() as seen, unit_of_work(write=False) as uow:
        period = dashboard.parse_period(None, None, clock.now())
        measured = service_card.measure(uow.session, clock, period=period, provinces=None,
                                        firms_of=dashboard.FIRMS_COLUMN)
    assert (measured.completed_cases, measured.running_cases, measured.cases_started) == (20, 40, 60)
    assert measured.mean_days == pytest.approx(12) and measured.median_days == pytest.approx(12)
    assert [s for s in seen if reads_state(s)] == []


@pytest.fixture
def big(sqlite_app):
    with sqlite_app.app_context():
        make_user("hq", ["isipo_expert"], [])
        deploy(ROOT / "examples" / "document_review.bpmn")
        add_cases(25_000, days_apart=0.01)
    return sqlite_app


def test_exports_carry_every_case_in_scope(big):
    """25,000 cases in scope: the CSV and the XLSX each have all 25,000 rows (no cut-off)."""
    client = big.test_client()
    login(client, "hq")
    with big.app_context(), statements() as seen:
        response = client.get("/cases/export.csv")
    assert response.status_code == 200 and response.is_streamed
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert len(rows) == 25_001
    assert len({row[0] for row in rows[1:]}) == 25_000
    assert [s for s in seen if reads_state(s)] == []

    response = client.get("/cases/export.xlsx")
    assert response.status_code == 200 and response.is_streamed
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    assert sum(1 for _ in sheet.iter_rows(values_only=True)) == 25_001


def test_export_with_bad_filters_answers_before_streaming(ctx):
    client = ctx.test_client()
    login(client, "hq")
    assert client.get("/cases/export.csv?from=1405/13/40").status_code == 422


def test_inbox_reads_only_the_columns_it_shows(ctx, clock):
    """The inbox and its counts: right figures, and no serialized state (nor submitted data) read to sort tasks."""
    from web.services import inbox

    add_cases(30)        # Fars gets cases 2, 5, ..., 29: all running, their tasks long overdue
    fars = Actor("fars_expert", frozenset({"cluster_expert"}), frozenset({"fars"}))
    with statements() as seen, unit_of_work(write=False) as uow:
        assert inbox.counts(uow.session, fars, clock) == {"open": 10, "overdue": 10}
        page = inbox.list_tasks(uow.session, fars, inbox.InboxFilters(per_page=5), clock)
    assert (page.total, len(page.rows), page.pages) == (10, 5, 2)
    assert {(r.instance_id % 3, r.overdue, r.process_id) for r in page.rows} == {(2, True, "document_review")}
    assert [r.case_title for r in page.rows] == [f"case {r.instance_id}" for r in page.rows]
    assert [s for s in seen if reads_state(s) or re.search(r"task\.data\b", s)] == []

    # a suspended case's task is not counted; a task held by them in another province is (once)
    with unit_of_work() as uow:
        uow.session.get(ProcessInstance, 2).status = "suspended"
        uow.session.get(TaskRecord, "t-3").assignee = "fars_expert"     # an Isfahan case's task
        uow.session.get(TaskRecord, "t-5").assignee = "fars_expert"     # a Fars case's, held now
        uow.commit()
    with unit_of_work(write=False) as uow:
        assert inbox.counts(uow.session, fars, clock) == {"open": 10, "overdue": 10}
