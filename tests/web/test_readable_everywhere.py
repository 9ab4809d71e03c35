"""Readable everywhere: Persian-aware search, Persian separators, provinces in alphabet order, English names
from the designer, a case started by a round shown as such, instructions in Persian, file names relative to
the version."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.processes.helpers import (COMMITTEE, committee_votes, deploy_processes, instructions_render, one,
                                     round_to_committee, start_round)
from web import unit_of_work
from web.i18n import digits, join_list, sorted_provinces
from web.models import ProcessInstance, ProcessVersion
from web.services.search_text import fold

from .browser_helpers import csrf_token, login, make_user
from .helpers import ROOT, deploy, start


def in_language(app, lang: str):
    context = app.test_request_context("/")
    context.push()
    from flask import session
    session["lang"] = lang
    return context


def test_folding_makes_arabic_letters_zwnj_and_digits_equal():
    assert fold("خوشه‌ي كاشان ۱۴۰۵") == fold("خوشه ی  کاشان 1405") == fold("خوشه ی کاشان ١٤٠٥")


@pytest.fixture
def searchable(app):
    with app.app_context():
        make_user("sup", ["supervisor"], ["tehran"])
        make_user("sara", ["cluster_expert"], ["tehran"])
        deploy(ROOT / "examples" / "document_review.bpmn")
        start("document_review", {"document_number": 1, "title": "خوشه‌ی فرش كاشان ۱۴۰۵"})
        start("document_review", {"document_number": 2, "title": "خوشه سنگ"})
    return app


def test_case_and_inbox_search_fold_persian_spelling(searchable):   # SQLite and PostgreSQL
    client = searchable.test_client()
    login(client, "sup")
    for typed in ("خوشه ی فرش", "كاشان", "کاشان 1405", "فرش ١٤٠٥"):
        page = client.get("/cases", query_string={"cluster": typed}).get_data(as_text=True)
        assert "فرش" in page and "خوشه سنگ" not in page, typed
    client = searchable.test_client()
    login(client, "sara")
    page = client.get("/inbox", query_string={"q": "خوشه ي فرش 1405"}).get_data(as_text=True)
    assert "فرش" in page and "خوشه سنگ" not in page


def test_numbers_and_lists_use_the_languages_separators(sqlite_app):
    context = in_language(sqlite_app, "fa")
    try:
        assert digits("63.79") == "۶۳٫۷۹" and digits("1,250,000") == "۱٬۲۵۰٬۰۰۰"
        assert digits("1405/02/10") == "۱۴۰۵/۰۲/۱۰"
        assert join_list(["الف", "ب"]) == "الف، ب"
        names = [p.fa for p in sorted_provinces()]
        # Persian alphabet order: پ after ب, چ after ج, گ after ک (not code-point order)
        assert names.index("بوشهر") < names.index("تهران") < names.index("چهارمحال و بختیاری")
        assert names.index("کرمان") < names.index("گیلان") < names.index("لرستان")
    finally:
        context.pop()
    context = in_language(sqlite_app, "en")
    try:
        assert digits("63.79") == "63.79" and join_list(["a", "b"]) == "a, b"
        english = [p.en for p in sorted_provinces()]
        assert english == sorted(english, key=str.casefold)
    finally:
        context.pop()


@pytest.fixture
def service(sqlite_app):
    with sqlite_app.app_context():
        make_user("expert", ["cluster_expert"], ["tehran"])
        make_user("sup", ["supervisor"], ["tehran"])
        deploy_processes()
    return sqlite_app   # requests run outside this app context (a shared one would keep a stale CSRF token)


def test_english_names_come_from_the_designer_falling_back_to_persian(service):
    with service.app_context():
        round_id = start_round()
        task = one(round_id, "register_candidates")
    client = service.test_client()
    login(client, "expert")
    persian = client.get("/inbox").get_data(as_text=True)
    assert "ثبت خوشه‌های نامزد" in persian
    client.post("/language", data={"lang": "en", "next": "/inbox", "csrf_token": csrf_token(client, "/inbox")})
    english = client.get("/inbox").get_data(as_text=True)
    assert "Register the candidate clusters" in english and "ثبت خوشه‌های نامزد" not in english
    assert "Identification and prioritisation of the province&#39;s business clusters" in english
    shown = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Register the candidate clusters" in shown


def test_a_case_started_by_a_round_names_the_round_and_its_instructions_read_in_persian(service):
    with service.app_context():
        round_id = start_round()
        round_to_committee(round_id, proposed=("TH-01",))
        meeting = instructions_render(one(round_id, "schedule_meeting"))
        assert "تهران" in meeting and "tehran" not in meeting and "1405" not in meeting and "۱۴۰۵" in meeting
        committee_votes(round_id, {m: "approve" for m in COMMITTEE})
        with unit_of_work(write=False) as uow:
            case = uow.session.scalar(select(ProcessInstance).where(ProcessInstance.process_id == "cluster_case"))
            round_title = uow.session.get(ProcessInstance, round_id).title
        feasibility = instructions_render(one(case.id, "feasibility_study"))
    assert case.parent_id == round_id and case.started_by is None       # not the last committee member
    client = service.test_client()
    login(client, "sup")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    starter = page.split('data-testid="case-starter"')[1].split("</span>")[0]
    assert f"/cases/{round_id}" in starter and COMMITTEE[-1] not in starter
    assert (round_title or "پرونده") in starter
    assert "استان تهران" in feasibility and "tehran" not in feasibility and "نوبت 1" not in feasibility


def test_a_version_names_its_files_relative_to_the_folder_deployed(service):
    with service.app_context(), unit_of_work(write=False) as uow:
        version = uow.session.scalars(select(ProcessVersion)).one()
        names = sorted(dict(version.files))
    assert "identification_round.bpmn" in names and all(not n.startswith("/") and "processes" not in n for n in names)
