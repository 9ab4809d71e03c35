"""The case file: the people who decide see what they decide on, readably, on the page and in the API."""
from __future__ import annotations

import pytest

from forms.display import display_value, shown_submission
from forms.loader import load_form
from tests.processes.helpers import CANDIDATES, actor, data, deploy_processes, do, one, start_round
from web import unit_of_work
from web.runtime import current_runtime
from web.services.task_page import load_task_page

from .api_helpers import api, bearer
from .browser_helpers import login, make_user


@pytest.fixture
def ctx(sqlite_app):
    with sqlite_app.app_context():
        deploy_processes()
        for name, role in (("expert", "cluster_expert"), ("deputy", "small_industries_deputy"),
                           ("sup", "supervisor")):
            make_user(name, [role], ["tehran"])
        yield sqlite_app


def _to_deputy() -> int:
    case = start_round()
    do(case, "register_candidates", {"candidates": CANDIDATES})
    do(case, "review_ranking", {"proposed_clusters": [{"code": "TH-01", "reason": "اولویت بالا"}],
                                "expert_opinion": "مطابق رتبه‌بندی"})
    return case


def test_the_deputys_task_detail_has_every_candidates_score(ctx):
    case = _to_deputy()
    task = one(case, "deputy_review")
    ranking = data(case)["ranking"]
    client = ctx.test_client()
    answer = api(client, "GET", "/tasks/{task_id}", token=bearer(ctx, "deputy"), lang="en", task_id=task.id)
    assert answer.status_code == 200
    panels = {p["form_id"]: p for p in answer.json["case_file"]["context"]}
    assert panels["ranking_table"]["source"] == "case_data"
    [table] = panels["ranking_table"]["fields"]
    assert table["columns"][:5] == ["Rank", "Cluster code", "Cluster name", "Score (100)", "Passes the entry gate"]
    shown = {row[1]: row for row in table["rows"]}
    assert set(shown) == {c["code"] for c in CANDIDATES}
    for row in ranking:
        assert shown[row["code"]][3] == display_value(load_form("ranking_table").fields[0].fields[3],
                                                      row["score"], "en")
        assert shown[row["code"]][4] == ("Yes" if row["eligible"] else "No")
    # the expert's proposal is there too, by label, with who proposed it
    proposal = panels["ranking_review"]
    assert proposal["source"] == "submission" and proposal["step"]["actor"] == "cluster_expert_user"
    assert [f["label"] for f in proposal["fields"]] == ["Clusters proposed for development", "Expert opinion"]


def test_scores_read_in_persian_on_the_page(ctx):
    case = _to_deputy()
    task = one(case, "deputy_review")
    client = ctx.test_client()
    login(client, "deputy")
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'data-testid="context-ranking_table"' in page
    top = max(data(case)["ranking"], key=lambda r: r["score"])
    persian = display_value(load_form("ranking_table").fields[0].fields[3], top["score"], "fa")
    assert persian in page and any("\u06f0" <= ch <= "\u06f9" for ch in persian)
    assert 'data-testid="case-file"' in page
    assert "{&#34;" not in page and '{"code"' not in page     # no raw JSON


def test_the_case_file_groups_steps_by_stage_newest_first_with_labels(ctx):
    case = _to_deputy()
    with unit_of_work(write=False) as uow:
        page = load_task_page(uow.session, current_runtime(), actor("deputy", "small_industries_deputy"),
                              one(case, "deputy_review").id, "fa")
    [stage] = page.case_file.stages
    assert stage.stage == "identification"
    assert [s.element_id for s in stage.steps] == ["review_ranking", "register_candidates", "start"]
    start_step = stage.steps[-1]
    assert start_step.actor == "expert"
    register = stage.steps[1]
    [candidates] = register.fields
    assert candidates.type == "records" and candidates.label == load_form("candidate_register").fields[0].label["fa"]
    assert len(candidates.rows) == len(CANDIDATES)
    assert [row[0] for row in candidates.rows] == [c["code"] for c in CANDIDATES]   # codes keep their letters


