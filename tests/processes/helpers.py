"""Driving the service's processes through the service layer, as its users would.

Every step (a task completed, a timer fired, a message delivered) restores the instance's workflow from
the database and stores it again, compacted: the processes always run in restore-after-every-step mode.
``do_task`` and ``fire`` also check that the stored state restores to exactly itself.
"""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import undefer

from engine.calendar import persian_digits
from forms.context import ValidationContext
from forms.loader import load_form
from forms.marshmallow_schema import validate_submission
from tests.web.helpers import complete, deploy, open_tasks, start
from web import unit_of_work
from web.models import Event, ProcessInstance, TaskRecord
from web.runtime import current_runtime
from web.services import instances, messages, routing, timers
from web.services.actors import Actor

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ROOT / "processes"
_TEMPLATES = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=True)
_TEMPLATES.filters["fa"] = persian_digits   # as web/services/task_page.py
PROVINCE = "tehran"

__all__ = ["complete", "start"]   # re-exported for the tests


def actor(username: str, *roles: str) -> Actor:
    return Actor(username, frozenset(roles), frozenset({PROVINCE}))


def deploy_processes():
    return deploy(PROCESSES)


def tasks(instance_id: int, element_id: str | None = None) -> list[TaskRecord]:
    """The open tasks of an instance (of one element), oldest first."""
    found = [t for t in open_tasks(instance_id) if element_id is None or t.element_id == element_id]
    return sorted(found, key=lambda t: (t.created_at, t.assignee or "", t.id))


def one(instance_id: int, element_id: str) -> TaskRecord:
    found = tasks(instance_id, element_id)
    assert len(found) == 1, \
        f"{len(found)} open '{element_id}' tasks; open: {[t.element_id for t in tasks(instance_id)]}"
    return found[0]


def worker(task: TaskRecord) -> Actor:
    """Someone allowed to work on ``task``: its assignee, or a holder of its role."""
    return actor(task.assignee or f"{task.role}_user", task.role)


def do(instance_id: int, element_id: str, data: dict, *, assignee: str | None = None):
    """Complete the one open ``element_id`` task (the one assigned to ``assignee``) as someone allowed to.

    Its instructions must render with the task's data first (no undefined names).
    """
    found = [t for t in tasks(instance_id, element_id) if assignee is None or t.assignee == assignee]
    assert len(found) == 1, (f"{len(found)} open '{element_id}' tasks for {assignee}; "
                             f"open: {[(t.element_id, t.assignee) for t in tasks(instance_id)]}")
    return do_task(found[0], data)


def do_task(task: TaskRecord, data: dict):
    """Complete ``task`` as a person would in the browser: the data must pass the task's form, cleaned by it."""
    instructions_render(task)
    clean, errors = check_form(task, data)
    assert errors == {}, f"{task.element_id}: the form {task.form_id} refuses {errors}"
    outcome = complete(task.id, clean, actor=worker(task))
    assert_state_restores(task.instance_id)
    return outcome


def assert_state_restores(instance_id: int) -> None:
    """The stored state, restored and stored again, is the same state (compaction keeps nothing it then drops)."""
    runtime = current_runtime()
    with unit_of_work(write=False) as uow:
        row = uow.session.get(ProcessInstance, instance_id)
        if row.state:
            again = runtime.engine.dumps(instances.restore_workflow(runtime, row))
            assert json.loads(again) == json.loads(row.state)


def check_form(task: TaskRecord, data: dict) -> tuple[dict, dict]:
    """The task's form and rules on ``data`` with the live case data (people and dates: see tests/web)."""
    runtime = current_runtime()
    with unit_of_work(write=False) as uow:
        workflow = instances.restore_workflow(runtime, uow.session.get(ProcessInstance, task.instance_id))
    case = runtime.engine.task(workflow, task.id).data
    return validate_submission(load_form(task.form_id), data, "en", ValidationContext(case=case))


