"""Firms' representatives sign in: invited by the provincial company (a BPMN task), or registered by
themselves and confirmed by the cluster expert (a BPMN task); one-time codes by SMS; the session a code opens
is a password session's; bad input refused at the field with nothing recorded."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from web import unit_of_work
from web.models import Firm, FirmRepresentation, Job, LoginAttempt, ProcessInstance, TaskRecord, User
from web.models.firms import OneTimeCode
from web.services.errors import InvalidInput

from .browser_helpers import csrf_token, login, make_user
from .firm_access_helpers import (EXPERT, OUTBOX, client_sign_in_by_code, code_sent_to, deliver_sms,  # noqa: F401
                                  deploy_enrolment, invitation, invite_firms, register_cluster, sms_outbox)

FIRM_A, FIRM_B, FIRM_C = "10101234565", "10102345674", "10103456783"
PERSON, MOBILE = "0012345679", "09120000001"
OTHER_PERSON, OTHER_MOBILE = "0023456787", "09120000002"


@pytest.fixture
def ctx(app, sms_outbox):
    """The register (outside the app context: test clients' requests must not share one, see
    ``client_sign_in_by_code``; service calls go inside ``with app.app_context()``)."""
    with app.app_context():
        deploy_enrolment()
        make_user("expert", ["cluster_expert"], ["tehran"])
        make_user("expert.fars", ["cluster_expert"], ["fars"])
        registered = register_cluster("tehran", "TH-01", [(FIRM_A, "فرش نگین"), (FIRM_B, "قالی آفتاب")])
    return registered


@pytest.fixture
def svc(app, ctx):
    """``ctx`` inside the app context, for tests without a test client."""
    with app.app_context():
        yield ctx


@pytest.fixture
def client(app):
    return app.test_client()


def representation(national_id: str, firm_id: int) -> str | None:
    with unit_of_work(write=False) as uow:
        return uow.session.scalar(select(FirmRepresentation.status).join(User, User.id == FirmRepresentation.user_id)
                                  .where(User.national_id == national_id, FirmRepresentation.firm_id == firm_id))


def counts() -> tuple[int, ...]:
    with unit_of_work(write=False) as uow:
        s = uow.session
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in
                     (User, FirmRepresentation, ProcessInstance, OneTimeCode, Job))


def open_code(mobile: str) -> OneTimeCode:
    with unit_of_work(write=False) as uow:
        return uow.session.scalar(select(OneTimeCode).where(OneTimeCode.mobile == mobile)
                                  .order_by(OneTimeCode.id.desc()).limit(1))


# --- invitations -------------------------------------------------------------------------------------------

def test_the_expert_invites_the_clusters_firms_and_the_first_code_sign_in_confirms(app, ctx, client):
    with app.app_context():
        instance_id = invite_firms(ctx.case_id, [invitation(FIRM_A, PERSON, MOBILE, "مریم احمدی")])
        with unit_of_work(write=False) as uow:
            case = uow.session.get(ProcessInstance, instance_id)
            assert (case.process_id, case.status, case.cluster_id) == ("firm_enrolment", "completed", ctx.cluster_id)
            person = uow.session.scalar(select(User).where(User.national_id == PERSON))
            assert (person.mobile, person.display_name, person.role_ids) == (MOBILE, "مریم احمدی",
                                                                            {"firm_representative"})
        assert representation(PERSON, ctx.firm_ids[FIRM_A]) == "invited"
        deliver_sms()
    [(phone, text)] = OUTBOX
    assert phone == MOBILE and "فرش نگین" in text and "/login/code" in text

    answer = client_sign_in_by_code(app, client, MOBILE)
    assert answer.status_code == 302
    with app.app_context():
        assert representation(PERSON, ctx.firm_ids[FIRM_A]) == "confirmed"
    assert client.get("/inbox").status_code == 200


def test_the_invitation_task_lists_the_register_firms_one_row_each(svc):
    from web.runtime import current_runtime
    from web.services.starting import start_with_form
    from web.services.task_page import load_task_page

    runtime = current_runtime()
    outcome = start_with_form("firm_enrolment", {"cluster_case": svc.case_id}, "tehran", actor=EXPERT, locale="fa",
                              uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    with unit_of_work(write=False) as uow:
        page = load_task_page(uow.session, runtime, EXPERT, outcome.open_tasks[0], "fa")
    assert [row["firm"] for row in page.data["invitations"]] == [FIRM_A, FIRM_B]   # by name
    assert {f["national_id"] for f in page.data["register_firms"]} == {FIRM_A, FIRM_B}


def test_an_invitation_case_names_a_cluster_case_of_the_province_with_registered_firms(svc):
    from web.runtime import current_runtime
    from web.services.starting import start_with_form

    runtime = current_runtime()
    empty = register_cluster("tehran", "TH-09", [])
    before = counts()
    for case_id in (svc.case_id + 1000, empty.case_id):
        with pytest.raises(InvalidInput) as refused:
            start_with_form("firm_enrolment", {"cluster_case": case_id}, "tehran", actor=EXPERT, locale="fa",
                            uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
        assert list(refused.value.errors) == ["cluster_case"]
    fars = EXPERT.__class__("expert.fars", frozenset({"cluster_expert"}), frozenset({"fars"}))
    with pytest.raises(InvalidInput):
        start_with_form("firm_enrolment", {"cluster_case": svc.case_id}, "fars", actor=fars, locale="fa",
                        uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    assert counts() == before


@pytest.mark.parametrize("row, field_text", [
    (invitation(FIRM_A, "0012345678", MOBILE), "کد ملی"),          # wrong check digit
    (invitation(FIRM_A, PERSON, "+44 7700 900123"), "همراه"),       # not an Iranian mobile
    (invitation(FIRM_C, PERSON, MOBILE), None),                     # not a firm of this cluster's register
])
def test_bad_invitations_are_refused_at_the_field_and_nothing_is_recorded(svc, row, field_text):
    from web.runtime import current_runtime
    from web.services.starting import start_with_form
    from web.services.task_page import complete_with_form

    runtime = current_runtime()
    outcome = start_with_form("firm_enrolment", {"cluster_case": svc.case_id}, "tehran", actor=EXPERT, locale="fa",
                              uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    before = counts()
    with pytest.raises(InvalidInput) as refused:
        complete_with_form(outcome.open_tasks[0], {"invitations": [row]}, actor=EXPERT, locale="fa",
                           uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    assert "invitations" in str(refused.value.errors)
    if field_text:
        assert field_text in str(refused.value.errors)
    assert counts() == before


def test_a_staff_account_or_a_mismatched_person_is_not_invited(svc):
    with unit_of_work() as uow:
        uow.session.scalar(select(User).where(User.username == "expert")).national_id = OTHER_PERSON
        uow.commit()
    with pytest.raises(InvalidInput) as refused:
        invite_firms(svc.case_id, [invitation(FIRM_A, OTHER_PERSON, OTHER_MOBILE)])
    assert "Row 1" in str(refused.value.errors) or "ردیف" in str(refused.value.errors)
    invite_firms(svc.case_id, [invitation(FIRM_A, PERSON, MOBILE)])
    with pytest.raises(InvalidInput):   # the same national id with another mobile
        invite_firms(svc.case_id, [invitation(FIRM_B, PERSON, OTHER_MOBILE)])
    assert representation(PERSON, svc.firm_ids[FIRM_B]) is None


# --- one-time codes ----------------------------------------------------------------------------------------

def ask_code(app, client, mobile: str = MOBILE, typed: str | None = None) -> tuple[str, str]:
    """(CSRF token, the code sent) after asking for a sign-in code on the page."""
    token = csrf_token(client, "/login/code")
    client.post("/login/code", data={"csrf_token": token, "step": "mobile", "mobile": typed or mobile})
    with app.app_context():
        return token, code_sent_to(mobile)


def enter(client, token: str, code: str, mobile: str = MOBILE):  # type: ignore[no-untyped-def]
    return client.post("/login/code", data={"csrf_token": token, "step": "code", "mobile": mobile, "code": code})


@pytest.fixture
def invited(app, ctx):
    with app.app_context():
        invite_firms(ctx.case_id, [invitation(FIRM_A, PERSON, MOBILE)])
    return ctx


def test_a_code_is_stored_hashed_works_once_and_the_session_ends_on_sign_out(app, invited, client):
    token, code = ask_code(app, client, typed="۰۹۱۲ ۰۰۰ ۰۰۰۱")      # Persian digits and spaces
    with app.app_context():
        row = open_code(MOBILE)
        assert code not in (row.code_hash, row.salt) and len(row.code_hash) == 64
        with unit_of_work(write=False) as uow:   # the SMS job keeps no code once sent
            assert all("code" not in (j.payload or {}) for j in uow.session.scalars(select(Job)))
    assert enter(client, token, code).status_code == 302
    assert client.get("/inbox").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    assert client.get("/inbox").status_code == 302                       # signed out
    again = enter(client, csrf_token(client, "/login/code"), code)
    assert again.status_code == 422 and "استفاده شده" in again.get_data(as_text=True)


def test_an_expired_code_is_refused(app, invited, client, clock):
    token, code = ask_code(app, client)
    clock.advance(minutes=5, seconds=1)
    answer = enter(client, token, code)
    assert answer.status_code == 422 and "منقضی" in answer.get_data(as_text=True)
    with app.app_context():
        assert representation(PERSON, invited.firm_ids[FIRM_A]) == "invited"


def test_five_wrong_tries_void_the_code_and_only_the_counter_is_recorded(app, invited, client):
    token, code = ask_code(app, client)
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    with app.app_context():
        before = counts()
        with unit_of_work(write=False) as uow:
            attempts_before = uow.session.scalar(select(func.count(LoginAttempt.id)))
    for n in range(1, 6):
        answer = enter(client, token, wrong)
        assert answer.status_code == 422 and 'id="code-error"' in answer.get_data(as_text=True)
        with app.app_context():
            assert open_code(MOBILE).attempts == n
    with app.app_context():
        assert counts() == before
        with unit_of_work(write=False) as uow:
            assert uow.session.scalar(select(func.count(LoginAttempt.id))) == attempts_before
    sixth = enter(client, token, code)                                   # the right code, too late
    assert sixth.status_code == 422 and "دیگر کار نمی‌کند" in sixth.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302
    with app.app_context():
        assert representation(PERSON, invited.firm_ids[FIRM_A]) == "invited"


def test_codes_are_throttled_per_mobile_and_an_unknown_number_gets_the_same_answer_without_sms(app, ctx, client,
                                                                                             clock):
    token = csrf_token(client, "/login/code")

    def ask():  # type: ignore[no-untyped-def]
        return client.post("/login/code", data={"csrf_token": token, "step": "mobile", "mobile": "09129999999"})

    assert ask().status_code == 200
    with app.app_context():
        deliver_sms()
    assert OUTBOX == []                                                 # nobody has this number
    soon = ask()
    assert soon.status_code == 429 and 0 < int(soon.headers["Retry-After"]) <= 60
    for _ in range(4):
        clock.advance(seconds=61)
        assert ask().status_code == 200
    clock.advance(seconds=61)
    assert ask().status_code == 429                                     # five an hour


def test_a_mobile_that_is_not_iranian_is_refused_at_the_field(app, ctx, client):
    token = csrf_token(client, "/login/code")
    with app.app_context():
        before = counts()
    answer = client.post("/login/code", data={"csrf_token": token, "step": "mobile", "mobile": "+44 7700 900123"})
    assert answer.status_code == 422 and 'id="mobile-error"' in answer.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def test_a_password_of_ones_own_and_an_api_token_with_the_firms_scope(app, invited, client):
    client_sign_in_by_code(app, client, MOBILE)
    token = csrf_token(client, "/account/password")
    short = client.post("/account/password", data={"csrf_token": token, "password": "short", "password2": "short"})
    assert short.status_code == 422 and 'id="password-error"' in short.get_data(as_text=True)
    saved = client.post("/account/password", data={"csrf_token": token, "password": "a-long-enough-password",
                                                    "password2": "a-long-enough-password"})
    assert saved.status_code == 302 and client.get("/inbox").status_code == 200   # this browser stays in
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    assert login(client, PERSON).status_code == 302                               # user name: the national id
    answer = client.post("/api/v1/auth/token", json={"username": PERSON, "password": "a-long-enough-password"})
    assert answer.status_code == 200
    bearer = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    assert client.get("/api/v1/tasks", headers=bearer).status_code == 200
    assert client.get("/api/v1/process-instances", headers=bearer).status_code == 404   # the supervisors' list


# --- self-registration -------------------------------------------------------------------------------------

def registration_form(**changes) -> dict:
    return {"full_name": "علی رضایی", "national_id": PERSON, "mobile": MOBILE, "company_id": FIRM_B, **changes}


def register_by_code(app, client, **changes):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/register")
    asked = client.post("/register", data={"csrf_token": token, "step": "details", **registration_form(**changes)})
    assert asked.status_code == 200 and 'name="code"' in asked.get_data(as_text=True)
    with app.app_context():
        code = code_sent_to(MOBILE)
    return client.post("/register", data={"csrf_token": token, "step": "code", "code": code})


def review(app, decision: str) -> None:
    from web.runtime import current_runtime
    from web.services.task_page import complete_with_form

    with app.app_context():
        with unit_of_work(write=False) as uow:
            task_id = uow.session.scalar(select(TaskRecord.id).where(TaskRecord.form_id == "firm_registration_review"))
        runtime = current_runtime()
        complete_with_form(task_id, {"decision": decision}, actor=EXPERT, locale="fa", uow=unit_of_work(),
                           runtime=runtime, clock=runtime.clock)
        deliver_sms()


def test_a_firm_registers_itself_and_the_expert_confirms_it_in_a_task(app, ctx, client):
    done = register_by_code(app, client)
    assert done.status_code == 200 and "قالی آفتاب" in done.get_data(as_text=True)
    with app.app_context():
        assert representation(PERSON, ctx.firm_ids[FIRM_B]) == "pending"
        with unit_of_work(write=False) as uow:
            case = uow.session.scalar(select(ProcessInstance).where(ProcessInstance.process_id == "firm_registration"))
            task = uow.session.scalar(select(TaskRecord).where(TaskRecord.instance_id == case.id))
    assert (case.firm_id, case.province, task.role, task.firm_id) == (ctx.firm_ids[FIRM_B], "tehran",
                                                                      "cluster_expert", ctx.firm_ids[FIRM_B])
    review(app, "confirm")
    with app.app_context():
        assert representation(PERSON, ctx.firm_ids[FIRM_B]) == "confirmed"
    assert OUTBOX[-1][0] == MOBILE and "تأیید شد" in OUTBOX[-1][1]


def test_rejecting_a_registration_revokes_it_and_tells_the_person(app, ctx, client):
    register_by_code(app, client)
    review(app, "reject")
    with app.app_context():
        assert representation(PERSON, ctx.firm_ids[FIRM_B]) == "revoked"
    assert "تأیید نشد" in OUTBOX[-1][1]


@pytest.mark.parametrize("changes, field", [
    ({"national_id": "0012345678"}, "national_id"),        # wrong check digit
    ({"company_id": "10101234566"}, "company_id"),         # wrong check digit
    ({"mobile": "02112345678"}, "mobile"),                 # a landline, not a mobile
    ({"company_id": FIRM_C}, "company_id"),                # not in the register
    ({"full_name": " "}, "full_name"),
])
def test_bad_registrations_are_refused_at_the_field_and_nothing_is_recorded(app, ctx, client, changes, field):
    token = csrf_token(client, "/register")
    with app.app_context():
        before = counts()
    answer = client.post("/register", data={"csrf_token": token, "step": "details", **registration_form(**changes)})
    assert answer.status_code == 422 and f'id="{field}-error"' in answer.get_data(as_text=True)
    with app.app_context():
        assert counts() == before


def test_a_firm_of_a_cluster_not_being_developed_cannot_register(app, ctx, client):
    with app.app_context():
        register_cluster("tehran", "TH-02", [(FIRM_C, "رنگرزی پرنیان")], running=False)
    token = csrf_token(client, "/register")
    answer = client.post("/register", data={"csrf_token": token, "step": "details",
                                            **registration_form(company_id=FIRM_C)})
    assert answer.status_code == 422 and "در حال توسعه نیست" in answer.get_data(as_text=True)


def test_a_wrong_registration_code_records_only_the_counter(app, ctx, client):
    token = csrf_token(client, "/register")
    client.post("/register", data={"csrf_token": token, "step": "details", **registration_form()})
    with app.app_context():
        code = code_sent_to(MOBILE)
        before = counts()
    answer = client.post("/register", data={"csrf_token": token, "step": "code",
                                            "code": f"{(int(code) + 7) % 10 ** 6:06d}"})
    assert answer.status_code == 422 and 'id="code-error"' in answer.get_data(as_text=True)
    with app.app_context():
        assert counts() == before and open_code(MOBILE).attempts == 1



def test_the_demo_has_a_confirmed_representative_who_signs_in_by_code(app, client, clock, sms_outbox):
    from datetime import datetime, timezone

    from web.runtime import current_runtime
    from web.services.demo import seed_demo

    from .helpers import ROOT

    clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc))   # the demo's dates lie in the spring of 1405
    with app.app_context():
        seed_demo(uow_factory=unit_of_work, runtime=current_runtime(), process_dirs=[ROOT / "processes"])
        with unit_of_work(write=False) as uow:
            person = uow.session.scalar(select(User).where(User.username == "firm_representative.tehran"))
            [(status, firm)] = uow.session.execute(
                select(FirmRepresentation.status, ProcessInstance.province).select_from(FirmRepresentation)
                .join(Firm, Firm.id == FirmRepresentation.firm_id)
                .join(ProcessInstance, (ProcessInstance.cluster_id == Firm.cluster_id)
                      & (ProcessInstance.process_id == "cluster_case"))
                .where(FirmRepresentation.user_id == person.id)).all()
    assert (person.mobile, person.national_id, status, firm) == ("09120000001", "0012345679", "confirmed", "tehran")
    assert client_sign_in_by_code(app, client, "09120000001").status_code == 302
    assert client.get("/inbox").status_code == 200 and client.get("/cases").status_code == 404


def test_codes_are_throttled_per_address_whatever_the_mobile(app, ctx, client, clock):
    token = csrf_token(client, "/login/code")

    def ask(n: int):  # type: ignore[no-untyped-def]
        return client.post("/login/code", data={"csrf_token": token, "step": "mobile", "mobile": f"0912{n:07d}"})

    for n in range(20):
        clock.advance(seconds=10)
        assert ask(n).status_code == 200, n
    refused = ask(20)
    assert refused.status_code == 429 and 'id="mobile-error"' in refused.get_data(as_text=True)
    other = app.test_client()                      # another address is not held up
    assert other.post("/login/code", data={"csrf_token": csrf_token(other, "/login/code"), "step": "mobile",
                                           "mobile": "09129999998"},
                      environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    clock.advance(hours=1)
    assert ask(21).status_code == 200
