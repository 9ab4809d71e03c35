"""Two people completing the same task at the same moment: exactly one wins, the other gets a conflict."""
from __future__ import annotations

import threading

import pytest

from web.services.errors import Conflict

from .helpers import ROOT, complete, deploy, events, open_tasks, snapshot, start


@pytest.mark.parametrize("attempts", [2, 4])
def test_concurrent_completions_of_one_task(app, attempts):
    with app.app_context():
        deploy(ROOT / "examples" / "document_review.bpmn")
        outcome = start("document_review", {"document_number": 1})
        [task] = open_tasks(outcome.instance_id)

    barrier = threading.Barrier(attempts)
    results: list[object] = []
    lock = threading.Lock()

    def attempt(decision: str) -> None:
        with app.app_context():
            barrier.wait()
            try:
                result: object = complete(task.id, {"decision": decision})
            except Conflict as exc:
                result = exc
            with lock:
                results.append(result)

    threads = [threading.Thread(target=attempt, args=("approve" if i % 2 else "rework",)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(results) == attempts
    assert len(winners) == 1 and len(losers) == attempts - 1
    with app.app_context():
        assert [a for a, _ in events(outcome.instance_id)].count("task_completed") == 1
        state = snapshot(outcome.instance_id)
        completed = [t for t in state["tasks"] if t[0] == task.id]
        assert completed[0][1] == "completed"
        # the workflow moved exactly one step: either a new review (rework) or waiting for the permit
        assert len(open_tasks(outcome.instance_id)) + len(state["waits"]) == 1