def refused(instance_id: int, element_id: str, data: dict) -> dict:
    """The errors the open ``element_id`` task's form gives ``data`` (it must refuse it)."""
    clean, errors = check_form(one(instance_id, element_id), data)
    assert errors, f"{element_id}: the form accepts {data}"
    return errors


def instructions_render(task: TaskRecord) -> str | None:
    """The task's instructions rendered with its data; fails on a name the data lacks."""
    runtime = current_runtime()
    with unit_of_work(write=False) as uow:
        workflow = instances.restore_workflow(runtime, uow.session.get(ProcessInstance, task.instance_id))
    live = runtime.engine.task(workflow, task.id)
    if not live.instructions:
        return None
    return _TEMPLATES.from_string(live.instructions).render(**live.data)


def fire(clock):
    runtime = current_runtime()
    run = timers.fire_due_timers(uow_factory=unit_of_work, runtime=runtime, clock=clock)
    for instance_id in {instance_id for instance_id, _ in run.fired}:
        assert_state_restores(instance_id)
    return run


def advance(clock, days: float = 0, *, step_days: float = 31, **kwargs) -> list[tuple[int, str]]:
    """Move the clock forward in steps, firing what falls due in each; every timer that fired, in order."""
    total = timedelta(days=days, **kwargs)
    fired: list[tuple[int, str]] = []
    while total > timedelta(0):
        step = min(total, timedelta(days=step_days))
        clock.advance(step)
        total -= step
        while True:
            run = fire(clock)
            assert run.failed == [], run.failed
            if not run.fired:
                break
            fired.extend(run.fired)
    return fired


def send_message(name: str, correlation: dict, payload, *, by: Actor | None = None):
    runtime = current_runtime()
    return messages.deliver_message(name, correlation, payload, actor=by or actor("isipo", "isipo_expert"),
                                    uow=unit_of_work(), runtime=runtime, clock=runtime.clock)


def instance(instance_id: int) -> ProcessInstance:
    with unit_of_work(write=False) as uow:
        # the whole row, serialized state included (a deferred column), readable after the session ends
        row = uow.session.get(ProcessInstance, instance_id, options=[undefer(ProcessInstance.state)])
        uow.session.expunge(row)
        return row


def children(instance_id: int) -> list[ProcessInstance]:
    with unit_of_work(write=False) as uow:
        rows = list(uow.session.scalars(select(ProcessInstance).where(ProcessInstance.parent_id == instance_id)
                                        .order_by(ProcessInstance.id)))
        for row in rows:
            uow.session.expunge(row)
        return rows


def data(instance_id: int) -> dict:
    """The case's data as the application sees it (the most recently changed live task's, or the last task's)."""
    runtime = current_runtime()
    with unit_of_work(write=False) as uow:
        row = uow.session.get(ProcessInstance, instance_id)
        workflow = instances.restore_workflow(runtime, row)
    return runtime.engine.current_data(workflow)


# -- the identification round -------------------------------------------------------------------------
COMMITTEE = ["gov_planning", "chamber", "bank_im"]
EXPERT = actor("expert", "cluster_expert")
_PANEL = ("market_outlook", "cooperation", "support_bds", "champions", "inclusion", "plan_fit")


def candidate(code, name, micro, small, medium, employment, value_added, exports, growth, lq, panel, **extra):
    return {"code": code, "name": name, "isic4": "3100", "subsector": "industrial", "counties": "تهران",
            "firms_micro": micro, "firms_small": small, "firms_medium": medium, "employment": employment,
            "output": value_added * 3, "value_added": value_added, "exports": exports, "growth_3y": growth,
            "lq": lq, **dict(zip(_PANEL, panel)), "evidence": f"file-{code}", **extra}


