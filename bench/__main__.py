"""Run the benchmarks and print B1, B2, B2/B1 and B4; write bench/results.json.

B1  raw SpiffWorkflow: restore + complete one user task + run + serialize (cached specs)
B2  clusterflow's complete_task service with its committed transaction (SQLite, PostgreSQL)
B4  latency of completion #500 over completion #5 in one long-running instance
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from engine.clock import FrozenClock

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "document_review.bpmn"
PROCESS = "document_review"
REWORK = {"decision": "rework"}
RUNS = 200


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def bench_raw() -> dict:
    from bench.raw import RawEngine

    raw = RawEngine(EXAMPLE, PROCESS)
    state = raw.start({"document_number": 1})
    for _ in range(5):  # an instance a few steps in, like B2's
        state = raw.complete_one(state, REWORK)
    # The raw engine keeps its whole history, so chaining completions would measure a growing
    # tree; the floor is one completion from the same early state, every time.
    for _ in range(20):  # warm up
        raw.complete_one(state, REWORK)
    samples = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        raw.complete_one(state, REWORK)
        samples.append(time.perf_counter() - t0)
    return {"median_ms": median_ms(samples), "p90_ms": sorted(samples)[int(RUNS * 0.9)] * 1000, "runs": RUNS}


def _service_run(url: str, completions: int) -> list[float]:
    """Latency of each completion of the rework loop in one instance, through the service layer."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from engine.validation import read_sources
    from web import create_app, unit_of_work
    from web.models import TaskRecord
    from web.runtime import current_runtime
    from web.services import deployment, instances
    from web.services.actors import Actor

    clock = FrozenClock()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"}, clock=clock)
    actor = Actor("bench", frozenset({"cluster_expert"}), frozenset({"tehran"}))
    samples = []
    with app.app_context():
        upgrade()
        runtime = current_runtime()
        deployment.deploy(read_sources([EXAMPLE]), actor="bench", reason=None, uow=unit_of_work(),
                          runtime=runtime, clock=clock)
        outcome = instances.start_instance(PROCESS, {"document_number": 1}, actor=actor, province="tehran",
                                           uow=unit_of_work(), runtime=runtime, clock=clock)
        task_id = outcome.next_task_for_actor
        for _ in range(completions):
            t0 = time.perf_counter()
            outcome = instances.complete_task(task_id, REWORK, actor=actor, uow=unit_of_work(), runtime=runtime,
                                              clock=clock)
            samples.append(time.perf_counter() - t0)
            task_id = outcome.next_task_for_actor
            clock.advance(minutes=1)
        with unit_of_work(write=False) as uow:
            assert uow.session.scalar(select(TaskRecord.status).where(TaskRecord.id == task_id)) == "open"
    return samples


def bench_service(url: str) -> dict:
    samples = _service_run(url, RUNS + 20)[20:]
    return {"median_ms": median_ms(samples), "p90_ms": sorted(samples)[int(len(samples) * 0.9)] * 1000,
            "runs": len(samples)}


def bench_history(url: str) -> dict:
    samples = _service_run(url, 505)
    early = median_ms(samples[2:9])      # completions #3..#9, around #5
    late = median_ms(samples[496:503])   # completions #497..#503, around #500
    return {"completion_5_ms": early, "completion_500_ms": late, "ratio": late / early}


def postgres_url() -> tuple[str | None, object | None]:
    sys.path.insert(0, str(ROOT))
    from tests.pgserver import PostgresServer, find_bindir

    bindir = find_bindir()
    if bindir is None:
        return None, None
    server = PostgresServer(bindir)
    server.start()
    return server.create_database("bench"), server


def main() -> None:
    results: dict = {}
    results["B1_raw"] = b1 = bench_raw()
    print(f"B1 raw engine floor:            median {b1['median_ms']:.2f} ms  p90 {b1['p90_ms']:.2f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        results["B2_sqlite"] = b2 = bench_service(f"sqlite:///{tmp}/bench.sqlite")
        print(f"B2 service completion (SQLite): median {b2['median_ms']:.2f} ms  p90 {b2['p90_ms']:.2f} ms"
              f"  B2/B1 = {b2['median_ms'] / b1['median_ms']:.2f} (target <= 3)")
        results["B2_sqlite"]["ratio_to_B1"] = b2["median_ms"] / b1["median_ms"]
        results["B4_sqlite"] = b4 = bench_history(f"sqlite:///{tmp}/history.sqlite")
        print(f"B4 completion #500 / #5 (SQLite): {b4['completion_500_ms']:.2f} / {b4['completion_5_ms']:.2f} ms"
              f" = {b4['ratio']:.2f} (target <= 1.3)")
    url, server = postgres_url()
    if url is None:
        print("B2 PostgreSQL: skipped (no PostgreSQL server binaries installed)")
    else:
        try:
            results["B2_postgresql"] = b2p = bench_service(url)
            b2p["ratio_to_B1"] = b2p["median_ms"] / b1["median_ms"]
            print(f"B2 service completion (PostgreSQL): median {b2p['median_ms']:.2f} ms"
                  f"  p90 {b2p['p90_ms']:.2f} ms  B2/B1 = {b2p['ratio_to_B1']:.2f}")
        finally:
            server.stop()
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2))
    print(f"written {ROOT / 'bench' / 'results.json'}")


if __name__ == "__main__":
    main()
