"""Per-request cost over HTTP: the simple approval (start -> user task -> gateway -> user task -> end) on SQLite,
one server worker, beside the raw engine doing the same steps in-process.

Targets (issue 13): task GET <= 5 ms and complete <= 10 ms (medians over HTTP, wall clock), a full lifecycle
(start, two completions, their GETs) <= 30 ms of server CPU. Wall-clock figures include the waitress round trip and
whatever else the machine runs; the server's CPU per request of each kind is printed beside them.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from .http import Client, Server
from .scenarios import ROOT, Scenario

APPROVAL = Scenario(name="simple approval", files=[ROOT / "bench" / "approval.bpmn"], process_id="bench_approval")
PASSWORD = "bench-password-long-enough"
SECRET = "bench-secret"
TARGETS = {"task_get_ms": 5.0, "complete_ms": 10.0, "lifecycle_cpu_ms": 30.0}


def _prepare(url: str) -> None:
    from flask_migrate import upgrade

    from engine.validation import read_sources
    from web import create_app, unit_of_work
    from web.runtime import current_runtime
    from web.services import deployment
    from web.services.users import create_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        upgrade()
        runtime = current_runtime()
        deployment.deploy(read_sources([str(p) for p in APPROVAL.files]), actor="bench", reason="bench",
                          uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
        create_user("expert", PASSWORD, role_ids=["cluster_expert"], province_ids=["tehran"], uow=unit_of_work(),
                    clock=runtime.clock)


def raw_engine(lifecycles: int) -> dict[str, float]:
    """The same lifecycle on plain SpiffWorkflow (restore, complete, run, serialize per completion)."""
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    from .raw import RawEngine

    raw = RawEngine(APPROVAL)
    completes, cpu = [], []
    for _ in range(lifecycles):
        c0 = time.process_time()
        workflow = BpmnWorkflow(raw.spec, raw.subprocesses, script_engine=raw.script_engine)
        workflow.do_engine_steps()
        state = raw.dumps(workflow)
        assert [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)]
        for element_id in ("review", "confirm"):
            t0 = time.perf_counter()
            state = raw.complete(state, element_id, {"decision": "approve"})
            completes.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"complete_ms": statistics.median(completes) * 1000, "lifecycle_cpu_ms": statistics.fmean(cpu) * 1000}


def _server_cpu(server: Server) -> float:
    """CPU seconds the server's threads have run, as the scheduler counts it (``/proc/<pid>/task/*/schedstat``,
    in ns): /proc/<pid>/stat's clock ticks (10 ms) are sampled, too coarse for requests of a few ms."""
    try:
        return sum(int((task / "schedstat").read_text().split()[0])
                   for task in Path(f"/proc/{server.process.pid}/task").iterdir()) / 1e9
    except (OSError, ValueError, IndexError):
        return server.cpu_seconds()


def _p90(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.9)] * 1000