# Four candidates whose min-max normalised criteria come out round (worked by hand in test_identification_round).
CANDIDATES = [
    candidate("TH-01", "مبلمان", 100, 25, 5, 2000, 900_000_000_000, 500_000, 10, 2.5, (5, 4, 3, 5, 3, 5)),
    candidate("TH-02", "پوشاک", 70, 10, 0, 1100, 500_000_000_000, 0, 30, 0.9, (3, 5, 2, 3, 5, 3)),
    candidate("TH-03", "سفال", 27, 3, 0, 200, 100_000_000_000, 250_000, -10, 0.5, (1, 2, 1, 1, 2, 1)),
    candidate("TH-04", "قطعات خودرو", 50, 5, 0, 650, 300_000_000_000, 125_000, 0, 1.5, (4, 3, 5, 2, 1, 4)),
]


def start_round(**extra) -> int:
    outcome = start("identification_round", {"province": PROVINCE, "year": 1405, "committee_members": COMMITTEE,
                                             **extra}, actor=EXPERT)
    assert outcome.status == "running"
    return outcome.instance_id


def committee_votes(case: int, votes: dict[str, str], mode: str = "vote") -> None:
    """The secretary schedules the meeting, and each member votes."""
    do(case, "schedule_meeting", {"meeting_date": "1405/02/10", "agenda": "تصویب", "decision_mode": mode})
    for member, choice in votes.items():
        do(case, "cast_vote", {"vote": choice}, assignee=member)


def round_to_committee(case: int, proposed=("TH-01", "TH-02")) -> None:
    do(case, "register_candidates", {"candidates": CANDIDATES})
    do(case, "review_ranking", {"proposed_clusters": [{"code": c, "reason": "اولویت بالا"} for c in proposed],
                                "expert_opinion": "مطابق رتبه‌بندی"})
    do(case, "deputy_review", {"deputy_decision": "approve"})


def snapshot_tasks(instance_id: int) -> list[tuple[str, str, str]]:
    with unit_of_work(write=False) as uow:
        return sorted((t.id, t.element_id, t.status) for t in uow.session.scalars(
            select(TaskRecord).where(TaskRecord.instance_id == instance_id)))


# -- the cluster case ---------------------------------------------------------------------------------
COUNCIL = [
    {"full_name": "مدیرعامل", "username": "ceo", "seat": "chair"},
    {"full_name": "معاون", "username": "deputy", "seat": "deputy"},
    {"full_name": "بنگاه الف", "username": "firm_a", "seat": "firm"},
    {"full_name": "بنگاه ب", "username": "firm_b", "seat": "firm"},
    {"full_name": "بنگاه ج", "username": "firm_c", "seat": "firm"},
    {"full_name": "عامل توسعه", "username": "cda_user", "seat": "cda"},
    {"full_name": "ناظر", "username": "supervisor_user", "seat": "supervisor"},
]
COUNCIL_MEMBERS = [m["username"] for m in COUNCIL]
FEASIBILITY = {"readiness_score": 4, "interviews_n": 24, "recommendation": "go", "budget_estimate": 40_000_000_000,
               "feasibility_summary": "آمادگی بالا", "feasibility_file": "file-feasibility"}
CONTRACTS = {"cda_name": "شرکت مشاور", "cda_national_id": "10101010103", "cda_certificate": "file-cert",
             "cda_team": [{"full_name": "الف", "position": "agent"}, {"full_name": "ب", "position": "assistant"},
                          {"full_name": "ج", "position": "secretary"}],
             "cda_contract_no": "Q-1", "cda_contract_start": "1405/03/01", "cda_contract_months": 36,
             "cda_fee": 9_000_000_000, "supervisor_name": "ناظر", "supervisor_contract_no": "Q-2",
             "supervisor_fee": 3_000_000_000, "contracts_file": ["file-c1", "file-c2"]}
DIAGNOSTIC = {"cluster_definition": "مبلمان چوبی شهرستان‌های جنوب تهران", "value_chain_map": "file-vc",
              "survey_sample_n": 60, "swot": [{"kind": k, "text": k} for k in ("strength", "weakness", "opportunity",
                                                                                 "threat")],
              "leverage_points": "بازاریابی مشترک", "baseline_kpis": [{"kpi": "فروش", "baseline": 100}],
              "diagnostic_file": "file-diag"}
