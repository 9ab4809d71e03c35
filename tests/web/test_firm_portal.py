"""The firms' portal over HTTP: the public page of a province's clusters, a firm's home, its survey answers
(its own only), the CDA's page of the case's firms (response count, registrations, announcements, marking a
joint action done), and the service card's firms served."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.processes.helpers import action_plan, council_decides, deploy_processes, do, joint_action, one, \
    open_case, to_action_plan, to_diagnostic
from tests.web.browser_helpers import csrf_token, login, make_user
from tests.web.firm_portal_helpers import add_firm, cluster_of, firm_does, represent
from web import unit_of_work
from web.models import Announcement, JointAction, JointActionDelivery, JointActionFeedback, ProcessInstance
from web.runtime import current_runtime
from web.services import dashboard, service_card

SURVEY = {"employees": 12, "main_problems": ["marketing"], "cooperation_willingness": "high", "needs": ["fairs"]}


@pytest.fixture
def ctx(sqlite_app):
    with sqlite_app.app_context():
        deploy_processes()
        make_user("cda_t", ["cda"], ["tehran"])
        make_user("sup_t", ["supervisor"], ["tehran"])
        make_user("sup_f", ["supervisor"], ["fars"])
        yield sqlite_app


def firms_case():
    case = open_case()
    cluster = cluster_of(case)
    a = add_firm(cluster, "نجاری الف", "10100000001")
    b = add_firm(cluster, "مبل ب", "10100000002")
    represent("rep_a", a)
    represent("rep_b", b)
    return case, a, b


def children(case: int, process_id: str) -> dict[int, int]:
    with unit_of_work(write=False) as uow:
        return {r.firm_id: r.id for r in uow.session.scalars(select(ProcessInstance).where(
            ProcessInstance.parent_id == case, ProcessInstance.process_id == process_id))}


class Client:
    """A browser's session; each request in its own app context (the test's context would otherwise carry the
    first request's locale, CSRF token and user into the next ones)."""

    def __init__(self, app, username: str | None = None):
        self.app, self.client = app, app.test_client()
        if username is not None:
            with app.app_context():
                assert login(self.client, username).status_code == 302

    def get(self, path: str, **kwargs):
        with self.app.app_context():
            return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict, page: str, **kwargs):
        with self.app.app_context():
            token = csrf_token(self.client, page)
        with self.app.app_context():
            return self.client.post(path, data={**data, "csrf_token": token}, **kwargs)


def signed_in(app, username: str) -> Client:
    return Client(app, username)


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client: Client, path: str, data: dict, page: str):
    return client.post(path, data, page)


# -- informing ------------------------------------------------------------------------------------------
def test_the_public_page_lists_the_province_s_clusters_and_open_calls_without_firm_data(ctx):
    case, a, b = firms_case()
    to_diagnostic(case)
    client = Client(ctx)                             # nobody signed in
    page = client.get("/clusters/tehran")
    assert page.status_code == 200
    body = text(page)
    assert "مبلمان" in body and "مطالعه شناختی" in body           # the cluster, its stage in Persian
    assert 'data-call="survey"' in body and 'data-call="interest"' in body
    assert "نجاری الف" not in body and "مبل ب" not in body        # no firm's name
    assert client.get("/clusters/atlantis").status_code == 404
    assert 'data-testid="no-clusters"' in text(client.get("/clusters/fars"))


def test_the_public_page_in_english(ctx):
    case, a, b = firms_case()
    client = Client(ctx)
    client.post("/language", {"lang": "en"}, "/clusters/tehran")
    body = text(client.get("/clusters/tehran"))
    assert "Clusters in development" in body and "Feasibility study" in body


def test_a_firm_s_home_shows_its_cluster_stage_tasks_meetings_joint_actions_and_announcements(ctx):
    case, a, b = firms_case()
    to_action_plan(case)
    do(case, "draft_action_plan", action_plan(joint_action("آموزش بازاریابی")))
    do(case, "schedule_meeting", {"meeting_date": "1499/06/01", "agenda": "تصویب برنامه عمل",
                                  "decision_mode": "minutes"})
    cda = signed_in(ctx, "cda_t")
    posted = post(cda, f"/cases/{case}/firms/announcements", {"title": "کارگاه آموزشی", "body": "شنبه ساعت ۱۰"},
                  f"/cases/{case}/firms")
    assert posted.status_code == 302
    home = signed_in(ctx, "rep_a").get("/firm")
    assert home.status_code == 200
    body = text(home)
    assert "نجاری الف" in body and "مبل ب" not in body
    assert 'data-testid="firm-stage"' in body and "برنامه عمل" in body
    assert "۱۴۹۹/۰۶/۰۱" in body and "تصویب برنامه عمل" in body           # the council meeting ahead
    assert "آموزش بازاریابی" in body                                   # the plan's joint action
    assert "کارگاه آموزشی" in body and "شنبه ساعت ۱۰" in body           # the CDA's announcement
    tasks = re.findall(r'href="/tasks/([0-9a-f-]+)"', body.split('data-testid="firm-tasks"')[1].split("</ul>")[0])
    assert len(tasks) == 2                                             # the survey and the call to declare interest