def test_a_task_sent_back_shows_the_reviewers_comments_and_the_previous_submission(ctx):
    case = start_round()
    do(case, "register_candidates", {"candidates": CANDIDATES})
    do(case, "review_ranking", {"proposed_clusters": [{"code": "TH-01", "reason": "اولویت بالا"}],
                                "expert_opinion": "نظر نخست"})
    do(case, "deputy_review", {"deputy_decision": "send_back",
                               "deputy_comment": "داده‌های صادرات خوشه پوشاک را بازبینی کنید"})
    rework = one(case, "register_candidates")
    client = ctx.test_client()
    token = bearer(ctx, "expert")
    answer = api(client, "GET", "/tasks/{task_id}", token=token, lang="fa", task_id=rework.id).json
    back = answer["case_file"]["rework"]
    assert back["previous"]["element_id"] == "register_candidates"
    [review] = back["reviews"][:1]
    assert review["element_id"] == "deputy_review" and review["actor"] == "small_industries_deputy_user"
    texts = [f["text"] for f in review["fields"]]
    assert "داده‌های صادرات خوشه پوشاک را بازبینی کنید" in texts
    # the previous submission is filled in
    assert [c["code"] for c in answer["data"]["candidates"]] == [c["code"] for c in CANDIDATES]
    login(client, "expert")
    page = client.get(f"/tasks/{rework.id}").get_data(as_text=True)
    assert 'data-testid="rework"' in page and "داده‌های صادرات خوشه پوشاک را بازبینی کنید" in page


def test_the_history_names_each_task(ctx):
    case = _to_deputy()
    client = ctx.test_client()
    login(client, "deputy")
    page = client.get(f"/tasks/{one(case, 'deputy_review').id}").get_data(as_text=True)
    assert "بررسی رتبه‌بندی و پیشنهاد خوشه‌های اولویت‌دار انجام شد" in page


def test_supervisors_download_the_data_as_json_and_others_cannot(ctx):
    case = _to_deputy()
    client = ctx.test_client()
    login(client, "sup")
    answer = client.get(f"/cases/{case}/data.json")
    assert answer.status_code == 200 and answer.json["ranking"]
    page = client.get(f"/cases/{case}").get_data(as_text=True)
    assert 'data-testid="case-file"' in page and "ltr-data" not in page


def test_the_json_download_is_for_supervisors_only(ctx):
    # (one sign-in per test: inside the fixture's app context flask-login keeps the first user in g)
    case = _to_deputy()
    client = ctx.test_client()
    login(client, "expert")
    assert client.get(f"/cases/{case}/data.json").status_code == 404


def test_display_formats_values_by_their_field():
    actions = load_form("action_plan").field("joint_actions") if any(
        f.name == "joint_actions" for f in load_form("action_plan").fields) else None
    money = next(c for f in load_form("action_plan").fields for c in (f.fields or (f,)) if c.type == "money")
    assert display_value(money, 12_500_000, "fa") == "۱۲٬۵۰۰٬۰۰۰ ریال"
    assert display_value(money, 1500, "en") == "1,500 rials"
    vote = load_form("member_vote")
    shown = shown_submission(vote, {"vote": "approve", "vote_comment": "خوب"}, "en")
    assert [(f.label, f.text) for f in shown] == [("Vote", "Approve"), ("Comment", "خوب")]
    assert actions is None or actions.type == "records"


def test_the_technical_supervisors_send_back_reaches_the_consultants_rework(ctx):
    from tests.processes.helpers import DIAGNOSTIC, open_case, to_diagnostic

    case = open_case()
    to_diagnostic(case)
    do(case, "diagnostic_study", DIAGNOSTIC)
    do(case, "review_diagnostic", {"review_status": "rework",
                                   "supervisor_comments": "نمونه پیمایش کافی نیست؛ دست‌کم ۱۰۰ بنگاه"})
    rework = one(case, "diagnostic_study")
    with unit_of_work(write=False) as uow:
        page = load_task_page(uow.session, current_runtime(), actor("cda_user", "cda"), rework.id, "en")
    back = page.case_file.rework
    assert back is not None and back.previous.element_id == "diagnostic_study"
    [review] = back.reviews
    assert review.element_id == "review_diagnostic"
    shown = {f.label: f.text for f in review.fields}
    assert shown["Outcome"] == "Needs rework"
    assert "نمونه پیمایش کافی نیست" in next(v for v in shown.values() if "نمونه" in v)
    assert all(page.data.get(key) == value for key, value in DIAGNOSTIC.items()
               if not isinstance(value, (list, dict)))   # the previous report is filled in
    # started by a message (no start form): the oldest step is the first task
    assert page.case_file.stages[-1].steps[-1].element_id == "feasibility_study"