VISIT = {"visit_date": "1405/04/01", "firms_visited": 6, "findings": "روند مطلوب"}
PROGRESS = {"period": "سه‌ماهه", "activities": "نمایشگاه مشترک", "kpi_actuals": [{"kpi": "فروش", "actual": 110}]}
EVALUATION = {"kpi_results": [{"kpi": "فروش", "baseline": 100, "target": 130, "actual": 125}], "achievement": 80,
              "rating": "good"}


def joint_action(title="نمایشگاه مشترک", total=1_000_000_000, isipo=600_000_000, others=400_000_000):
    return {"title": title, "pillar": "networking", "horizon": "short", "action_type": "soft", "firms_n": 20,
            "budget_total": total, "budget_isipo": isipo, "budget_others": others, "kpi": "فروش",
            "kpi_baseline": 100, "kpi_target": 130}


def action_plan(*actions):
    return {"vision": "خوشه صادرات‌محور", "strategy": "بازاریابی مشترک", "plan_file": "file-plan",
            "joint_actions": list(actions) or [joint_action()]}


def open_case(code: str = "TH-01", name: str = "مبلمان") -> int:
    """A cluster case started the way a round starts one: by message cluster_case_requested."""
    runtime = current_runtime()
    payload = {"province": PROVINCE, "year": 1405, "round_key": f"{PROVINCE}-1405", "code": code, "name": name,
               "cluster_name": name, "title": f"توسعه خوشه {name}", "rank": 1, "score": 80.0,
               "candidate": CANDIDATES[0]}
    with unit_of_work() as uow:
        routing.route(uow.session, None, "cluster_case_requested", payload, runtime, runtime.clock.now(), "system", 0)
        uow.commit()
    with unit_of_work(write=False) as uow:
        return uow.session.scalar(select(ProcessInstance.id).where(ProcessInstance.process_id == "cluster_case")
                                  .order_by(ProcessInstance.id.desc()).limit(1))


def to_permit(case: int) -> None:
    do(case, "feasibility_study", FEASIBILITY)
    do(case, "feasibility_decision", {"feasibility_outcome": "go"})
    do(case, "official_request", {"request_no": "1405/120", "request_date": "1405/02/01", "request_file": "file-r"})


def to_diagnostic(case: int) -> None:
    to_permit(case)
    do(case, "issue_permit", {"permit_status": "issued", "permit_no": "P-1", "permit_date": "1405/02/20"})
    do(case, "sign_contracts", CONTRACTS)


def council_decides(case: int, outcome: str = "approve") -> None:
    """The council's secretary records minutes: all seven present, all voting ``outcome``."""
    do(case, "schedule_meeting", {"meeting_date": "1405/06/01", "agenda": "تصویب", "decision_mode": "minutes"})
    counts = {"votes_approve": 0, "votes_reject": 0, "votes_revise": 0}
    counts[f"votes_{outcome}"] = 7
    do(case, "record_minutes", {"held_on": "1405/06/01", "present_count": 7, "minutes_file": "file-m", **counts})


def to_action_plan(case: int) -> None:
    to_diagnostic(case)
    do(case, "diagnostic_study", DIAGNOSTIC)
    do(case, "review_diagnostic", {"review_status": "accepted", "supervisor_comments": "کامل است"})
    do(case, "form_council", {"council": COUNCIL})
    council_decides(case)


def report_what_is_due(case: int) -> list[str]:
    """Complete every open periodic report (visits, quarterly reports); their element ids."""
    done = []
    for task in tasks(case):
        if task.element_id in ("diagnostic_visit", "implementation_visit"):
            do_task(task, VISIT)
        elif task.element_id == "quarterly_report":
            do_task(task, PROGRESS)
        else:
            continue
        done.append(task.element_id)
    return done


def history(instance_id: int) -> list:
    """The instance's history events (action, actor, data), oldest first."""
    with unit_of_work(write=False) as uow:
        rows = list(uow.session.scalars(select(Event).where(Event.instance_id == instance_id).order_by(Event.id)))
        for row in rows:
            uow.session.expunge(row)
        return rows
