"""A process designer in a real browser: the modeler on the example process, the side panel, validation
markers, deploying, other tools' extensions kept through a round trip, and the MIWG reference models."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from engine.diffing import diff_documents
from engine.registry import Registry
from tests.web.browser_helpers import make_user
from tests.web.helpers import ROOT, deploy, start
from web import unit_of_work
from web.models import DesignDraft, ProcessInstance
from web.runtime import current_runtime, encode_files

from . import screenshot, sign_in

MIWG_DIR = Path(os.environ.get("CLUSTERFLOW_MIWG_DIR") or "/work/shared/conformance/miwg")
MIWG_FILES = sorted(p.name for p in MIWG_DIR.glob("*.bpmn")) if MIWG_DIR.is_dir() else []
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"

# Appends a user task to the deputy's branch (escalated_review -> new task -> end), through bpmn-js's own API.
ADD_USER_TASK = """() => {
  const m = cfDesigner.modeler, registry = m.get('elementRegistry'), modeling = m.get('modeling');
  const factory = m.get('elementFactory');
  modeling.removeElements([registry.get('flow_escalated_end')]);
  modeling.moveElements([registry.get('end_escalated')], {x: 220, y: 0});
  const task = modeling.appendShape(registry.get('escalated_review'), factory.createShape({type: 'bpmn:UserTask'}),
                                    {x: 650, y: 390});
  modeling.connect(task, registry.get('end_escalated'));
  return task.id;
}"""


@pytest.fixture
def site(live_server):
    with live_server.context():
        make_user("dina", ["process_designer"], [])
        deploy(ROOT / "examples" / "document_review.bpmn")
    return live_server


def problems(page: Page):
    return page.get_by_test_id("problems").locator("li")


def open_example(page: Page) -> None:
    sign_in(page, "dina")
    page.get_by_test_id("nav-designer").click()
    page.get_by_test_id("versions").get_by_test_id("open-version").first.click()
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-rendered", re.compile("document_review"))


def test_add_a_task_see_its_problems_fix_them_in_the_panel_deploy_and_start(page: Page, site):
    open_example(page)
    task_id = page.evaluate(ADD_USER_TASK)

    page.get_by_test_id("validate").click()
    expect(problems(page).filter(has_text=task_id)).to_contain_text("user task has no form")
    marked = page.locator(f"g.djs-element.cf-problem[data-element-id='{task_id}']")
    expect(marked).to_have_count(1)
    expect(page.locator(f"[data-problem-for='{task_id}']")).to_have_count(1)

    page.evaluate("() => cfDesigner.panel.select('lane_deputy')")      # a lane without a known role
    expect(page.get_by_test_id("panel-role")).to_have_value("small_industries_deputy")
    page.get_by_test_id("panel-role").select_option("")
    page.get_by_test_id("validate").click()
    expect(problems(page).filter(has_text="lane_deputy")).to_contain_text("not in the role list")
    page.get_by_test_id("panel-role").select_option("small_industries_deputy")

    page.locator(f"g.djs-element[data-element-id='{task_id}']").click()
    expect(page.get_by_test_id("panel")).to_have_attribute("data-element-id", task_id)
    page.get_by_test_id("panel-name").fill("تأیید نهایی معاون")
    page.get_by_test_id("panel-name").press("Tab")
    page.get_by_test_id("panel-form").select_option("document_review_escalation")
    page.get_by_test_id("panel-due").fill('"P3D"')
    page.get_by_test_id("panel-due").press("Tab")
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("status")).to_have_class(re.compile("alert-success"))
    expect(problems(page)).to_have_count(0)
    expect(marked).to_have_count(0)
    screenshot(page, "designer-modeler-fa")

    page.get_by_test_id("deploy-reason").fill("تأیید نهایی معاون پس از رسیدگی با تأخیر")
    page.get_by_test_id("deploy").click()
    expect(page.get_by_test_id("status")).to_have_attribute("data-version", "2")

    page.goto("/designer/compare?process=document_review&a=1&b=2")
    diagram = page.get_by_test_id("diagram")
    expect(diagram).to_have_attribute("data-rendered", "true")
    expect(diagram.locator(f"g.djs-element.cf-added[data-element-id='{task_id}']")).to_have_count(1)
    expect(diagram.locator("g.djs-element.cf-changed[data-element-id='lane_deputy']")).to_have_count(1)
    expect(page.get_by_test_id("removed")).to_contain_text("flow_escalated_end")
    screenshot(page, "designer-compare-fa")

    with site.context():
        runtime = current_runtime()
        started = start("document_review", {"document_number": 3})
        with unit_of_work(write=False) as uow:
            instance = uow.session.get(ProcessInstance, started.instance_id)
            spec_set = runtime.spec_set(instance.version)
        assert instance.version_id == 2
        spec = spec_set.processes["document_review"][0].task_specs[task_id]
        assert spec.extensions["properties"] == {"form": "document_review_escalation", "due": '"P3D"'}
        assert (spec.lane, spec.bpmn_name) == ("small_industries_deputy", "تأیید نهایی معاون")


def test_other_tools_extensions_survive_a_round_trip_through_the_modeler(page: Page, site, tmp_path):
    text = (ROOT / "examples" / "document_review.bpmn").read_text(encoding="utf-8")
    text = text.replace('xmlns:spiffworkflow=', f'xmlns:camunda="{CAMUNDA}" xmlns:spiffworkflow=', 1)
    text = text.replace('<bpmn:userTask id="review_document"',
                        '<bpmn:userTask camunda:asyncBefore="true" id="review_document"')
    text = text.replace("<spiffworkflow:instructionsForEndUser>",
                        '<camunda:taskListener event="create" class="ir.isipo.Notify" />'
                        "<spiffworkflow:instructionsForEndUser>", 1)
    upload = tmp_path / "camunda_review.bpmn"
    upload.write_text(text, encoding="utf-8")

    sign_in(page, "dina")
    page.goto("/designer/")
    page.get_by_test_id("upload").locator("input[type=file]").set_input_files(str(upload))
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("draft-name")).to_have_text("camunda_review")
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-rendered", "camunda_review.bpmn")

    page.locator("g.djs-element[data-element-id='review_document']").click()
    page.get_by_test_id("panel-due").fill("add_working_days(4)")
    page.get_by_test_id("panel-due").press("Tab")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_class(re.compile("alert-success"))
    expect(page.get_by_test_id("warnings")).to_contain_text("camunda:taskListener")

    with site.context():
        with unit_of_work(write=False) as uow:
            [draft] = uow.session.query(DesignDraft).all()
            saved = draft.files["camunda_review.bpmn"]
        assert 'camunda:asyncBefore="true"' in saved
        assert '<camunda:taskListener event="create" class="ir.isipo.Notify"' in saved
        registry = current_runtime().registry
        spec_set = Registry(roles=registry.roles, forms=registry.forms).load(encode_files(draft.files))
        review = spec_set.processes["document_review"][0].task_specs["review_document"]
        assert review.extensions["properties"]["due"] == "add_working_days(4)"
        assert review.extensions["properties"]["form"] == "document_review_decision"
        assert review.extensions["instructionsForEndUser"].startswith("سند شماره")


def set_field(page: Page, element_id: str, values: dict[str, str]) -> None:
    """Select an element and write the side panel's fields (each applied when it loses focus)."""
    assert page.evaluate("id => cfDesigner.panel.select(id)", element_id)
    expect(page.get_by_test_id("panel")).to_have_attribute("data-element-id", element_id)
    for key, value in values.items():
        field = page.get_by_test_id(f"panel-{key}")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
            field.press("Tab")