def test_the_firm_home_is_for_firm_representatives_only(ctx):
    assert Client(ctx).get("/firm").status_code == 302          # to the sign-in page
    assert signed_in(ctx, "cda_t").get("/firm").status_code == 404


# -- the survey -----------------------------------------------------------------------------------------
def test_the_cda_sees_the_response_count_and_a_firm_sees_only_its_own_answers(ctx):
    case, a, b = firms_case()
    to_diagnostic(case)
    surveys = children(case, "firm_survey")
    firm_does(one(surveys[a], "answer_survey"), SURVEY, "rep_a")
    firm_does(one(surveys[b], "answer_survey"), dict(SURVEY, main_problems=["finance"]), "rep_b")
    rep_a = signed_in(ctx, "rep_a")
    assert rep_a.get(f"/firm/surveys/{surveys[a]}").status_code == 200
    assert "بازاریابی و فروش" in text(rep_a.get(f"/firm/surveys/{surveys[a]}"))   # the answer by its label
    assert rep_a.get(f"/firm/surveys/{surveys[b]}").status_code == 404             # another firm's answers
    assert rep_a.get(f"/firm/surveys/999").status_code == 404
    assert rep_a.get(f"/cases/{case}/firms").status_code == 404                    # the CDA's page
    assert rep_a.get(f"/cases/{case}").status_code == 404                          # the staff case page

    cda = signed_in(ctx, "cda_t")
    page = text(cda.get(f"/cases/{case}/firms"))
    assert re.search(r'data-testid="survey-count">۲ بنگاه از ۲ بنگاه', page)
    assert cda.get(f"/firm/surveys/{surveys[b]}").status_code == 200
    assert 'data-testid="case-firms"' in text(cda.get(f"/cases/{case}"))             # the count on the case page
    assert signed_in(ctx, "sup_f").get(f"/firm/surveys/{surveys[b]}").status_code == 404   # another province


def test_the_response_count_counts_the_firms_asked(ctx):
    case, a, b = firms_case()
    to_diagnostic(case)
    firm_does(one(children(case, "firm_survey")[a], "answer_survey"), SURVEY, "rep_a")
    task = one(case, "diagnostic_study")
    page = text(signed_in(ctx, "cda_t").get(f"/tasks/{task.id}"))
    assert "۱ از ۲ به پرسشنامه" in page                                 # on the CDA's diagnostic study task


# -- announcements --------------------------------------------------------------------------------------
def test_an_announcement_needs_a_title_and_text_and_a_cda_or_cluster_expert(ctx):
    case, a, b = firms_case()
    to_diagnostic(case)
    cda = signed_in(ctx, "cda_t")
    refused = post(cda, f"/cases/{case}/firms/announcements", {"title": " ", "body": "متن"}, f"/cases/{case}/firms")
    assert refused.status_code == 422 and 'data-error-for="title"' in text(refused)
    supervisor = signed_in(ctx, "sup_t")
    assert supervisor.get(f"/cases/{case}/firms").status_code == 200
    assert post(supervisor, f"/cases/{case}/firms/announcements", {"title": "x", "body": "y"},
                f"/cases/{case}/firms").status_code == 403
    with unit_of_work(write=False) as uow:
        assert uow.session.scalars(select(Announcement)).all() == []


# -- joint actions: registration, delivery, feedback, figures -------------------------------------------
def plan_with_registrations(case, a, b):
    to_action_plan(case)
    do(case, "draft_action_plan", action_plan(
        joint_action("آموزش بازاریابی", total=500_000_000, isipo=300_000_000, others=200_000_000),
        joint_action("نمایشگاه مشترک")))
    council_decides(case)
    registrations = children(case, "firm_joint_actions")
    firm_does(one(registrations[a], "register_joint_actions"),
              {"joint_actions": ["1", "2"], "participants": 3, "accept_cost_share": True}, "rep_a")
    firm_does(one(registrations[b], "register_joint_actions"),
              {"joint_actions": ["2"], "accept_cost_share": True}, "rep_b")
    with unit_of_work(write=False) as uow:
        return {j.title: j.id for j in uow.session.scalars(select(JointAction).where(JointAction.case_id == case))}


