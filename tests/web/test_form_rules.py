"""Rules at the field, before anything changes: the identification round through the API, web and services.

Case choices (eligible candidates), people (committee members), one round per province and year.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tests.processes.helpers import CANDIDATES, PROCESSES
from web import unit_of_work
from web.models import Event, ProcessInstance, User
from web.runtime import current_runtime
from web.services import starting
from web.services.actors import Actor
from web.services.errors import Conflict, DuplicateCase
from web.services.users import create_user

from .api_helpers import api, bearer
from .browser_helpers import PASSWORD, csrf_token, login
from .helpers import deploy, events, open_tasks, snapshot

MEMBERS = {"gov_planning": "مریم احمدی", "chamber": "علی رضایی", "bank_im": "سارا کریمی"}
COMMITTEE = [{"full_name": name, "username": user} for user, name in MEMBERS.items()]
DUPLICATE_FA = "دور شناسایی این استان برای این سال پیش‌تر آغاز شده است"


def _user(username: str, roles: list[str], provinces: list[str], name: str | None = None) -> None:
    create_user(username, PASSWORD, role_ids=roles, province_ids=provinces, display_name=name,
                uow=unit_of_work(), clock=current_runtime().clock)


@pytest.fixture
def world(sqlite_app):
    with sqlite_app.app_context():
        _user("sara", ["cluster_expert"], ["tehran"])
        _user("dara", ["small_industries_deputy"], ["tehran"])
        _user("sup", ["supervisor"], ["tehran"])
        for username, name in MEMBERS.items():
            _user(username, ["committee_member"], ["tehran"], name)
        _user("shiraz_member", ["committee_member"], ["fars"], "عضو فارس")
        _user("gone", ["committee_member"], ["tehran"], "کاربر غیرفعال")
        with unit_of_work() as uow:
            uow.session.scalar(select(User).where(User.username == "gone")).active = False
            uow.commit()
        deploy(PROCESSES)
    tokens = {name: bearer(sqlite_app, name) for name in ("sara", "dara", "sup")}
    return sqlite_app, sqlite_app.test_client(), tokens


def start_round(client, token, year=1405, committee=COMMITTEE, lang=None, **extra):
    return api(client, "POST", "/process-instances", token=token, lang=lang, json={
        "process_id": "identification_round", "province": "tehran",
        "data": {"year": year, "committee": committee, **extra}})


def test_committee_members_must_be_active_users_of_the_role_in_the_province(world):
    app, client, tokens = world
    for stranger in ("ghost", "shiraz_member", "gone", "dara"):
        committee = [*COMMITTEE[:2], {"full_name": "عضو", "username": stranger}]
        refused = start_round(client, tokens["sara"], committee=committee, lang="en")
        assert refused.status_code == 422, stranger
        assert refused.get_json()["errors"] == {"committee.2.username": [
            f"“{stranger}” is not an active user holding the required role in this province."]}
    twice = start_round(client, tokens["sara"], committee=[*COMMITTEE, COMMITTEE[0]], lang="en")
    assert twice.get_json()["errors"] == {"committee.3.username": ["This member is listed more than once."]}
    with app.app_context(), unit_of_work(write=False) as uow:
        assert uow.session.scalar(select(ProcessInstance.id)) is None            # nothing was started
    assert start_round(client, tokens["sara"]).status_code == 201


def test_one_round_per_province_and_year_and_a_supervisors_repeat(world):
    app, client, tokens = world
    first = start_round(client, tokens["sara"])
    assert first.status_code == 201
    again = start_round(client, tokens["sara"])
    assert again.status_code == 409 and again.get_json()["error"] == "DuplicateCase"
    assert again.get_json()["errors"]["year"][0].startswith(DUPLICATE_FA)
    in_english = start_round(client, tokens["sara"], lang="en")
    assert in_english.get_json()["errors"]["year"][0].startswith("A round for this province and year")
    # an expert's reason is not enough; the year after is another round
    assert start_round(client, tokens["sara"], repeat_reason="اشتباه").status_code == 409
    assert start_round(client, tokens["sara"], year=1406).status_code == 201
    # a supervisor may repeat the round, giving the reason, which the history keeps
    repeat = start_round(client, tokens["sup"], repeat_reason="داده‌های سالنامه اصلاح شد")
    assert repeat.status_code == 201, repeat.get_json()
    started = repeat.get_json()["history"][0]
    assert (started["actor"], started["data"]["repeat_reason"]) == ("sup", "داده‌های سالنامه اصلاح شد")
    assert start_round(client, tokens["sup"]).status_code == 409              # without a reason: refused
    # a terminated round does not count
    with app.app_context(), unit_of_work(write=False) as uow:
        assert uow.session.scalar(select(ProcessInstance.unique_key).where(
            ProcessInstance.id == first.get_json()["id"])) == "identification_round|tehran|1405"
    assert api(client, "POST", "/process-instances/{instance_id}/terminate", token=tokens["sup"],
               json={"reason": "تکراری"}, instance_id=repeat.get_json()["id"]).status_code == 200
    stopped = api(client, "POST", "/process-instances/{instance_id}/terminate", token=tokens["sup"],
                  json={"reason": "آغاز اشتباه"}, instance_id=first.get_json()["id"])
    assert stopped.status_code == 200, stopped.get_json()
    assert start_round(client, tokens["sara"]).status_code == 201            # both 1405 rounds ended: a new one
    repeat = start_round(client, tokens["sup"], year=1406, repeat_reason="x")
    assert repeat.status_code == 201
    assert api(client, "POST", "/process-instances/{instance_id}/terminate", token=tokens["sup"], json={
        "reason": "y"}, instance_id=start_round(client, tokens["sara"], year=1407).get_json()["id"]).status_code == 200
    stopped = api(client, "POST", "/process-instances", token=tokens["sup"], json={
        "process_id": "identification_round", "province": "tehran", "data": {"year": 1407, "committee": COMMITTEE,
                                                                            "repeat_reason": "z"}})
    assert stopped.status_code == 403            # nothing to repeat: a supervisor does not start a first round
    with app.app_context():                     # the 1406 repeat counts as that year's round too
        original = [i for i, in _rows("identification_round|tehran|1406")]
    assert len(original) == 1


def test_a_second_round_is_refused_on_the_web_start_page_at_the_year(world):
    app, client, tokens = world
    assert start_round(client, tokens["sara"]).status_code == 201
    login(client, "sara")
    page = client.get("/start/identification_round")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "مریم احمدی" in text and 'value="gov_planning"' in text and "عضو فارس" not in text
    posted = {"province": "tehran", "year": "۱۴۰۵", "csrf_token": csrf_token(client, "/start/identification_round")}
    for index, member in enumerate(COMMITTEE):
        posted[f"committee.{index}.full_name"] = member["full_name"]
        posted[f"committee.{index}.username"] = member["username"]
    refused = client.post("/start/identification_round", data=posted)
    assert refused.status_code == 409
    assert DUPLICATE_FA in refused.get_data(as_text=True)


def _rows(key: str) -> list:
    with unit_of_work(write=False) as uow:
        return list(uow.session.execute(select(ProcessInstance.id).where(ProcessInstance.unique_key == key)))


def _register(app, client, token, case_id):
    with app.app_context():
        [task] = open_tasks(case_id)
    done = api(client, "POST", "/tasks/{task_id}/complete", token=token, json={"data": {"candidates": CANDIDATES}},
               task_id=task.id)
    assert done.status_code == 200, done.get_json()
    return done.get_json()["next_task"]


def test_proposing_a_cluster_that_is_not_an_eligible_candidate_is_refused_and_nothing_is_recorded(world):
    app, client, tokens = world
    case_id = start_round(client, tokens["sara"]).get_json()["id"]
    review = _register(app, client, tokens["sara"], case_id)
    with app.app_context():
        before = snapshot(case_id)
    shown = api(client, "GET", "/tasks/{task_id}", token=tokens["sara"], task_id=review).get_json()
    assert shown["form"]["properties"]["proposed_clusters"]["items"]["properties"]["code"]["x-options-from"][
        "case"] == "ranking"
    assert shown["choices"] == {"proposed_clusters.code": [             # the eligible candidates, ranked
        {"value": "TH-01", "label": "TH-01 — مبلمان"}, {"value": "TH-02", "label": "TH-02 — پوشاک"},
        {"value": "TH-04", "label": "TH-04 — قطعات خودرو"}]}
    for code in ("TH-03", "TH-77"):                                  # below the entry gate; not a candidate
        refused = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["sara"], lang="en",
                      json={"data": {"proposed_clusters": [{"code": "TH-01"}, {"code": code}]}}, task_id=review)
        assert refused.status_code == 422
        assert refused.get_json()["errors"] == {
            "proposed_clusters.1.code": [f"“{code}” is not one of this case's choices."]}
    twice = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["sara"],
                json={"data": {"proposed_clusters": [{"code": "TH-01"}, {"code": "TH-01"}]}}, task_id=review)
    assert twice.get_json()["errors"] == {"proposed_clusters.1.code": ["این خوشه بیش از یک بار پیشنهاد شده است."]}
    with app.app_context():
        assert snapshot(case_id) == before                        # no event, no completion, no new task
        assert [a for a, _ in events(case_id)].count("task_completed") == 1
    done = api(client, "POST", "/tasks/{task_id}/complete", token=tokens["sara"],
               json={"data": {"proposed_clusters": [{"code": "TH-04"}]}}, task_id=review)
    assert done.status_code == 200
    with app.app_context():
        assert [t.element_id for t in open_tasks(case_id)] == ["deputy_review"]


def test_the_task_page_offers_the_eligible_candidates_and_keeps_a_refused_form(world):
    app, client, tokens = world
    case_id = start_round(client, tokens["sara"]).get_json()["id"]
    review = _register(app, client, tokens["sara"], case_id)
    login(client, "sara")
    text = client.get(f"/tasks/{review}").get_data(as_text=True)
    assert 'value="TH-01"' in text and 'value="TH-04"' in text and 'value="TH-03"' not in text
    posted = client.post(f"/tasks/{review}", data={"proposed_clusters.0.code": "TH-03",
                                                   "csrf_token": csrf_token(client, f"/tasks/{review}")})
    assert posted.status_code == 422
    assert "«TH-03» از گزینه‌های مجاز این پرونده نیست." in posted.get_data(as_text=True)


def test_a_failed_rule_records_nothing(world):
    """Minutes with more votes than members present: 422 at the field, no event, the task still open."""
    from tests.processes.helpers import round_to_committee

    app, client, tokens = world
    case_id = start_round(client, tokens["sara"]).get_json()["id"]
    with app.app_context():
        round_to_committee(case_id)
        [schedule] = open_tasks(case_id)
        _user("ceo", ["company_ceo"], ["tehran"])
    ceo = bearer(app, "ceo")
    api(client, "POST", "/tasks/{task_id}/complete", token=ceo, task_id=schedule.id, json={"data": {
        "meeting_date": "1405/01/01", "agenda": "تصویب", "decision_mode": "minutes"}})
    with app.app_context():
        [minutes] = open_tasks(case_id)
        before = snapshot(case_id)
    data = {"held_on": "1405/01/01", "present_count": 5, "votes_approve": 4, "votes_reject": 2,
            "votes_revise": 0, "minutes_file": "file-m"}
    refused = api(client, "POST", "/tasks/{task_id}/complete", token=ceo, lang="en", task_id=minutes.id,
                  json={"data": data})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"present_count": [
        "The votes to approve, reject and revise add up to more than the members present."]}
    future = api(client, "POST", "/tasks/{task_id}/complete", token=ceo, lang="en", task_id=minutes.id,
                 json={"data": {**data, "votes_reject": 1, "held_on": "1405/02/01"}})
    assert future.get_json()["errors"] == {"held_on": ["The meeting cannot be held after today."]}
    with app.app_context():
        assert snapshot(case_id) == before
        with unit_of_work(write=False) as uow:
            assert uow.session.scalar(select(Event.id).where(Event.task_id == minutes.id)) is None


def test_two_rounds_started_at_once_do_not_both_run(app):
    """On SQLite and PostgreSQL: the unique key lets exactly one of two concurrent starts through."""
    with app.app_context():
        _user("sara", ["cluster_expert"], ["tehran"])
        for username, name in MEMBERS.items():
            _user(username, ["committee_member"], ["tehran"], name)
        deploy(PROCESSES)
    actor = Actor("sara", frozenset({"cluster_expert"}), frozenset({"tehran"}))
    barrier = threading.Barrier(2)
    results: list[object] = []
    lock = threading.Lock()

    def attempt() -> None:
        with app.app_context():
            runtime = current_runtime()
            barrier.wait()
            try:
                result: object = starting.start_with_form(
                    "identification_round", {"year": 1405, "committee": COMMITTEE}, "tehran", actor=actor,
                    locale="en", uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
            except Conflict as exc:
                result = exc
            with lock:
                results.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2
    assert len([r for r in results if isinstance(r, DuplicateCase)]) == 1, results
    with app.app_context(), unit_of_work(write=False) as uow:
        assert len(list(uow.session.scalars(select(ProcessInstance.id)))) == 1