REPLACE = """([id, type]) => { const m = cfDesigner.modeler;
  return m.get('bpmnReplace').replaceElement(m.get('elementRegistry').get(id), {type: type}).id; }"""


def test_every_panel_field_writes_what_the_engine_reads(page: Page, site):
    valid = ROOT / "tests" / "engine" / "fixtures" / "validation" / "valid"
    sign_in(page, "dina")
    page.goto("/designer/")
    page.get_by_test_id("upload").locator("input[type=file]").set_input_files(
        [str(ROOT / "examples" / "document_review.bpmn"), str(valid / "legal_check.bpmn"), str(valid / "classify.dmn")])
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-rendered", "document_review.bpmn")
    assert page.evaluate(REPLACE, ["count_round", "bpmn:BusinessRuleTask"]) == "count_round"
    assert page.evaluate(REPLACE, ["escalated_review", "bpmn:CallActivity"]) == "escalated_review"

    set_field(page, "prepare_reference", {"script": 'reference = "REF-" + str(document_number)'})
    set_field(page, "flow_approved", {"condition": 'decision in ("approve", "accept")'})
    set_field(page, "review_overdue", {"timerKind": "timeDuration", "timer": '"P7D"'})
    set_field(page, "wait_permit", {"message": "permit_granted", "correlate": "reference, document_number",
                                    "messageVariable": "permit_letter"})
    set_field(page, "count_round", {"calledDecisionId": "classify_applicant", "preScript": "employees = 3"})
    set_field(page, "escalated_review", {"calledElement": "legal_check_process"})
    set_field(page, "review_document", {"assignee": "reviewer", "instructions": "بررسی کنید",
                                        "name_en": "Review the document"})
    set_field(page, "participant_document_review", {"name_en": "Document review"})   # the pool: its process
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_class(re.compile("alert-success"))

    with site.context():
        with unit_of_work(write=False) as uow:
            [draft] = uow.session.query(DesignDraft).all()
        spec_set = Registry().load(encode_files(draft.files), validate=False)
        specs = spec_set.processes["document_review"][0].task_specs
    assert specs["prepare_reference"].script == 'reference = "REF-" + str(document_number)'
    assert [c.args[0] for c, _ in specs["gw_decision"].cond_task_specs if c] == ['decision in ("approve", "accept")']
    assert specs["review_overdue"].event_definition.expression == '"P7D"'
    wait = specs["wait_permit"]
    assert (wait.event_definition.name, wait.event_definition.message_var) == ("permit_granted", "permit_letter")
    assert wait.extensions["properties"] == {"correlate": "reference, document_number"}
    assert type(specs["count_round"]).__name__ == "BusinessRuleTask"
    assert specs["count_round"].extensions["calledDecisionId"] == "classify_applicant"
    assert specs["count_round"].extensions["preScript"] == "employees = 3"
    assert (type(specs["escalated_review"]).__name__, specs["escalated_review"].spec) == \
        ("CallActivity", "legal_check_process")
    review = specs["review_document"]
    assert review.extensions["properties"] == {"form": "document_review_decision", "due": "add_working_days(3)",
                                               "assignee": "reviewer", "name_en": "Review the document"}
    assert spec_set.process_names_en == {"document_review": "Document review"}
    assert review.extensions["instructionsForEndUser"] == "بررسی کنید"


