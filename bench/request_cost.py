"""Per-request cost over HTTP: the simple approval (start -> user task -> gateway -> user task -> end) on SQLite,
one server worker, beside the raw engine doing the same steps in-process."""
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


def run(lifecycles: int | None = None) -> dict[str, Any]:
    lifecycles = lifecycles or int(os.environ.get("BENCH_LIFECYCLES", "60"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/cost.sqlite"
        _prepare(url)
        server = Server(url, SECRET, Path(tmp), threads=1)
        try:
            client = Client(server.port)
            client.sign_in_api("expert", PASSWORD)
            starts, gets, completes = [], [], []

            def lifecycle() -> None:
                t0 = time.perf_counter()
                status, view = client.post_json("/api/v1/process-instances", {
                    "process_id": APPROVAL.process_id, "province": "tehran", "data": {"document_number": 1, "title": "bench"}})
                starts.append(time.perf_counter() - t0)
                assert status == 201, view
                task_ids = [t["id"] for t in view["open_tasks"]]
                for _ in range(2):
                    t0 = time.perf_counter()
                    status, _ = client.get_json(f"/api/v1/tasks/{task_ids[0]}")
                    gets.append(time.perf_counter() - t0)
                    assert status == 200
                    t0 = time.perf_counter()
                    status, outcome = client.post_json(f"/api/v1/tasks/{task_ids[0]}/complete",
                                                       {"data": {"decision": "approve"}})
                    completes.append(time.perf_counter() - t0)
                    assert status == 200, outcome
                    task_ids = outcome["open_tasks"]
                assert outcome["status"] == "completed", outcome

            for _ in range(5):   # warm up
                lifecycle()
            del starts[:], gets[:], completes[:]
            cpu0, t0 = server.cpu_seconds(), time.perf_counter()
            for _ in range(lifecycles):
                lifecycle()
            elapsed, cpu = time.perf_counter() - t0, server.cpu_seconds() - cpu0
        finally:
            server.stop()
    raw = raw_engine(lifecycles)
    out = {"lifecycles": lifecycles, "start_ms": statistics.median(starts) * 1000,
           "task_get_ms": statistics.median(gets) * 1000, "complete_ms": statistics.median(completes) * 1000,
           "lifecycle_cpu_ms": cpu / lifecycles * 1000, "lifecycles_per_s": lifecycles / elapsed,
           "raw_complete_ms": raw["complete_ms"], "raw_lifecycle_cpu_ms": raw["lifecycle_cpu_ms"]}
    out["complete_ratio_to_raw"] = out["complete_ms"] / raw["complete_ms"]
    out["lifecycle_cpu_ratio_to_raw"] = out["lifecycle_cpu_ms"] / raw["lifecycle_cpu_ms"]
    out["targets"] = {name: {"figure": out[name], "target": target, "met": out[name] <= target}
                      for name, target in TARGETS.items()}
    return out


def report(out: dict[str, Any]) -> None:
    print(f"== per-request cost over HTTP (SQLite, one worker, {out['lifecycles']} lifecycles of the simple approval)")
    print(f"   start {out['start_ms']:.1f} ms, task GET {out['task_get_ms']:.1f} ms, complete {out['complete_ms']:.1f} ms "
          f"(medians); server CPU {out['lifecycle_cpu_ms']:.1f} ms per lifecycle; {out['lifecycles_per_s']:.1f} lifecycles/s")
    print(f"   raw engine: complete {out['raw_complete_ms']:.2f} ms, lifecycle CPU {out['raw_lifecycle_cpu_ms']:.2f} ms; "
          f"ratios: complete x{out['complete_ratio_to_raw']:.1f}, lifecycle CPU x{out['lifecycle_cpu_ratio_to_raw']:.1f}")
    for name, verdict in out["targets"].items():
        print(f"     {'met   ' if verdict['met'] else 'MISSED'} {name:18} {verdict['figure']:8.1f}  (target <= {verdict['target']})")
