"""The supervisors' dashboard and the service identity card generated from live data.

The example process ``document_review`` has no stages, so the tests record stage
changes themselves: a ``stage_changed`` event (and the instance's ``stage``
column, and the stays in ``stage_stay``) written in one unit of work, exactly what ``projection.sync`` writes
when a process sets its ``stage`` variable. That lets a small data set with
hand-computed durations be built at chosen moments of the frozen clock.

The service card measures the processes ``cluster_case`` and
``identification_round``; the tests deploy ``document_review`` under those two
process ids (the same file with only the process id renamed), so cases of the
right kind are started and completed through the service layer.
"""
from __future__ import annotations

import html
import json
import re
from datetime import timedelta

import pytest

from web import unit_of_work
from web.models import Event, ProcessInstance
from web.runtime import current_runtime
from web.services import dashboard, messages, service_card, stage_stays
from web.services.actors import Actor

from .browser_helpers import csrf_token, login, make_user
from .helpers import DEPUTY, ROOT, complete, deploy, open_tasks, start

FARS_EXPERT = Actor("fars_expert", frozenset({"cluster_expert"}), frozenset({"fars"}))
FARS_DEPUTY = Actor("fars_deputy", frozenset({"small_industries_deputy"}), frozenset({"fars"}))


# -- building the data set -----------------------------------------------------------------------------

class Timeline:
    """Does things at a number of days after the first moment of the frozen clock (1405/01/01)."""

    def __init__(self, clock):
        self.clock, self.t0 = clock, clock.now()

    def at(self, days: float) -> Timeline:
        self.clock.set(self.t0 + timedelta(days=days))
        return self


def enter_stage(instance_id: int, stage: str) -> None:
    """Record a stage change now, as ``projection.sync`` does for processes that have stages."""
    now = current_runtime().clock.now()
    with unit_of_work() as uow:
        instance = uow.session.get(ProcessInstance, instance_id)
        uow.session.add(Event(instance_id=instance_id, action="stage_changed", actor="system",
                              data={"from": instance.stage, "to": stage}, at=now))
        stage_stays.entered(uow.session, instance, stage, now)
        instance.stage = stage
        uow.commit()


def begin(process_id: str, number: int, province: str = "tehran") -> int:
    actor = FARS_EXPERT if province == "fars" else None
    kwargs = {"actor": actor} if actor else {}
    return start(process_id, {"document_number": number, "title": f"case {number}"}, province=province,
                 **kwargs).instance_id


def approve(instance_id: int, province: str = "tehran") -> None:
    [task] = open_tasks(instance_id)
    complete(task.id, {"decision": "approve"}, **({"actor": FARS_EXPERT} if province == "fars" else {}))


def finish(number: int, province: str = "tehran") -> None:
    """Deliver the permit the approved case waits for: the case completes now."""
    runtime = current_runtime()
    messages.deliver_message("permit_issued", {"reference": f"DOC-{number}"}, {"no": "P"},
                             actor=FARS_DEPUTY if province == "fars" else DEPUTY, uow=unit_of_work(),
                             runtime=runtime, clock=runtime.clock)


def signed_in(app, username):
    client = app.test_client()
    login(client, username)
    return client


def in_english(client, path):
    client.post("/language", data={"lang": "en", "next": path, "csrf_token": csrf_token(client, path)})
    return client


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def table(page: str, testid: str) -> str:
    match = re.search(rf'<table [^>]*data-testid="{testid}"[^>]*>(.*?)</table>', page, re.DOTALL)
    assert match, f"no table {testid}"
    return match.group(1)


def cell(page: str, testid: str, row: str, col: str = "") -> str:
    """The text of one cell of a table, found by its row's and (else the first) column's data attributes."""
    match = re.search(rf'<tr {row}[^>]*>.*?<td{" " + col if col else ""}[^>]*>(.*?)</td>', table(page, testid), re.DOTALL)
    assert match, f"no cell {row} / {col} in {testid}"
    return match.group(1).strip()


def figures(page: str) -> dict[str, str]:
    """The measured figures of the card: {name: (machine value, shown text)}."""
    return {name: (value, shown) for name, value, shown in
            re.findall(r'<data data-figure="([a-z_]+)" value="([^"]*)">([^<]*)</data>', page)}


def embedded_json(page: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page, re.DOTALL)
    assert match, f"no {element_id} on the page"
    return json.loads(match.group(1))


@pytest.fixture
def app(sqlite_app):
    with sqlite_app.app_context():
        make_user("sup", ["supervisor"], ["tehran"])
        make_user("sup_fars", ["supervisor"], ["fars"])
        make_user("hq", ["isipo_expert"], [])
        make_user("sara", ["cluster_expert"], ["tehran"])
    return sqlite_app