def test_registrations_per_joint_action_are_shown_to_the_cda_and_the_firm_sees_its_share(ctx):
    case, a, b = firms_case()
    actions = plan_with_registrations(case, a, b)
    page = text(signed_in(ctx, "cda_t").get(f"/cases/{case}/firms"))
    training = page.split(f'data-action="{actions["آموزش بازاریابی"]}"')[1].split("</li>")[0]
    fair = page.split(f'data-action="{actions["نمایشگاه مشترک"]}"')[1].split("</li>")[0]
    assert "نجاری الف" in training and "مبل ب" not in training
    assert "نجاری الف" in fair and "مبل ب" in fair
    assert "۱۰٬۰۰۰٬۰۰۰" in training or "۱۰,۰۰۰,۰۰۰" in training         # 200,000,000 over 20 firms
    home = text(signed_in(ctx, "rep_b").get("/firm"))
    fair_b = home.split(f'data-action="{actions["نمایشگاه مشترک"]}"')[1].split("</li>")[0]
    assert "ثبت‌نام‌شده" in fair_b and ("۲۰,۰۰۰,۰۰۰" in fair_b or "۲۰٬۰۰۰٬۰۰۰" in fair_b)


def test_marking_a_joint_action_done_asks_its_firms_for_feedback_which_feeds_the_figures(ctx):
    case, a, b = firms_case()
    actions = plan_with_registrations(case, a, b)
    cda = signed_in(ctx, "cda_t")
    done = post(cda, f"/cases/{case}/firms/joint-actions/{actions['آموزش بازاریابی']}/done",
                {"report": "گواهی‌های دوره"}, f"/cases/{case}/firms")
    assert done.status_code == 302
    feedback = children(case, "firm_feedback")
    assert set(feedback) == {a}                                         # only the registered firm is asked
    task = one(feedback[a], "give_feedback")
    assert (task.role, task.firm_id) == ("firm_representative", a)
    firm_does(task, {"satisfaction": "4", "feedback": "مفید بود"}, "rep_a")
    again = post(cda, f"/cases/{case}/firms/joint-actions/{actions['آموزش بازاریابی']}/done", {},
                 f"/cases/{case}/firms")
    assert again.status_code == 409
    with unit_of_work(write=False) as uow:
        rows = [(f.joint_action_id, f.firm_id, f.satisfaction) for f in uow.session.scalars(select(JointActionFeedback))]
        assert uow.session.get(JointActionDelivery, actions["آموزش بازاریابی"]).report == "گواهی‌های دوره"
    assert rows == [(actions["آموزش بازاریابی"], a, 4)]
    page = text(cda.get(f"/cases/{case}/firms"))
    assert re.search(r"بنگاه‌های شرکت‌کننده: ۲؛ ثبت‌نام‌ها: ۳؛ میانگین رضایت: ۴", page)
    home = text(signed_in(ctx, "rep_a").get("/firm"))
    assert "گواهی‌های دوره" in home and "رضایت شما: ۴ از ۵" in home
    # the yearly evaluation reads the same figures
    from web.services.firms.joint_actions import figures
    with unit_of_work(write=False) as uow:
        assert figures(uow.session, case) == figures(uow.session, case, plan_year=1)
        assert figures(uow.session, case).mean_satisfaction == 4.0


def test_marking_done_is_for_the_cda_of_the_case_and_an_unknown_action_is_404(ctx):
    case, a, b = firms_case()
    actions = plan_with_registrations(case, a, b)
    supervisor = signed_in(ctx, "sup_t")
    assert post(supervisor, f"/cases/{case}/firms/joint-actions/{actions['نمایشگاه مشترک']}/done", {},
                f"/cases/{case}/firms").status_code == 403
    cda = signed_in(ctx, "cda_t")
    assert post(cda, f"/cases/{case}/firms/joint-actions/99999/done", {}, f"/cases/{case}/firms").status_code == 404
    assert post(cda, f"/cases/{case}/firms/joint-actions/{actions['نمایشگاه مشترک']}/done", {"report": "x" * 5000},
                f"/cases/{case}/firms").status_code == 422
    assert children(case, "firm_feedback") == {}


