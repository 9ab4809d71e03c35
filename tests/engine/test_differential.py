"""Saving, compacting and restoring after every step never changes what a process does.

Every process the project has (processes/, examples/, the engine's test fixtures, the BPMN MIWG
reference models, and models written for the patterns compaction can break: loops into joins, and
boundary timers, multi-instance tasks, call activities and event-based gateways inside loops) runs
twice with the same driver (tests/engine/differential.py): with the engine alone, never saved, and
with clusterflow's save/compact/restore after every step. Both runs must end the same way, complete
the same elements in the same order and show the same data at every step. After every save, each open
task read from the stored state (``Engine.peek_task``, what the task page shows) equals the restored one.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from engine.registry import Registry
from tests.conftest import missing
from tests.engine.differential import run
from tests.processes import helpers as cases

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "engine" / "fixtures"


def _shared() -> Path:
    """../shared beside the repository (in a git worktree: beside its main checkout, when only that has it)."""
    candidates = [ROOT / ".." / "shared"]
    dot_git = ROOT / ".git"
    if dot_git.is_file():  # "gitdir: <main>/.git/worktrees/<name>"
        gitdir = Path(dot_git.read_text(encoding="utf-8").partition("gitdir:")[2].strip())
        candidates.append(gitdir.parents[2] / ".." / "shared")
    return next((c.resolve() for c in candidates if c.is_dir()), candidates[0].resolve())


MIWG = Path(os.environ.get("CLUSTERFLOW_MIWG_DIR") or _shared() / "conformance" / "miwg")

# Models the engine cannot load at all, and why (test_every_model_is_covered checks the list is exact).
_PARSER = "SpiffWorkflow 3.2's parser refuses it"
UNLOADABLE = {
    # the validator's test cases, broken on purpose
    "fixtures/validation/xml/billion_laughs.bpmn": "entity expansion (refused by xmlsafe)",
    "fixtures/validation/xml/external_entity.bpmn": "external entity (refused by xmlsafe)",
    "fixtures/validation/xml/malformed.bpmn": "not well-formed XML",
    "fixtures/validation/spiff/no_start.bpmn": "no start event",
    "fixtures/validation/spiff/data_store.bpmn": "a data store without implementation",
    "fixtures/validation/spiff/unsupported.bpmn": "an element SpiffWorkflow does not support",
    "fixtures/validation/spiff/no_condition.bpmn": "an exclusive flow without condition",
    "fixtures/validation/spiff/two_outgoing.bpmn": "a task with two outgoing flows",
    "fixtures/validation/refs/missing_called.bpmn": "calls a process that is not there",
    "fixtures/validation/refs/missing_decision.bpmn": "calls a decision that is not there",
    "fixtures/validation/refs/broken_refs.bpmn": "broken references",
    # the MIWG models are interchange tests, mostly descriptive: SpiffWorkflow cannot parse these
    "miwg/A.2.0.bpmn": f"{_PARSER}: an exclusive flow without condition",
    "miwg/A.2.1.bpmn": f"{_PARSER}: a task with two outgoing flows",
    "miwg/A.3.0.bpmn": f"{_PARSER}: a subprocess without start event",
    "miwg/A.4.0.bpmn": f"{_PARSER}: a task with two outgoing flows",
    "miwg/A.4.1.bpmn": f"{_PARSER}: a task with two outgoing flows",
    "miwg/B.1.0.bpmn": f"{_PARSER}: a data store without implementation",
    "miwg/B.2.0.bpmn": f"{_PARSER}: a data store without implementation",
    "miwg/C.1.0.bpmn": f"{_PARSER}: a timer without a time expression",
    "miwg/C.1.1.bpmn": f"{_PARSER}: a data store without implementation",
    "miwg/C.2.0.bpmn": f"{_PARSER}: an exclusive flow without condition",
    "miwg/C.3.0.bpmn": f"{_PARSER}: a subprocess without start event",
    "miwg/C.4.0.bpmn": f"{_PARSER}: a data store without implementation",
    "miwg/C.5.0.bpmn": f"{_PARSER}: a data store without implementation",
    "miwg/C.6.0.bpmn": f"{_PARSER}: an unresolvable data input association",
    "miwg/C.7.0.bpmn": f"{_PARSER}: an unresolvable data output association",
    "miwg/C.8.0.bpmn": f"{_PARSER}: a service task without operator",
    "miwg/C.8.1.bpmn": f"{_PARSER}: a service task without operator",
    "miwg/C.9.0.bpmn": f"{_PARSER}: a service task without operator",
    "miwg/C.9.2.bpmn": f"{_PARSER}: a multi-instance call activity without cardinality",
}
# Files with nothing the engine would run: no process marked executable, or no process at all.
NOT_EXECUTABLE = {"fixtures/validation/executability/non_executable.bpmn", "fixtures/validation/xml/not_bpmn.bpmn"}

ANSWERS = {
    # processes/: the data the process tests submit, with one rework round where there is a loop
    "feasibility_study": cases.FEASIBILITY,
    "feasibility_decision": [{"feasibility_outcome": "defer"}, {"feasibility_outcome": "go"}],
    "official_request": {"request_no": "1405/120", "request_date": "1405/02/01", "request_file": "file-r"},
    "issue_permit": {"permit_status": "issued", "permit_no": "P-1", "permit_date": "1405/02/20"},
    "follow_up_permit": {"follow_up_note": "پیگیری شد"},
    "sign_contracts": cases.CONTRACTS,
    "diagnostic_study": cases.DIAGNOSTIC,
    "review_diagnostic": [{"review_status": "rework", "supervisor_comments": "ناقص"},
                          {"review_status": "accepted", "supervisor_comments": "کامل است"}],
    "form_council": {"council": cases.COUNCIL},
    "schedule_meeting": {"meeting_date": "1405/06/01", "agenda": "تصویب", "decision_mode": "minutes"},
    "record_minutes": {"held_on": "1405/06/01", "present_count": 7, "minutes_file": "file-m", "votes_approve": 7,
                       "votes_reject": 0, "votes_revise": 0},
    "cast_vote": {"vote": "approve"},
    "chair_decides": {"chair_decision": "approve"},
    "draft_action_plan": cases.action_plan(),
    "diagnostic_visit": cases.VISIT, "implementation_visit": cases.VISIT, "quarterly_report": cases.PROGRESS,
    "yearly_evaluation": cases.EVALUATION,
    "register_candidates": {"candidates": cases.CANDIDATES},
    "review_ranking": {"proposed_clusters": [{"code": "TH-01", "reason": "اولویت بالا"}],
                       "expert_opinion": "مطابق رتبه‌بندی"},
    "deputy_review": [{"deputy_decision": "send_back"}, {"deputy_decision": "approve"}],
    # examples/
    "review_document": [{"decision": "reject"}, {"decision": "approve"}],
    "escalated_review": {"decision": "approve"},
    # tests/engine/fixtures/differential
    "vote": {"ballot": "yes"},
}
START_DATA = {
    "identification_round": {"province": cases.PROVINCE, "year": 1405, "committee_members": cases.COMMITTEE},
    "cluster_diagnostic": {"cluster_name": "مبلمان", "case_key": "tehran-1405-TH-01", "diagnostic_round": 1,
                           "review_round": 0},
    "committee_approval": {"committee_members": cases.COMMITTEE, "approval_subject": "رتبه‌بندی"},
    "council_approval": {"council_members": cases.COUNCIL_MEMBERS, "approval_subject": "برنامه"},
    "document_review": {"document_number": 7},
    "review_round": {"checks": 0},
    "sandbox_fees": {"amounts": ["12.50", "7.25"]},
    "permit_application": {"sla_days": 5, "employees": 12},
}
CASE_PAYLOAD = {"province": cases.PROVINCE, "year": 1405, "round_key": f"{cases.PROVINCE}-1405", "code": "TH-01",
                "name": "مبلمان", "cluster_name": "مبلمان", "title": "توسعه خوشه مبلمان", "rank": 1, "score": 80.0,
                "candidate": cases.CANDIDATES[0]}


def _sources(paths: list[Path], executable: bool = False) -> dict[str, bytes]:
    sources = {}
    for path in paths:
        data = path.read_bytes()
        if executable:  # the MIWG models are interchange tests: run every process they hold
            data = re.sub(rb'isExecutable="false"', b'isExecutable="true"', data)
            data = re.sub(rb'<((?:\w+:)?process) (?![^>]*isExecutable)', rb'<\1 isExecutable="true" ', data)
        sources[path.name] = data
    return sources


def _groups() -> list[tuple[str, list[Path], bool]]:
    """(label, files, force executable) of every spec set to run: a directory of related files, else each file."""
    groups = [("processes", sorted((ROOT / "processes").glob("*.bpmn")) + sorted((ROOT / "processes").glob("*.dmn")),
               False)]
    groups += [(f"examples/{p.name}", [p], False) for p in sorted((ROOT / "examples").glob("*.bpmn"))]
    for directory in sorted({p.parent for p in FIXTURES.rglob("*.bpmn")}):
        files = sorted(directory.glob("*.bpmn")) + sorted(directory.glob("*.dmn"))
        if _try_load(_sources(files)) is not None:
            groups.append((f"fixtures/{directory.relative_to(FIXTURES).as_posix()}", files, False))
            continue
        for path in sorted(directory.glob("*.bpmn")):
            groups.append((f"fixtures/{path.relative_to(FIXTURES).as_posix()}",
                           [path, *sorted(directory.glob("*.dmn"))], False))
    for path in sorted(MIWG.glob("*.bpmn")) if MIWG.is_dir() else []:
        groups.append((f"miwg/{path.name}", [path], True))
    return groups


def _try_load(sources: dict[str, bytes]):
    try:
        return Registry().load(sources, validate=False)
    except Exception:  # noqa: BLE001 — without validation, the parser's own errors come through
        return None


def _load(files: list[Path], executable: bool):
    """The spec set of ``files``, or None; a file's directory may hold decision files broken on purpose."""
    spec_set = _try_load(_sources(files, executable))
    if spec_set is None and any(p.suffix == ".dmn" for p in files):
        spec_set = _try_load(_sources([p for p in files if p.suffix == ".bpmn"], executable))
    return spec_set