# -- the dashboard ---------------------------------------------------------------------------------------

@pytest.fixture
def cases(app, clock):
    """Tehran: A completed, B and C running in stages, E running without a stage; Fars: D running.

    Days after 1405/01/01:  A starts 0 (feasibility), permit at 10, completes at 16;
    D (Fars) starts 5 (feasibility); B starts 20 (feasibility); C starts 40 (feasibility),
    permit at 42; E starts 49; now is day 50.
    """
    line = Timeline(clock)
    with app.app_context():
        deploy(ROOT / "examples" / "document_review.bpmn")
        line.at(0)
        a = begin("document_review", 1)
        enter_stage(a, "feasibility")
        line.at(5)
        d = begin("document_review", 4, "fars")
        enter_stage(d, "feasibility")
        line.at(10)
        enter_stage(a, "permit")
        line.at(12)
        approve(a)
        line.at(16)
        finish(1)
        line.at(20)
        b = begin("document_review", 2)
        enter_stage(b, "feasibility")
        line.at(40)
        c = begin("document_review", 3)
        enter_stage(c, "feasibility")
        line.at(42)
        enter_stage(c, "permit")
        line.at(49)
        begin("document_review", 5)
        line.at(50)
    return {"a": a, "b": b, "c": c, "d": d}


def test_dashboard_numbers_for_a_provincial_supervisor(app, cases):
    response = signed_in(app, "sup").get("/dashboard")
    assert response.status_code == 200
    page = text(response)
    # running cases per stage: B in feasibility, C in permit, E without a stage (A is completed, D is Fars')
    assert cell(page, "running-by-stage", 'data-stage="feasibility"') == "۱"
    assert cell(page, "running-by-stage", 'data-stage="permit"') == "۱"
    assert cell(page, "running-by-stage", 'data-stage=""') == "۱"
    # per province and status: Tehran only
    assert cell(page, "by-province", 'data-province="tehran"', 'data-status="running"') == "۳"
    assert cell(page, "by-province", 'data-province="tehran"', 'data-status="completed"') == "۱"
    assert cell(page, "by-province", 'data-province="all"', 'data-status="total"') == "۴"
    assert 'data-province="fars"' not in page
    # open tasks of B, C and E; B's and C's are past their three working days, E's is not
    assert cell(page, "overdue-by-role", 'data-role="cluster_expert"', 'data-col="overdue"') == "۲"
    assert cell(page, "overdue-by-role", 'data-role="cluster_expert"', 'data-col="open"') == "۳"
    # feasibility: A 10, C 2, B 30 (to now) days -> mean 14, p90 = 10 + 0.8 * (30 - 10) = 26
    assert cell(page, "stage-times", 'data-stage="feasibility"', 'data-col="stays"') == "۳"
    assert cell(page, "stage-times", 'data-stage="feasibility"', 'data-col="mean"') == "۱۴"
    assert cell(page, "stage-times", 'data-stage="feasibility"', 'data-col="p90"') == "۲۶"
    # permit: A 6 (to completion), C 8 (to now) -> mean 7, p90 = 6 + 0.9 * 2 = 7.8
    assert cell(page, "stage-times", 'data-stage="permit"', 'data-col="mean"') == "۷"
    assert cell(page, "stage-times", 'data-stage="permit"', 'data-col="p90"') == "۷٫۸"
    # cases started per month: A and B in Farvardin 1405, C and E in Ordibehesht; no firm counts yet
    assert cell(page, "months", 'data-month="1405/01"', 'data-col="cases"') == "۲"
    assert cell(page, "months", 'data-month="1405/02"', 'data-col="cases"') == "۲"
    assert cell(page, "months", 'data-month="1404/03"', 'data-col="cases"') == "۰"
    assert page.count("<tr data-month=") == 12 and 'data-testid="no-firms"' in page
    # the charts are drawn from the same figures, with Persian formatting
    data = embedded_json(page, "dashboard-data")
    assert data["locale"] == "fa-IR" and data["rtl"] is True
    times = data["charts"]["stage_times"]
    assert times["labels"] == ["مطالعه امکان‌سنجی", "درخواست و مجوز"]
    assert [s["data"] for s in times["series"]] == [[14, 7], [26, 7.8]]
    assert data["charts"]["months"]["series"][0]["data"][-2:] == [2, 2]
    assert len(data["charts"]["months"]["series"]) == 1
    assert 'src="/static/vendor/chart.js/chart.umd.min.js"' in page and "cdn" not in page.lower()


