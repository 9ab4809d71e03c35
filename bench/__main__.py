"""Run the benchmarks and print B1, B2, B2/B1 and B4 per scenario; write bench/results.json.

B1  raw SpiffWorkflow: restore + complete one user task + run + serialize (cached specs)
B2  clusterflow's complete_task service with its committed transaction (SQLite, PostgreSQL)
B4  latency of completion #500 over completion #5 in one long-running instance
cost   per-request cost over HTTP (SQLite, one worker) with the raw-engine ratio (bench/request_cost.py)
scale  BENCH_CASES cases on PostgreSQL: pages, exports and throughput over HTTP against gunicorn (bench/scale.py);
       on its own server, or on BENCH_DATABASE_URL (a database with the cases of an earlier run is reused)
T1  timer lateness: 200 timers due over a minute, two `clusterflow worker` processes, PostgreSQL (bench/timers.py)

`python -m bench` runs them all; `python -m bench timers cost` (or BENCH_PARTS=timers,cost) runs some. Results are merged
into bench/results.json, so a partial run keeps the other figures.

Scenarios (bench/scenarios.py): the small example's rework loop, and the real cluster case's
diagnostic rework loop. Ratios are against B1 measured in the same run.
"""
from __future__ import annotations

import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from engine.clock import FrozenClock

from .scenarios import SCENARIOS, Scenario

ROOT = Path(__file__).resolve().parent.parent
RUNS = 200


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p90_ms(samples: list[float]) -> float:
    return sorted(samples)[int(len(samples) * 0.9)] * 1000


def bench_raw(scenario: Scenario) -> dict:
    from .raw import RawEngine

    raw = RawEngine(scenario)
    state = raw.start()
    loop = itertools.cycle(scenario.loop)
    for _ in range(4):  # a few passes in, like B2's instance
        element_id, data = next(loop)
        state = raw.complete(state, element_id, data)
    # The raw engine keeps its whole history, so chaining completions would time a growing
    # tree; the floor is the next completion from the same early state, every time.
    element_id, data = next(loop)
    for _ in range(20):
        raw.complete(state, element_id, data)
    samples = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        raw.complete(state, element_id, data)
        samples.append(time.perf_counter() - t0)
    return {"median_ms": median_ms(samples), "p90_ms": p90_ms(samples), "runs": RUNS}