def _collect() -> tuple[list[tuple[str, object, str]], list[str], list[str]]:
    runs, failed, idle = [], [], []
    for label, files, executable in _groups():
        spec_set = _load(files, executable)
        if spec_set is None:
            failed.append(label)
        elif not spec_set.processes:
            idle.append(label)
        for process_id in sorted(spec_set.processes) if spec_set else []:
            runs.append((label, spec_set, process_id))
    return runs, failed, idle


def _start(spec_set, process_id):
    for name, pid in spec_set.message_starts.items():
        if pid == process_id:
            return {"start_message": (name, CASE_PAYLOAD)}
    return {"start_data": START_DATA.get(process_id, {})}


PROCESSES, FAILED, IDLE = _collect()
# Each process runs under three driver rhythms: events (timers, messages) are preferred at different steps.
RUNS = [(label, spec_set, pid, rhythm) for label, spec_set, pid in PROCESSES for rhythm in (0, 1, 2)]


def test_every_model_is_covered():
    if not MIWG.is_dir():
        missing(f"the MIWG reference models ({MIWG})")
    assert sorted(FAILED) == sorted(UNLOADABLE)
    assert sorted(IDLE) == sorted(NOT_EXECUTABLE)
    assert len(RUNS) >= 40
    assert {pid for _, _, pid in PROCESSES} >= {
        "loop_parallel_join", "loop_inclusive_join", "loop_split_join", "loop_boundary_timer",
        "loop_multi_instance", "loop_call_activity", "loop_event_gateway", "cluster_case", "identification_round",
        "document_review", "WFP-6-", "requestDocument_en"}