def test_dashboard_is_scoped_and_national_roles_filter_by_province(app, cases):
    fars = text(signed_in(app, "sup_fars").get("/dashboard"))
    assert cell(fars, "by-province", 'data-province="fars"', 'data-status="running"') == "۱"
    assert 'data-province="tehran"' not in fars
    assert cell(fars, "stage-times", 'data-stage="feasibility"', 'data-col="mean"') == "۴۵"
    # a provincial supervisor asking for another province sees nothing of it
    sneaky = text(signed_in(app, "sup").get("/dashboard?province=fars"))
    assert 'data-province="fars"' not in sneaky and 'data-stage="feasibility"' not in sneaky

    hq = signed_in(app, "hq")
    everything = text(hq.get("/dashboard"))
    assert cell(everything, "by-province", 'data-province="all"', 'data-status="total"') == "۵"
    # feasibility across both provinces: 2, 10, 30, 45 -> mean 21.75, p90 = 30 + 0.7 * 15 = 40.5
    assert cell(everything, "stage-times", 'data-stage="feasibility"', 'data-col="mean"') == "۲۱٫۷۵"
    assert cell(everything, "stage-times", 'data-stage="feasibility"', 'data-col="p90"') == "۴۰٫۵"
    only_fars = text(hq.get("/dashboard?province=fars"))
    assert 'data-province="tehran"' not in only_fars
    assert cell(only_fars, "overdue-by-role", 'data-role="cluster_expert"', 'data-col="overdue"') == "۱"


def test_dashboard_and_service_card_are_for_supervising_roles(app):
    client = signed_in(app, "sara")
    for path in ("/dashboard", "/service-card", "/service-card.html?download=1", "/service-card.json"):
        assert client.get(path).status_code == 403, path
    assert 'href="/dashboard"' not in text(client.get("/inbox"))
    assert 'href="/dashboard"' in text(signed_in(app, "sup").get("/inbox"))
    assert app.test_client().get("/dashboard").status_code == 302     # to the sign-in page


def test_dashboard_period_and_bad_input(app, cases):
    client = signed_in(app, "sup")
    page = text(client.get("/dashboard?from=1405/02&to=1405/02"))
    assert page.count("<tr data-month=") == 1
    # B's feasibility stay (days 20-50) overlaps Ordibehesht; A's (0-10) does not
    assert cell(page, "stage-times", 'data-stage="feasibility"', 'data-col="stays"') == "۲"
    persian = text(client.get("/dashboard?from=۱۴۰۵/۰۲&to=۱۴۰۵/۰۲"))              # as the fields show them
    assert [table(persian, t) for t in ("months", "stage-times")] == [table(page, t) for t in ("months", "stage-times")]
    bad = client.get("/dashboard?from=1405/13")
    assert bad.status_code == 422 and 'data-testid="filter-errors"' in text(bad)


def test_firm_counts_give_a_firms_series(app, cases):
    firms = {cases["a"]: 12, cases["b"]: 30}
    with app.app_context(), unit_of_work(write=False) as uow:
        dash = dashboard.build_dashboard(uow.session, Actor("sup", frozenset({"supervisor"}), frozenset({"tehran"})),
                                         current_runtime().clock, dashboard.DashboardFilters(),
                                         firms_of=lambda instance: firms.get(instance.id))
    by_month = {row.month: row for row in dash.months}
    assert dash.firms_available
    assert (by_month[(1405, 1)].firms, by_month[(1405, 1)].cases_without_firms) == (42, 0)
    assert (by_month[(1405, 2)].firms, by_month[(1405, 2)].cases_without_firms) == (None, 2)


def test_percentile_interpolates_between_ranks():
    assert dashboard.percentile([30, 2, 10], 0.9) == pytest.approx(26)
    assert dashboard.percentile([5], 0.9) == 5
    with pytest.raises(ValueError):
        dashboard.percentile([], 0.9)


# -- the service card ------------------------------------------------------------------------------------

def renamed(tmp_path, process_id: str):
    """document_review.bpmn with its process id changed, so cases of ``process_id`` can be run."""
    source = (ROOT / "examples" / "document_review.bpmn").read_text(encoding="utf-8")
    source = source.replace('id="document_review"', f'id="{process_id}"').replace(
        'processRef="document_review"', f'processRef="{process_id}"')
    path = tmp_path / f"{process_id}.bpmn"
    path.write_text(source, encoding="utf-8")
    return path