def test_the_service_card_counts_the_firms_taking_part_in_joint_actions_per_month(ctx, clock):
    case, a, b = firms_case()
    plan_with_registrations(case, a, b)
    with unit_of_work(write=False) as uow:
        period = dashboard.parse_period(None, None, clock.now())
        measured = service_card.measure(uow.session, clock, period=period, provinces=["tehran"],
                                        firms_of=dashboard.FIRMS_COLUMN)
        elsewhere = service_card.measure(uow.session, clock, period=period, provinces=["fars"],
                                         firms_of=dashboard.FIRMS_COLUMN)
    assert measured.recipients_basis == "joint_actions"
    assert measured.firms_served[-1] == 2 and sum(measured.firms_served) == 2   # both firms, this month only
    assert measured.recipients_total == 2
    assert elsewhere.recipients_basis != "joint_actions" and sum(elsewhere.firms_served) == 0


def test_the_yearly_evaluation_shows_the_firms_taking_part_and_their_satisfaction(ctx, clock):
    from tests.processes.helpers import PROGRESS, advance

    case, a, b = firms_case()
    actions = plan_with_registrations(case, a, b)
    cda = signed_in(ctx, "cda_t")
    post(cda, f"/cases/{case}/firms/joint-actions/{actions['نمایشگاه مشترک']}/done", {}, f"/cases/{case}/firms")
    feedback = children(case, "firm_feedback")
    firm_does(one(feedback[a], "give_feedback"), {"satisfaction": "5"}, "rep_a")
    firm_does(one(feedback[b], "give_feedback"), {"satisfaction": "2"}, "rep_b")
    advance(clock, days=370)
    do(case, "annual_report", dict(PROGRESS, period="سال ۱"))
    evaluation = one(case, "yearly_evaluation")
    page = text(signed_in(ctx, "cda_t").get(f"/tasks/{evaluation.id}"))    # a year on: a new session
    summary = page.split('data-testid="case-firms"')[1].split("</p>")[0]
    assert "۲ بنگاه در اقدامات مشترک شرکت دارند" in summary and re.search("میانگین رضایت ۳[٫.]۵", summary), summary


def test_the_firms_served_are_measured_without_reading_workflow_state(ctx, clock):
    from tests.web.test_scale import reads_state, statements

    case, a, b = firms_case()
    plan_with_registrations(case, a, b)
    with statements() as seen, unit_of_work(write=False) as uow:
        period = dashboard.parse_period(None, None, clock.now())
        measured = service_card.measure(uow.session, clock, period=period, provinces=None,
                                        firms_of=dashboard.FIRMS_COLUMN)
    assert measured.recipients_total == 2
    assert [s for s in seen if reads_state(s)] == []


def test_the_cda_sees_the_firms_declared_interest(ctx):
    case, a, b = firms_case()
    to_diagnostic(case)
    interest = children(case, "firm_interest")
    firm_does(one(interest[a], "declare_interest"), {"interested": "yes"}, "rep_a")
    page = text(signed_in(ctx, "cda_t").get(f"/cases/{case}/firms"))
    assert re.search(r'data-testid="interest-count">از ۲ بنگاه پرسیده شد؛ بله: ۱، شاید: ۰، خیر: ۰', page)


def test_a_representative_opens_only_its_own_firm_s_tasks_and_cases(ctx):
    case, a, b = firms_case()
    to_diagnostic(case)
    surveys = children(case, "firm_survey")
    task_a, task_b = one(surveys[a], "answer_survey"), one(surveys[b], "answer_survey")
    rep_a = signed_in(ctx, "rep_a")
    assert rep_a.get(f"/tasks/{task_a.id}").status_code == 200
    assert rep_a.get(f"/tasks/{task_b.id}").status_code == 404
    assert rep_a.get(f"/cases/{surveys[a]}").status_code == 200
    assert rep_a.get(f"/cases/{surveys[b]}").status_code == 404
    refused = rep_a.post(f"/tasks/{task_b.id}", {"employees": "3", "action": "submit"}, f"/tasks/{task_a.id}")
    assert refused.status_code == 404
    assert one(surveys[b], "answer_survey").status == "open"