@pytest.mark.parametrize("label, spec_set, process_id, rhythm", RUNS,
                         ids=[f"{label}:{pid}:{rhythm}" for label, _, pid, rhythm in RUNS])
def test_save_compact_restore_after_every_step_changes_nothing(label, spec_set, process_id, rhythm):
    start = _start(spec_set, process_id)
    plain = run(spec_set, process_id, saved=False, answers=ANSWERS, rhythm=rhythm, **start)
    saved = run(spec_set, process_id, saved=True, answers=ANSWERS, rhythm=rhythm, **start)
    assert saved.status == plain.status
    assert saved.completed == plain.completed
    for number, (mine, theirs) in enumerate(zip(saved.steps, plain.steps)):
        assert mine == theirs, f"step {number} differs"
    assert len(saved.steps) == len(plain.steps)


LOOPS = ["loop_parallel_join", "loop_inclusive_join", "loop_split_join", "loop_boundary_timer",
         "loop_multi_instance", "loop_call_activity", "loop_event_gateway"]


@pytest.mark.parametrize("process_id", LOOPS)
def test_the_loop_models_run_to_their_end(process_id):
    """The new models finish in the plain engine, going round their loop: the comparison above is not vacuous."""
    spec_set = next(s for _, s, pid in PROCESSES if pid == process_id)
    plain = run(spec_set, process_id, saved=False, answers=ANSWERS)
    assert plain.status == "completed"
    assert plain.steps[-1]["workflow_data"]["count"] >= 4