_opened: dict[str, dict] = {}


@pytest.mark.skipif(not MIWG_FILES, reason=f"no MIWG reference models in {MIWG_DIR}")
@pytest.mark.parametrize("name", MIWG_FILES)
def test_each_miwg_reference_model_opens_in_the_modeler(name: str, request: pytest.FixtureRequest):
    if not _opened:   # one browser page uploads them all as one draft and opens each in turn
        page: Page = request.getfixturevalue("page")
        with request.getfixturevalue("live_server").context():
            make_user("mina", ["process_designer"], [])
        sign_in(page, "mina")
        page.goto("/designer/")
        page.get_by_test_id("upload").locator("input[type=file]").set_input_files(
            [str(MIWG_DIR / n) for n in MIWG_FILES])
        page.get_by_test_id("upload-submit").click()
        expect(page.get_by_test_id("canvas")).to_have_attribute("data-rendered", MIWG_FILES[0])
        for each in MIWG_FILES:
            _opened[each] = page.evaluate("name => cfDesigner.open(name)", each)
    assert _opened[name]["error"] is None, _opened[name]


def test_the_service_processes_and_decisions_round_trip_through_the_editors_unchanged(page: Page, site):
    names = sorted(p.name for p in (ROOT / "processes").iterdir() if p.suffix in (".bpmn", ".dmn"))
    decision = next(n for n in names if n.endswith(".dmn"))
    sign_in(page, "dina")
    page.goto("/designer/")
    upload = page.get_by_test_id("upload").locator("input[type=file]")
    upload.set_input_files([str(ROOT / "processes" / n) for n in names])
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-rendered", re.compile(r"\.bpmn$"))
    for name in names:                         # every file through the editors, not only the first
        assert page.evaluate("name => cfDesigner.open(name)", name)["error"] is None
    page.get_by_test_id("file-tabs").get_by_text(decision).click()
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-rendered", decision)
    expect(page.locator(".dmn-drd-container, .dmn-decision-table-container").first).to_be_visible()
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_class(re.compile("alert-success"))
    with site.context():
        with unit_of_work(write=False) as uow:
            [draft] = uow.session.query(DesignDraft).all()
        originals = {n: (ROOT / "processes" / n).read_bytes() for n in names}
        assert draft.files[decision] != originals[decision].decode()              # written again by dmn-js ...
        for name in names:                     # ... with nothing the engine or a reader sees changed
            assert diff_documents(originals[name], draft.files[name].encode()).empty, name
        registry = current_runtime().registry
        assert registry.validate(encode_files(draft.files)) == registry.validate(originals)


def test_a_file_without_a_diagram_is_kept_as_it_is(page: Page, site):
    legal_check = ROOT / "tests" / "engine" / "fixtures" / "validation" / "valid" / "legal_check.bpmn"
    sign_in(page, "dina")
    page.goto("/designer/")
    page.get_by_test_id("upload").locator("input[type=file]").set_input_files(
        [str(legal_check), str(ROOT / "examples" / "document_review.bpmn")])
    page.get_by_test_id("upload-submit").click()
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-rendered", "document_review.bpmn")
    page.get_by_test_id("file-tabs").get_by_text("legal_check.bpmn").click()
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-error", "no diagram to display")
    expect(page.get_by_test_id("status")).to_contain_text("BPMN DI")
    page.get_by_test_id("file-tabs").get_by_text("document_review.bpmn").click()
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("status")).to_have_class(re.compile("alert-success"))
    with site.context():
        with unit_of_work(write=False) as uow:
            [draft] = uow.session.query(DesignDraft).all()
        assert draft.files["legal_check.bpmn"] == legal_check.read_text(encoding="utf-8")