def run(lifecycles: int | None = None) -> dict[str, Any]:
    """``lifecycles`` (BENCH_LIFECYCLES, default 60) full lifecycles over HTTP, timed per request, with the server's
    CPU per lifecycle; then the server's CPU per request of each kind, from as many starts, GETs and completions
    in a row; then the raw engine doing the same lifecycles in this process."""
    lifecycles = lifecycles or int(os.environ.get("BENCH_LIFECYCLES", "60"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/cost.sqlite"
        _prepare(url)
        server = Server(url, SECRET, Path(tmp), threads=1)
        try:
            client = Client(server.port)
            client.sign_in_api("expert", PASSWORD)
            starts, gets, completes = [], [], []

            def start() -> list[str]:
                t0 = time.perf_counter()
                status, view = client.post_json("/api/v1/process-instances", {
                    "process_id": APPROVAL.process_id, "province": "tehran",
                    "data": {"document_number": 1, "title": "bench"}})
                starts.append(time.perf_counter() - t0)
                assert status == 201, view
                return [t["id"] for t in view["open_tasks"]]

            def get(task_id: str) -> None:
                t0 = time.perf_counter()
                status, _ = client.get_json(f"/api/v1/tasks/{task_id}")
                gets.append(time.perf_counter() - t0)
                assert status == 200

            def complete(task_id: str) -> dict[str, Any]:
                t0 = time.perf_counter()
                status, outcome = client.post_json(f"/api/v1/tasks/{task_id}/complete",
                                                   {"data": {"decision": "approve"}})
                completes.append(time.perf_counter() - t0)
                assert status == 200, outcome
                return outcome

            def lifecycle() -> None:
                task_ids = start()
                for _ in range(2):
                    get(task_ids[0])
                    outcome = complete(task_ids[0])
                    task_ids = outcome["open_tasks"]
                assert outcome["status"] == "completed", outcome

            for _ in range(5):   # warm up
                lifecycle()
            del starts[:], gets[:], completes[:]
            cpu0, t0 = _server_cpu(server), time.perf_counter()
            for _ in range(lifecycles):
                lifecycle()
            elapsed, cpu = time.perf_counter() - t0, _server_cpu(server) - cpu0
            timed = {"start": list(starts), "get": list(gets), "complete": list(completes)}
            # the server's CPU per request of each kind: many of one kind in a row (a clock tick is 10 ms)
            per_request: dict[str, float] = {}
            cpu0 = _server_cpu(server)
            opened = [start()[0] for _ in range(lifecycles)]
            per_request["start"], cpu0 = (_server_cpu(server) - cpu0) / lifecycles * 1000, _server_cpu(server)
            for task_id in opened:
                get(task_id)
            per_request["task_get"], cpu0 = (_server_cpu(server) - cpu0) / lifecycles * 1000, _server_cpu(server)
            for task_id in opened:
                complete(task_id)
            per_request["complete"] = (_server_cpu(server) - cpu0) / lifecycles * 1000
        finally:
            server.stop()
    raw = raw_engine(lifecycles)
    out: dict[str, Any] = {
        "lifecycles": lifecycles,
        "start_ms": statistics.median(timed["start"]) * 1000, "start_p90_ms": _p90(timed["start"]),
        "task_get_ms": statistics.median(timed["get"]) * 1000, "task_get_p90_ms": _p90(timed["get"]),
        "complete_ms": statistics.median(timed["complete"]) * 1000, "complete_p90_ms": _p90(timed["complete"]),
        "lifecycle_cpu_ms": cpu / lifecycles * 1000, "lifecycles_per_s": lifecycles / elapsed,
        "server_cpu_per_request_ms": per_request,
        "raw_complete_ms": raw["complete_ms"], "raw_lifecycle_cpu_ms": raw["lifecycle_cpu_ms"]}
    out["complete_ratio_to_raw"] = out["complete_ms"] / raw["complete_ms"]
    out["lifecycle_cpu_ratio_to_raw"] = out["lifecycle_cpu_ms"] / raw["lifecycle_cpu_ms"]
    out["targets"] = {name: {"figure": out[name], "target": target, "met": out[name] <= target}
                      for name, target in TARGETS.items()}
    return out


LABELS = {"task_get_ms": "task GET (median, wall)", "complete_ms": "complete (median, wall)",
          "lifecycle_cpu_ms": "lifecycle server CPU"}


def report(out: dict[str, Any]) -> None:
    print(f"== per-request cost over HTTP (SQLite, one server worker, {out['lifecycles']} lifecycles of the simple "
          "approval: start, then GET + complete twice)")
    raw = {"complete_ms": f" = {out['complete_ratio_to_raw']:.1f}x the raw engine's {out['raw_complete_ms']:.2f} ms",
           "lifecycle_cpu_ms": f" = {out['lifecycle_cpu_ratio_to_raw']:.1f}x the raw engine's "
                               f"{out['raw_lifecycle_cpu_ms']:.2f} ms"}
    p90 = {"task_get_ms": out["task_get_p90_ms"], "complete_ms": out["complete_p90_ms"]}
    for name, verdict in out["targets"].items():
        spread = f", p90 {p90[name]:.1f} ms" if name in p90 else ""
        figure = f"{LABELS[name]} {verdict['figure']:.1f} ms{spread}{raw.get(name, '')}"
        if verdict["met"]:
            print(f"   met     {figure} (target <= {verdict['target']:g} ms)")
        else:
            print(f"   MISSED  {figure}: {verdict['figure']:.1f} ms against the target <= {verdict['target']:g} ms")
    cpu = out["server_cpu_per_request_ms"]
    print(f"   start {out['start_ms']:.1f} ms (median, p90 {out['start_p90_ms']:.1f}); {out['lifecycles_per_s']:.1f} "
          f"lifecycles/s; server CPU per request: start {cpu['start']:.1f} ms, task GET {cpu['task_get']:.1f} ms, "
          f"complete {cpu['complete']:.1f} ms")