@pytest.fixture
def card_cases(app, clock, tmp_path):
    """Cluster cases X (days 0-30), Y (10-70), Z (20-, running) in Tehran and W (0-10) in Fars;
    identification rounds at days 25 and 35 in Tehran and one in Fars; now is day 80 (1405/03/19)."""
    line = Timeline(clock)
    with app.app_context():
        deploy(renamed(tmp_path, "cluster_case"))
        deploy(renamed(tmp_path, "identification_round"))
        line.at(0)
        x, w = begin("cluster_case", 11), begin("cluster_case", 14, "fars")
        approve(x)
        approve(w, "fars")
        line.at(10)
        finish(14, "fars")
        y = begin("cluster_case", 12)
        approve(y)
        line.at(20)
        z = begin("cluster_case", 13)
        line.at(25)
        begin("identification_round", 21)
        line.at(30)
        finish(11)
        line.at(35)
        begin("identification_round", 22)
        begin("identification_round", 23, "fars")
        line.at(70)
        finish(12)
        line.at(80)
    return {"x": x, "y": y, "z": z, "w": w}


def test_service_card_shows_every_declared_field_in_persian(app, card_cases):
    page = text(signed_in(app, "sup").get("/service-card"))
    card = service_card.declared()
    expected = [card["title"]["fa"], card["access"]["title"]["fa"], card["outputs"]["title"]["fa"]]
    for section in card["sections"]:
        expected.append(section["title"]["fa"])
        expected += [f["label"]["fa"] for f in section["fields"]]
        expected += [f["value"]["fa"] for f in section["fields"] if f.get("value")]
        expected += [f["note"]["fa"] for f in section["fields"] if f.get("note")]
        expected += [c["fa"] for c in section.get("columns", [])]
        expected += [c["fa"] for row in section.get("rows", []) for c in row if c]
    for stage in card["access"]["stages"]:
        expected += [stage["name"]["fa"], stage["mode"]["fa"], stage["reason"]["fa"]]
    expected += [o["fa"] for o in card["outputs"]["items"]]
    expected += [f["label"]["fa"] for f in card["footer"]]
    for form in card["forms"]:
        expected += [form["title"]["fa"], *(c["fa"] for c in form["columns"]), *(r["fa"] for r in form["rows"])]
    missing = [value for value in expected if value not in page]
    assert missing == []
    assert "۱۰۰ خدمت‌گیرنده در ماه" in page and "سه سال" in page and "یک بار در سال" in page
    assert "شرکت شهرک‌های صنعتی کل کشور" in page and "خدمت به کسب و کار (G2B)" in page


def test_service_card_measures_figures_in_scope(app, card_cases):
    client = signed_in(app, "sup")
    page = text(client.get("/service-card"))
    shown = figures(page)
    # 3 Tehran cluster cases started in the 12 months 1404/04-1405/03: 0.25 per month, counted as cases
    assert shown["recipients_per_month"] == ("0.25", "۰٫۲۵") and shown["recipients_total"] == ("3", "۳")
    assert 'data-testid="recipients-cases"' in page
    # X took 30 days, Y 60: mean 45 (45 / 365.2425 = 0.12 years), median 45; Z has run 60 days
    assert (shown["completed_cases"], shown["mean_days"], shown["median_days"]) == (("2", "۲"), ("45", "۴۵"), ("45", "۴۵"))
    assert shown["mean_years"] == ("0.12", "۰٫۱۲")
    assert (shown["running_cases"], shown["running_longest_days"]) == (("1", "۱"), ("60", "۶۰"))
    # two identification rounds in 12 months: twice a year
    assert (shown["rounds_started"], shown["rounds_per_year"]) == (("2", "۲"), ("2", "۲"))
    # every access stage now runs in clusterflow, at this host (informing: the firms' portal's public page)
    assert "clusterflow" in _measured(page, "system_name") and "http://localhost/" in _measured(page, "web_address")
    for stage in ("informing", "request", "production", "delivery"):
        assert "http://localhost/" in cell(page, "access-stages", f'data-stage="{stage}"', 'data-col="now"')

    measured = client.get("/service-card.json").get_json()["measured"]
    for name, (value, _) in shown.items():                      # the page and the JSON agree
        if name in measured:
            assert float(value) == measured[name], name
    assert {k: measured["period"][k] for k in ("from", "to", "months")} == {"from": "1404/04", "to": "1405/03",
                                                                           "months": 12}
    assert measured["provinces"] == ["tehran"]
    assert (measured["recipients_basis"], measured["recipients_total"], measured["recipients_per_month"]) == \
        ("cases", 3, 0.25)
    assert (measured["completed_cases"], measured["mean_days"], measured["median_days"]) == (2, 45, 45)
    assert (measured["running_cases"], measured["running_mean_days"], measured["running_longest_days"]) == (1, 60, 60)
    assert (measured["rounds_started"], measured["rounds_per_year"]) == (2, 2)
    # informing: the public page of a province's clusters and the firms' home (the firms' portal)
    assert measured["electronic_stages"] == ["informing", "request", "production", "delivery"]
    assert measured["web_address"] == "http://localhost/" and measured["system_name"] == "clusterflow"
    assert client.get("/service-card.json").get_json()["declared"] == service_card.declared()

    # the Fars supervisor does not count Tehran's cases: W alone, completed in 10 days
    fars = signed_in(app, "sup_fars").get("/service-card.json").get_json()["measured"]
    assert (fars["cases_started"], fars["mean_days"], fars["rounds_started"], fars["running_cases"]) == (1, 10, 1, 0)
    # national: all four; mean of 30, 60 and 10
    national = signed_in(app, "hq").get("/service-card.json").get_json()["measured"]
    assert (national["cases_started"], national["mean_days"], national["median_days"]) == (4, 33.33, 30)


