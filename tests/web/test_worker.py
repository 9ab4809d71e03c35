"""The worker: due timers fired once by any number of workers, failures backed off then shown, jobs
taken over after a dead worker's lease, and a clean stop on SIGTERM."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from web import unit_of_work
from web.models import Event, Job, Notice, Timer, WorkerHeartbeat
from web.runtime import current_runtime
from web.services import admin, cases, dashboard, timers
from web.services.actors import Actor
from web.services.work.backoff import LEASE, TIMER_ATTEMPTS
from web.services.work.jobs import enqueue
from web.services.work.worker import Worker

from . import job_kinds
from .helpers import ROOT, deploy, events, open_tasks, start

SUPERVISOR = Actor("sup", frozenset({"supervisor"}), frozenset({"tehran"}))


@pytest.fixture
def ctx(app):
    with app.app_context():
        deploy(ROOT / "examples" / "document_review.bpmn")
        yield app


def worker(name: str) -> Worker:
    runtime = current_runtime()
    return Worker(uow_factory=unit_of_work, runtime=runtime, clock=runtime.clock, name=name)


def fired_counts(instance_ids):
    return {i: [a for a, _ in events(i)].count("timer_fired") for i in instance_ids}


def deploy_fragile(tmp_path: Path) -> None:
    """document_review whose overdue path fails until the case has ``escalation_days``."""
    source = (ROOT / "examples" / "document_review.bpmn").read_text(encoding="utf-8")
    source = source.replace('id="document_review"', 'id="fragile_review"').replace(
        'processRef="document_review"', 'processRef="fragile_review"')
    source = source.replace('<spiffworkflow:property name="due" value="&quot;P2D&quot;" />',
                            '<spiffworkflow:property name="due" value="escalation_days" />')
    (tmp_path / "fragile.bpmn").write_text(source, encoding="utf-8")
    deploy(tmp_path / "fragile.bpmn")


@pytest.mark.parametrize("how", ["worker", "run-timers"])
def test_two_workers_fire_each_due_timer_exactly_once(ctx, clock, how):
    ids = [start("document_review", {"document_number": n}).instance_id for n in range(8)]
    clock.advance(days=5, minutes=1)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    done: list[int] = []

    def run(name: str) -> None:
        with ctx.app_context():
            the_worker = worker(name)
            runtime = current_runtime()
            barrier.wait()
            try:
                if how == "worker":
                    done.append(the_worker.run_once())
                else:   # two overlapping cron runs of `clusterflow run-timers`
                    done.append(len(timers.fire_due_timers(uow_factory=unit_of_work, runtime=runtime,
                                                           clock=clock).fired))
            except BaseException as exc:  # noqa: BLE001 - a crash is what the test looks for
                errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert fired_counts(ids) == dict.fromkeys(ids, 1)
    assert all(open_tasks(i)[0].element_id == "escalated_review" for i in ids)
    # a cron run afterwards finds nothing left to do
    runtime = current_runtime()
    assert timers.fire_due_timers(uow_factory=unit_of_work, runtime=runtime, clock=clock).fired == []


def test_a_timer_claimed_by_a_live_worker_is_left_alone_until_its_lease_passes(ctx, clock):
    from web.services.work.claims import claim_timer

    instance = start("document_review", {"document_number": 1}).instance_id
    clock.advance(days=5, minutes=1)
    claim = claim_timer(unit_of_work, "dead-worker", clock.now(), LEASE)   # claimed, then the worker died
    assert claim is not None and claim.instance_id == instance
    other = worker("w2")
    assert other.run_once() == 0
    assert fired_counts([instance]) == {instance: 0}
    clock.advance(LEASE + timedelta(seconds=1))
    assert other.run_once() == 1
    assert fired_counts([instance]) == {instance: 1}


def test_a_failing_timer_backs_off_then_is_failed_shown_and_retried(ctx, clock, tmp_path):
    from .browser_helpers import make_user

    make_user("sup", ["supervisor"], ["tehran"])
    deploy_fragile(tmp_path)
    bad = start("fragile_review", {"document_number": 1}).instance_id
    good = start("document_review", {"document_number": 2}).instance_id
    clock.advance(days=5, minutes=1)
    the_worker = worker("w1")
    the_worker.run_once()
    assert fired_counts([bad, good]) == {bad: 0, good: 1}       # the failing case did not stop the other
    waits = []
    for attempt in range(2, TIMER_ATTEMPTS + 1):
        with unit_of_work(write=False) as uow:
            [timer] = uow.session.scalars(select(Timer).where(Timer.instance_id == bad)).all()
        assert (timer.status, timer.attempts) == ("waiting", attempt - 1)
        assert "escalation_days" in timer.last_error
        waits.append(timer.run_at - clock.now())
        assert the_worker.run_once() == 0                          # not before its back-off has passed
        clock.set(timer.run_at)
        assert the_worker.run_once() == 1
    assert waits == sorted(waits) and waits[0] < waits[-1]        # growing delays
    with unit_of_work(write=False) as uow:
        [timer] = uow.session.scalars(select(Timer).where(Timer.instance_id == bad)).all()
    assert (timer.status, timer.attempts) == ("failed", TIMER_ATTEMPTS)
    clock.advance(days=1)
    assert the_worker.run_once() == 0                              # given up: no more attempts
    assert [a for a, _ in events(bad)].count("timer_failed") == TIMER_ATTEMPTS
    with unit_of_work(write=False) as uow:   # the province's supervisor is told once, when it is given up
        told = list(uow.session.scalars(select(Notice).where(Notice.username == "sup")))
    assert [(n.kind, n.instance_id) for n in told] == [("case_failed", bad)]

    # visible to supervisors: a filter on the case list and a count on the dashboard
    with unit_of_work(write=False) as uow:
        failed = cases.list_cases(uow.session, SUPERVISOR, cases.CaseFilters(failed=True), clock)
        board = dashboard.build_dashboard(uow.session, SUPERVISOR, clock, dashboard.DashboardFilters())
    assert [r.id for r in failed.rows] == [bad] and "escalation_days" in failed.rows[0].error
    assert board.failed_steps == 1

    runtime = current_runtime()
    admin.retry(bad, {"escalation_days": 3}, "days were missing", actor=SUPERVISOR, uow=unit_of_work(),
                runtime=runtime, clock=clock)
    assert open_tasks(bad)[0].element_id == "escalated_review"
    with unit_of_work(write=False) as uow:
        assert cases.list_cases(uow.session, SUPERVISOR, cases.CaseFilters(failed=True), clock).rows == []
        assert dashboard.build_dashboard(uow.session, SUPERVISOR, clock,
                                         dashboard.DashboardFilters()).failed_steps == 0


def test_failed_cases_page_and_dashboard_show_them(ctx, clock, tmp_path):
    from .api_helpers import api, bearer
    from .browser_helpers import login, make_user

    deploy_fragile(tmp_path)
    bad = start("fragile_review", {"document_number": 1}).instance_id
    start("document_review", {"document_number": 2})
    clock.advance(days=5, minutes=1)
    the_worker = worker("w1")
    for _ in range(TIMER_ATTEMPTS):
        the_worker.run_once()
        clock.advance(hours=2)
    make_user("sup", ["supervisor"], ["tehran"])
    client = ctx.test_client()
    login(client, "sup")
    page = client.get("/cases?failed=1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-case-id="{bad}"' in html and html.count("data-case-id=") == 1
    assert 'data-testid="failed-step"' in html
    board = client.get("/dashboard").get_data(as_text=True)
    assert 'data-count="1"' in board
    case_page = client.get(f"/cases/{bad}").get_data(as_text=True)
    assert 'data-timer-status="failed"' in case_page and "retry" in case_page
    listed = api(client, "GET", "/process-instances", token=bearer(ctx, "sup"), query={"failed": "true"})
    assert [row["id"] for row in listed.get_json()["items"]] == [bad]


def test_a_job_whose_worker_is_killed_is_done_once_by_another_after_the_lease(ctx, clock, tmp_path,
                                                                                  database_url):
    started, go = tmp_path / "started", tmp_path / "go"
    with unit_of_work() as uow:
        job = enqueue(uow.session, job_kinds.WAIT_FOR_FILE, {"started": str(started), "go": str(go)},
                      now=clock.now())
        uow.commit()
        job_id = job.id
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.web.worker_child", database_url, clock.now().isoformat(), "doomed",
         str(tmp_path / "files")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120        # waiting for the other process, not measuring time
        while not started.exists():
            assert child.poll() is None, child.stdout.read().decode()
            assert time.monotonic() < deadline, "the child worker never started the job"
            time.sleep(0.05)
        with unit_of_work(write=False) as uow:
            row = uow.session.get(Job, job_id)
            assert (row.status, row.claimed_by, row.attempts) == ("running", "doomed", 1)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    go.write_text("go")
    survivor = worker("survivor")
    clock.advance(LEASE - timedelta(seconds=1))
    survivor.run_once()
    with unit_of_work(write=False) as uow:                            # the lease still holds
        assert uow.session.get(Job, job_id).claimed_by == "doomed"
    clock.advance(seconds=2)
    survivor.run_once()
    with unit_of_work(write=False) as uow:
        row = uow.session.get(Job, job_id)
        done = list(uow.session.scalars(select(Event).where(Event.action == "test_job_done")))
    assert (row.status, row.claimed_by, row.attempts) == ("done", "survivor", 2)
    assert [(e.actor, e.data["job"]) for e in done] == [("survivor", job_id)]


def test_a_failing_job_backs_off_then_is_failed(ctx, clock):
    with unit_of_work() as uow:
        job = enqueue(uow.session, "no.such.kind", {}, now=clock.now(), max_attempts=3)
        uow.commit()
    worker("w1").run_once()
    with unit_of_work(write=False) as uow:
        row = uow.session.get(Job, job.id)
    assert row.status == "failed" and "no handler" in row.last_error   # an unknown kind never succeeds


def test_worker_command_stops_cleanly_on_sigterm(sqlite_url, tmp_path):
    from web import create_app

    env = dict(os.environ, CLUSTERFLOW_DATABASE_URL=sqlite_url, CLUSTERFLOW_SECRET_KEY="test",
               CLUSTERFLOW_DATA_DIR=str(tmp_path / "files"))
    clusterflow = Path(sys.executable).with_name("clusterflow")
    subprocess.run([str(clusterflow), "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    child = subprocess.Popen([str(clusterflow), "worker", "--name", "w-term"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlite_url, "SECRET_KEY": "test", "READY_NEEDS_WORKER": True})
    client = app.test_client()   # requests outside the app context below: each reads afresh
    try:
        deadline = time.monotonic() + 120      # waiting for the process to come up, not measuring it
        while not _heartbeat(app, "w-term"):
            assert child.poll() is None, child.stdout.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        ready = client.get("/api/v1/health/ready")
        assert ready.status_code == 200 and ready.get_json()["checks"]["worker"] == "ok"
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=60) == 0
        assert not _heartbeat(app, "w-term")
        not_ready = client.get("/api/v1/health/ready")
        assert not_ready.status_code == 503 and not_ready.get_json()["checks"]["worker"].startswith("no worker")
    finally:
        if child.poll() is None:
            child.kill()


def _heartbeat(app, name: str) -> bool:
    with app.app_context(), unit_of_work(write=False) as uow:
        return uow.session.scalar(select(func.count()).select_from(WorkerHeartbeat)
                                  .where(WorkerHeartbeat.name == name)) == 1
