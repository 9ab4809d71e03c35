"""Official letters: issued by the step that calls for them, numbered without gaps, printed as Persian PDF,
checked by anyone at /verify/<code>."""
from __future__ import annotations

import io
import re
import threading

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from engine.calendar import persian_digits, to_jalali
from tests.processes.helpers import FEASIBILITY, open_case, to_diagnostic, to_permit
from web import unit_of_work
from web.models import Letter, ProcessInstance
from web.runtime import current_runtime
from web.services.letters import issue_letter, letter_kinds, next_number
from web.services.letters.kinds import LETTERS_DIR, check_letters, check_template
from web.services.letters.pdf import letter_pdf

from .browser_helpers import csrf_token, login, make_user


@pytest.fixture
def ctx(sqlite_app):
    from tests.processes.helpers import deploy_processes

    with sqlite_app.app_context():
        deploy_processes()
        make_user("expert", ["cluster_expert"], ["tehran"])
        yield sqlite_app


def pdf_text(pdf: bytes) -> str:
    """The PDF's text in reading order. pypdf gives the numbers of a right-to-left line in visual order
    (۱۴۰۵/۰۱/۲۰ comes out as ۰۲/۱۰/۵۰۴۱), so each number, with its separators, is turned back."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"[0-9\u06f0-\u06f9]+(?:[/.][0-9\u06f0-\u06f9]+)*", lambda m: m.group(0)[::-1], text)


def letters(case: int) -> list[Letter]:
    with unit_of_work(write=False) as uow:
        found = list(uow.session.scalars(select(Letter).where(Letter.instance_id == case).order_by(Letter.id)))
        for letter in found:
            uow.session.expunge(letter)
        return found


def test_the_official_request_is_issued_numbered_and_prints_in_persian(ctx):
    case = open_case()
    to_permit(case)
    [letter] = letters(case)
    year = int(to_jalali(current_runtime().clock.now())[:4])
    assert (letter.kind, letter.province, letter.year, letter.number) == ("official_request", "tehran", year, 1)
    assert letter.subject == "درخواست صدور مجوز توسعه خوشه مبلمان"
    pdf = letter_pdf(letter, f"https://example.test/verify/{letter.verify_code}")
    text = pdf_text(pdf)
    assert "درخواست صدور مجوز توسعه خوشه مبلمان" in text
    assert persian_digits(to_jalali(letter.issued_at)) in text          # the Jalali date
    assert persian_digits(f"1/{year}") in text                          # the letter number
    raw = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert letter.verify_code in raw                                    # Latin: in its own order already


def test_every_kind_of_letter_renders_to_pdf(ctx):
    case = open_case()
    to_diagnostic(case)           # official request, permit, award letter
    with unit_of_work() as uow:
        instance = uow.session.get(ProcessInstance, case)
        now = current_runtime().clock.now()
        context = {"cluster_name": "مبلمان", "body_name": "شورای راهبری خوشه مبلمان", "meeting_date": "1405/03/01",
                   "agenda": "تصویب برنامه عمل", "held_on": "1405/03/01", "present_count": 7, "votes_approve": 7,
                   "resolutions": [{"text": "برنامه عمل تصویب شد", "owner": "عامل توسعه", "due": "1405/04/01"}],
                   "attendees": [{"full_name": "سارا احمدی", "organization": "اتاق بازرگانی"}],
                   "cda_name": "شرکت توسعه‌گر", "supervisor_name": "ناظر فنی", "cda_fee": 1_500_000_000}
        issued = [issue_letter(uow.session, kind, instance, context, now, actor="expert")
                  for kind in letter_kinds().values() if kind.id not in {l.kind for l in letters(case)}]
        uow.commit()
    kinds = {l.kind for l in letters(case)}
    assert kinds == set(letter_kinds())
    numbers = [l.number for l in letters(case)]
    assert numbers == list(range(1, len(numbers) + 1))     # one sequence, no gaps
    for letter in letters(case):
        text = pdf_text(letter_pdf(letter, "https://example.test/verify/" + letter.verify_code))
        assert letter.subject.split()[0] in text and persian_digits(letter.reference) in text, letter.kind
    assert issued


def test_the_verification_page_answers_for_real_codes_only(ctx):
    case = open_case()
    to_permit(case)
    [letter] = letters(case)
    client = ctx.test_client()
    page = client.get(f"/verify/{letter.verify_code}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and letter.subject in body and "شرکت شهرک‌های صنعتی استان تهران" in body
    assert "expert" not in body                                     # no personal data
    for made_up in ("AAAAAAAAAA", letter.verify_code[:-1] + ("Z" if letter.verify_code[-1] != "Z" else "Y"),
                    "x" * 40, "' OR 1=1"):
        assert client.get(f"/verify/{made_up}").status_code == 404
    assert client.get("/verify/%00").status_code == 400           # refused at the boundary, never a 500


def test_the_letter_pdf_is_for_those_who_may_see_the_case(ctx):
    case = open_case()
    to_permit(case)
    [letter] = letters(case)
    make_user("fars_expert", ["cluster_expert"], ["fars"])
    client = ctx.test_client()
    login(client, "fars_expert")
    assert client.get(f"/letters/{letter.id}.pdf").status_code == 404


def test_a_step_that_fails_gives_its_number_back(ctx):
    with unit_of_work() as uow:
        assert next_number(uow.session, "tehran", 1405) == 1
        uow.commit()
    with unit_of_work() as uow:
        assert next_number(uow.session, "tehran", 1405) == 2
        # no commit: the step failed
    with unit_of_work() as uow:
        assert next_number(uow.session, "tehran", 1405) == 2
        assert next_number(uow.session, "isfahan", 1405) == 1      # each province its own sequence
        uow.commit()


@pytest.mark.postgres
def test_two_letters_issued_at_once_get_consecutive_numbers(postgres_server, clock, tmp_path):
    from tests.conftest import build_app

    app = build_app(postgres_server.create_database("letters_concurrent"), clock, tmp_path)
    numbers: list[int] = []
    barrier = threading.Barrier(2)

    def issue() -> None:
        with app.app_context(), unit_of_work() as uow:
            barrier.wait()
            numbers.append(next_number(uow.session, "tehran", 1405))
            uow.commit()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == [1, 2]
    with app.app_context(), unit_of_work(write=False) as uow:
        from web.models import LetterSequence
        assert uow.session.scalar(select(func.max(LetterSequence.last_number))) == 2


def test_template_errors_are_reported_with_their_line():
    [problem] = check_template("<p>سلام</p>\n<p>{{ cluster_name </p>\n", "broken.html")
    assert (problem.file, problem.line) == ("broken.html", 2)
    assert check_letters(LETTERS_DIR) == []
    assert FEASIBILITY                          # the shared fixture data the process tests use


def test_designers_edit_a_template_see_problems_at_their_line_and_preview_it(sqlite_app, tmp_path, monkeypatch):
    import shutil

    from web.services.letters import designs, kinds

    folder = tmp_path / "letters"
    shutil.copytree(LETTERS_DIR, folder)
    monkeypatch.setattr(designs, "LETTERS_DIR", folder)
    monkeypatch.setattr(kinds, "LETTERS_DIR", folder)
    with sqlite_app.app_context():     # (requests outside it: Flask-WTF keeps its token in g)
        make_user("designer_user", ["process_designer"], [])
    client = sqlite_app.test_client()
    login(client, "designer_user")
    assert "official_request" in client.get("/designer/letters").get_data(as_text=True)
    page = client.get("/designer/letters/permit")
    assert page.status_code == 200 and "permit_no" in page.get_data(as_text=True)
    token = csrf_token(client, "/designer/letters/permit")
    broken = client.post("/designer/letters/permit", data={"csrf_token": token, "action": "save",
                                                           "template": "<p>مجوز</p>\n<p>{% if permit_no %}</p>\n"})
    assert broken.status_code == 422, broken.get_data(as_text=True)[:3000]
    assert "permit.html:2:" in broken.get_data(as_text=True)
    assert (folder / "permit.html").read_text(encoding="utf-8") == (LETTERS_DIR / "permit.html").read_text(
        encoding="utf-8")                                           # nothing written
    new = "<p>مجوز توسعه خوشه {{ cluster_name }} به شماره {{ permit_no|fa }} صادر شد.</p>\n"
    shown = client.post("/designer/letters/permit", data={"csrf_token": token, "action": "preview", "template": new})
    assert shown.status_code == 200 and shown.mimetype == "application/pdf"
    assert "مجوز توسعه خوشه مبلمان" in pdf_text(shown.data)
    saved = client.post("/designer/letters/permit", data={"csrf_token": token, "action": "save", "template": new})
    assert saved.status_code == 302 and (folder / "permit.html").read_text(encoding="utf-8") == new