def test_service_card_over_a_chosen_period(app, card_cases):
    client = signed_in(app, "sup")
    measured = client.get("/service-card.json?from=1405/02&to=1405/03").get_json()["measured"]
    # no case started in Ordibehesht-Khordad; only Y completed then; one round: 6 a year
    assert (measured["cases_started"], measured["recipients_per_month"]) == (0, 0)
    assert (measured["completed_cases"], measured["mean_days"]) == (1, 60)
    assert (measured["rounds_started"], measured["rounds_per_year"]) == (1, 6)
    shown = figures(text(client.get("/service-card?from=1405/02&to=1405/03")))
    assert shown["rounds_per_year"] == ("6", "۶") and shown["mean_days"] == ("60", "۶۰")
    assert client.get("/service-card?from=1405/99").status_code == 422


def test_service_card_says_when_no_case_is_completed(app, clock, tmp_path):
    with app.app_context():
        deploy(renamed(tmp_path, "cluster_case"))
        begin("cluster_case", 1)
        clock.advance(days=3)
    page = text(signed_in(app, "sup").get("/service-card"))
    assert 'data-testid="duration-none"' in page and 'data-testid="duration-running"' in page
    assert figures(page)["running_longest_days"] == ("3", "۳") and "mean_days" not in figures(page)


def test_service_card_in_english(app, card_cases):
    client = in_english(signed_in(app, "sup"), "/service-card")
    page = text(client.get("/service-card"))
    card = service_card.declared()
    for section in card["sections"]:
        for field in section["fields"]:
            assert field["label"]["en"] in page
            if field.get("value"):
                assert field["value"]["en"] in page
    assert "100 per month" in page and "Three years" in page
    assert figures(page)["recipients_per_month"] == ("0.25", "0.25")
    assert '<html lang="en" dir="ltr">' in page and card["sections"][0]["fields"][0]["value"]["fa"] not in page


def test_service_card_download_is_a_standalone_html_file(app, card_cases):
    response = signed_in(app, "sup").get("/service-card.html?download=1")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Disposition"] == "attachment; filename=service-card.html"
    page = text(response)
    assert page.startswith("<!doctype html>") and '<html lang="fa" dir="rtl">' in page and "<style>" in page
    assert "<link" not in page and "<script" not in page and "/static/" not in page
    assert service_card.declared()["sections"][0]["fields"][0]["value"]["fa"] in page
    assert figures(page)["recipients_per_month"] == ("0.25", "۰٫۲۵")
    inline = signed_in(app, "sup").get("/service-card.html")
    assert "Content-Disposition" not in inline.headers


def test_firm_counts_become_the_recipients_figure(app, card_cases):
    firms = {card_cases["x"]: 12, card_cases["y"]: 30}
    with app.app_context(), unit_of_work(write=False) as uow:
        clock = current_runtime().clock
        period = dashboard.parse_period(None, None, clock.now())
        measured = service_card.measure(uow.session, clock, period=period, provinces=["tehran"],
                                        firms_of=lambda instance: firms.get(instance.id))
    assert (measured.recipients_basis, measured.recipients_total, measured.cases_with_firms) == ("firms", 42, 2)
    assert measured.recipients_per_month == pytest.approx(3.5)


def _measured(page: str, key: str) -> str:
    match = re.search(rf'<div class="measured" data-measure="{key}">(.*?)</div>', page, re.DOTALL)
    assert match, f"no measured {key}"
    return re.sub(r"<[^>]+>", " ", match.group(1))