def test_a_done_joint_action_s_document_reaches_the_firms_registered_for_it_only(ctx):
    import io

    case, a, b = firms_case()
    actions = plan_with_registrations(case, a, b)            # a: training and fair; b: fair only
    training = actions["آموزش بازاریابی"]
    cda = signed_in(ctx, "cda_t")
    page = f"/cases/{case}/firms"
    refused = cda.post(f"/cases/{case}/firms/joint-actions/{training}/done",
                       {"document": (io.BytesIO(b"MZ not a pdf"), "slides.pdf")}, page,
                       content_type="multipart/form-data")
    assert refused.status_code == 422 and 'data-error-for="document"' in text(refused)
    assert children(case, "firm_feedback") == {}
    with unit_of_work(write=False) as uow:
        assert uow.session.get(JointActionDelivery, training) is None
    done = cda.post(f"/cases/{case}/firms/joint-actions/{training}/done",
                    {"report": "جزوه دوره", "document": (io.BytesIO(b"%PDF-1.4 slides"), "slides.pdf")}, page,
                    content_type="multipart/form-data")
    assert done.status_code == 302
    path = f"/firm/joint-actions/{training}/document"
    assert 'data-testid="action-document"' in text(signed_in(ctx, "rep_a").get("/firm"))
    got = signed_in(ctx, "rep_a").get(path)
    assert got.status_code == 200 and got.data == b"%PDF-1.4 slides"
    assert signed_in(ctx, "rep_b").get(path).status_code == 404        # not registered for the training
    assert cda.get(path).status_code == 200
    assert signed_in(ctx, "sup_f").get(path).status_code == 404        # another province's staff
    assert signed_in(ctx, "rep_a").get(f"/firm/joint-actions/{actions['نمایشگاه مشترک']}/document").status_code == 404


@pytest.fixture
def both(app):
    """As ``ctx``, on SQLite and PostgreSQL."""
    with app.app_context():
        deploy_processes()
        make_user("cda_t", ["cda"], ["tehran"])
        yield app


def test_the_portal_s_figures_on_both_databases(both, clock):
    from web.services.actors import Actor
    from web.services.firms import joint_actions, portal

    case, a, b = firms_case()
    actions = plan_with_registrations(case, a, b)
    cda = Actor("cda_t", frozenset({"cda"}), frozenset({"tehran"}))
    runtime = current_runtime()
    joint_actions.mark_done(case, actions["نمایشگاه مشترک"], "گزارش", actor=cda, uow=unit_of_work(),
                            runtime=runtime, clock=clock)
    feedback = children(case, "firm_feedback")
    firm_does(one(feedback[a], "give_feedback"), {"satisfaction": "4"}, "rep_a")
    firm_does(one(feedback[b], "give_feedback"), {"satisfaction": "3"}, "rep_b")
    with unit_of_work(write=False) as uow:
        view = joint_actions.case_participation(uow.session, cda, case, "fa")
        public = portal.public_clusters(uow.session, "tehran")
        period = dashboard.parse_period(None, None, clock.now())
        measured = service_card.measure(uow.session, clock, period=period, provinces=["tehran"])
    assert (view.figures.firms_participating, view.figures.registrations, view.figures.mean_satisfaction) == (2, 3, 3.5)
    assert [(x.title, len(x.registrations), x.feedback_count) for x in view.actions] == \
        [("آموزش بازاریابی", 1, 0), ("نمایشگاه مشترک", 2, 2)]
    assert [c.kind for c in public.clusters[0].calls] == ["survey"]   # registration answered; the survey not yet
    assert (measured.recipients_basis, measured.firms_served[-1]) == ("joint_actions", 2)


def test_an_unanswered_call_closes_after_30_days(ctx, clock):
    from tests.processes.helpers import advance

    case, a, b = firms_case()
    to_diagnostic(case)
    surveys = children(case, "firm_survey")
    firm_does(one(surveys[a], "answer_survey"), SURVEY, "rep_a")
    advance(clock, days=29)
    assert 'data-call="survey"' in text(Client(ctx).get("/clusters/tehran"))
    advance(clock, days=2)
    with unit_of_work(write=False) as uow:
        closed = uow.session.get(ProcessInstance, surveys[b])
        assert closed.status == "completed"
    body = text(Client(ctx).get("/clusters/tehran"))
    assert 'data-call="survey"' not in body and 'data-call="interest"' in body   # interest: the stage's call
    page = text(signed_in(ctx, "cda_t").get(f"/cases/{case}/firms"))
    assert re.search(r'data-testid="survey-count">۱ بنگاه از ۲ بنگاه', page)
    assert 'data-testid="firm-tasks"' not in text(signed_in(ctx, "rep_b").get("/firm"))