def _service_run(scenario: Scenario, url: str, completions: int) -> list[float]:
    """Latency of each completion of the scenario's loop in one instance, through the service layer."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from engine.validation import read_sources
    from web import create_app, unit_of_work
    from web.models import ProcessInstance, TaskRecord
    from web.runtime import current_runtime
    from web.services import deployment, instances, routing
    from web.services.actors import SYSTEM

    clock = FrozenClock()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}, clock=clock)
    samples = []
    with app.app_context():
        upgrade()
        runtime = current_runtime()
        deployment.deploy(read_sources(scenario.files), actor="bench", reason=None, uow=unit_of_work(),
                          runtime=runtime, clock=clock)
        if scenario.start_message:
            with unit_of_work() as uow:
                routing.route(uow.session, None, scenario.start_message, scenario.start_data, runtime, clock.now(),
                              "bench", 0)
                uow.commit()
        else:
            instances.start_instance(scenario.process_id, scenario.start_data, actor=SYSTEM, province="tehran",
                                     uow=unit_of_work(), runtime=runtime, clock=clock)
        with unit_of_work(write=False) as uow:
            instance_id = uow.session.scalar(select(ProcessInstance.id).where(
                ProcessInstance.process_id == scenario.process_id))

        def complete(element_id: str, data: dict) -> float:
            with unit_of_work(write=False) as uow:
                task_id = uow.session.scalar(select(TaskRecord.id).where(
                    TaskRecord.instance_id == instance_id, TaskRecord.status == "open",
                    TaskRecord.element_id == element_id))
            t0 = time.perf_counter()
            instances.complete_task(task_id, data, actor=SYSTEM, uow=unit_of_work(), runtime=runtime, clock=clock)
            elapsed = time.perf_counter() - t0
            clock.advance(minutes=1)
            return elapsed

        for element_id, data in scenario.prelude:
            complete(element_id, data)
        loop = itertools.cycle(scenario.loop)
        for _ in range(completions):
            samples.append(complete(*next(loop)))
    return samples


def bench_service(scenario: Scenario, url: str) -> dict:
    samples = _service_run(scenario, url, RUNS + 20)[20:]
    return {"median_ms": median_ms(samples), "p90_ms": p90_ms(samples), "runs": len(samples)}


def bench_history(scenario: Scenario, url: str) -> dict:
    samples = _service_run(scenario, url, 505)
    early = median_ms(samples[2:9])      # completions #3..#9, around #5
    late = median_ms(samples[496:503])   # completions #497..#503, around #500
    return {"completion_5_ms": early, "completion_500_ms": late, "ratio": late / early}


def postgres_server():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT))
    from tests.pgserver import PostgresServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        return None
    server = PostgresServer(bindir)
    server.start()
    return server


def bench_engine(results: dict, server) -> None:  # type: ignore[no-untyped-def]
    for number, scenario in enumerate(SCENARIOS):
        print(f"== {scenario.name}")
        out = results[scenario.process_id] = {}
        out["B1_raw"] = b1 = bench_raw(scenario)
        print(f"B1 raw engine floor:               median {b1['median_ms']:.2f} ms  p90 {b1['p90_ms']:.2f} ms")
        with tempfile.TemporaryDirectory() as tmp:
            out["B2_sqlite"] = b2 = bench_service(scenario, f"sqlite:///{tmp}/b2.sqlite")
            b2["ratio_to_B1"] = b2["median_ms"] / b1["median_ms"]
            print(f"B2 service completion (SQLite):    median {b2['median_ms']:.2f} ms  p90 {b2['p90_ms']:.2f} ms"
                  f"  B2/B1 = {b2['ratio_to_B1']:.2f} (target <= 3)")
            out["B4_sqlite"] = b4 = bench_history(scenario, f"sqlite:///{tmp}/b4.sqlite")
            print(f"B4 completion #500 / #5 (SQLite):  {b4['completion_500_ms']:.2f} / "
                  f"{b4['completion_5_ms']:.2f} ms = {b4['ratio']:.2f} (target <= 1.3)")
        if server is None:
            print("B2 PostgreSQL: skipped (no PostgreSQL server binaries installed)")
            continue
        out["B2_postgresql"] = b2p = bench_service(scenario, server.create_database(f"bench_{number}"))
        b2p["ratio_to_B1"] = b2p["median_ms"] / b1["median_ms"]
        print(f"B2 service completion (PostgreSQL): median {b2p['median_ms']:.2f} ms  p90 {b2p['p90_ms']:.2f} ms"
              f"  B2/B1 = {b2p['ratio_to_B1']:.2f}")


def main() -> None:
    """Parts (arguments, or BENCH_PARTS comma-separated; default all): engine (B1/B2/B4), timers (T1, two
    workers on PostgreSQL), cost (HTTP per-request cost on SQLite), scale (BENCH_CASES cases on PostgreSQL,
    default 100,000). Results are merged into bench/results.json, so a partial run keeps the other figures."""
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    from . import request_cost, scale, targets

    known = {"engine", "timers", "cost", "scale"}
    parts = set(sys.argv[1:]) or set(os.environ.get("BENCH_PARTS", ",".join(sorted(known))).split(","))
    if parts - known:
        sys.exit(f"unknown benchmark part(s): {', '.join(sorted(parts - known))} (choose {', '.join(sorted(known))})")
    path = ROOT / "bench" / "results.json"
    try:
        results: dict = json.loads(path.read_text())
    except (OSError, ValueError):
        results = {}
    given = os.environ.get("BENCH_DATABASE_URL")   # the scale part may run on a database given
    server = postgres_server() if parts & {"engine", "timers"} or ("scale" in parts and not given) else None
    scale_count = None
    try:
        if "engine" in parts:
            bench_engine(results, server)
        if "timers" in parts:
            from .timers import bench_timer_lateness, report

            if server is None:
                print("T1 timer lateness: skipped (no PostgreSQL server binaries installed)")
            else:
                results["timer_lateness"] = result = bench_timer_lateness(server.create_database("bench_timers"))
                report(result)
        if "cost" in parts:
            results["request_cost"] = cost = request_cost.run()
            request_cost.report(cost)
        if "scale" in parts:
            if server is None and not os.environ.get("BENCH_DATABASE_URL"):
                print("scale: skipped (no PostgreSQL server binaries installed)")
            else:
                out = scale.run(server, int(os.environ.get("BENCH_CASES", "100000")))
                scale.report(out)
                results.setdefault("scale", {})[str(out["case_count"])] = out
                scale_count = out["case_count"]
    finally:
        if server is not None:
            server.stop()
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    targets.report(targets.collect(results, parts, scale_count))
    print(f"written {path}")


if __name__ == "__main__":
    main()
