"""The process designer's services and pages: catalogue, drafts, uploads, validation with element ids,
deploying with a reason, compare, migrating running cases (safe and refused), forms beside the process."""
from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest

from engine.xmlsafe import MAX_FILE_BYTES
from forms.loader import DEFINITIONS_DIR
from tests.engine.test_diffing import EXAMPLE, with_due, with_notify_after_gateway
from web import unit_of_work
from web.models import Event, ProcessInstance
from web.runtime import current_runtime
from web.services import admin, catalogue, designs, form_designs, migration
from web.services.actors import SYSTEM, Actor
from web.services.engine_calls import restore_workflow
from web.services.errors import DeploymentRefused, Forbidden, InvalidInput

from .browser_helpers import csrf_token, login, make_user
from .helpers import EXPERT, ROOT, complete, open_tasks, snapshot, start

NAME = "document_review.bpmn"
DESIGNER = Actor("dina", frozenset({"process_designer"}))
OTHER_DESIGNER = Actor("omid", frozenset({"process_designer"}))
FIXTURES = ROOT / "tests" / "engine" / "fixtures" / "validation" / "xml"


def deploy_text(text: bytes, reason: str = "test") -> int:
    runtime = current_runtime()
    return designs.deploy_design({NAME: text.decode()}, reason, actor=DESIGNER, uow=unit_of_work(),
                                 runtime=runtime, clock=runtime.clock).version


@pytest.fixture
def app(sqlite_app, tmp_path):
    forms_dir = tmp_path / "forms"
    shutil.copytree(DEFINITIONS_DIR, forms_dir)
    sqlite_app.config["FORMS_DIR"] = str(forms_dir)
    with sqlite_app.app_context():
        make_user("dina", ["process_designer"], [])
        make_user("sup", ["supervisor", "admin"], ["tehran"])
        deploy_text(EXAMPLE, "first version")
    return sqlite_app


def client_of(app, username):
    client = app.test_client()
    login(client, username)
    return client


def post_json(client, url, body):
    token = csrf_token(client, "/designer/")
    return client.post(url, data=json.dumps(body), content_type="application/json",
                       headers={"X-CSRFToken": token, "Accept": "application/json"})


def test_the_catalogue_counts_running_and_suspended_cases_per_version(app):
    with app.app_context():
        first = start("document_review", {"document_number": 1}).instance_id
        start("document_review", {"document_number": 2})
        admin.change_status(first, "suspend", "waiting for a letter", actor=SYSTEM, uow=unit_of_work(),
                            clock=current_runtime().clock)
        assert deploy_text(with_due(5), "five days to review") == 2
        with unit_of_work(write=False) as uow:
            found = catalogue.catalogue(uow.session)
    v2, v1 = found.versions
    assert (v1.running, v1.suspended, v2.running, v2.suspended) == (1, 1, 0, 0)
    assert (v2.deployed_by, v2.reason, v2.files) == ("dina", "five days to review", [NAME])
    assert v2.processes == [("document_review", "بررسی سند (فرایند نمونه)")]
    assert [(e.id, e.versions) for e in found.processes] == [("document_review", [2, 1])]
    page = client_of(app, "dina").get("/designer/")
    assert page.status_code == 200 and "five days to review" in page.get_data(as_text=True)


def test_only_designers_and_administrators_see_the_designer(app):
    with app.app_context():
        make_user("sara", ["cluster_expert"], ["tehran"])
    assert client_of(app, "sara").get("/designer/").status_code == 403
    assert client_of(app, "sup").get("/designer/").status_code == 200      # an administrator may look ...
    refused = post_json(client_of(app, "sup"), "/designer/deploy", {"files": {NAME: EXAMPLE.decode()}, "reason": "x"})
    assert refused.status_code == 403                                        # ... but not change anything


def test_drafts_belong_to_their_designer(app):
    with app.app_context():
        clock = current_runtime().clock
        draft = designs.save_draft("review v2", {NAME: with_due(4).decode()}, based_on=1, draft_id=None,
                                   actor=DESIGNER, uow=unit_of_work(), clock=clock)
        again = designs.save_draft("review v2", {NAME: with_due(6).decode()}, based_on=None, draft_id=None,
                                   actor=DESIGNER, uow=unit_of_work(), clock=clock)
        with unit_of_work(write=False) as uow:
            assert again.id == draft.id
            assert [d.name for d in designs.list_drafts(uow.session, DESIGNER)] == ["review v2"]
            mine = designs.get_draft(uow.session, draft.id, DESIGNER)
            assert "add_working_days(6)" in mine.files[NAME] and mine.based_on == 1
            assert designs.list_drafts(uow.session, OTHER_DESIGNER) == []
            with pytest.raises(designs.DraftNotFound):
                designs.get_draft(uow.session, draft.id, OTHER_DESIGNER)
        with pytest.raises(Forbidden):
            designs.save_draft("x", {NAME: EXAMPLE.decode()}, based_on=None, draft_id=None, actor=EXPERT,
                               uow=unit_of_work(), clock=clock)


def test_uploads_are_refused_with_every_problem(app):
    client = client_of(app, "dina")
    files = [(io.BytesIO((FIXTURES / n).read_bytes()), n) for n in ("billion_laughs.bpmn", "external_entity.bpmn")]
    files += [(io.BytesIO(b"not xml at all"), "notes.bpmn"), (io.BytesIO(b"<a/>" * 10), "readme.txt"),
              (io.BytesIO(b" " * (MAX_FILE_BYTES + 1)), "huge.bpmn")]
    answer = client.post("/designer/upload", data={"files": files, "csrf_token": csrf_token(client, "/designer/")},
                         content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'data-testid="upload-problems"' in page
    assert page.count("DOCTYPE/entity declarations are not allowed") == 2
    for expected in ("notes.bpmn", "malformed XML", "readme.txt: only .bpmn and .dmn files", "huge.bpmn",
                     "larger than 5 MiB"):
        assert expected in page
    with app.app_context(), unit_of_work(write=False) as uow:
        assert designs.list_drafts(uow.session, DESIGNER) == []


def test_several_files_upload_as_one_draft(app):
    client = client_of(app, "dina")
    valid = ROOT / "tests" / "engine" / "fixtures" / "validation" / "valid"
    files = [(io.BytesIO((valid / n).read_bytes()), n) for n in ("permit.bpmn", "legal_check.bpmn", "classify.dmn")]
    answer = client.post("/designer/upload", data={"files": files, "name": "permit set",
                                                   "csrf_token": csrf_token(client, "/designer/")},
                         content_type="multipart/form-data")
    assert answer.status_code == 302
    with app.app_context(), unit_of_work(write=False) as uow:
        [draft] = designs.list_drafts(uow.session, DESIGNER)
    assert (draft.name, sorted(draft.files)) == ("permit set", ["classify.dmn", "legal_check.bpmn", "permit.bpmn"])
    assert answer.headers["Location"].endswith(f"/designer/drafts/{draft.id}")


def test_validation_lists_every_problem_with_the_element_to_highlight(app):
    broken = EXAMPLE.replace(b'<spiffworkflow:property name="form" value="document_review_decision" />', b"")
    broken = broken.replace(b'value="small_industries_deputy"', b'value="no_such_role"')
    answer = post_json(client_of(app, "dina"), "/designer/validate", {"files": {NAME: broken.decode()}, "based_on": 1})
    body = answer.get_json()
    assert answer.status_code == 200 and body["warnings"] == []
    found = {(p["element_id"], p["message"]) for p in body["problems"]}
    assert ("review_document", "user task has no form (property 'form')") in found
    assert ("lane_deputy",
            "lane 'معاون صنایع کوچک' has role 'no_such_role', which is not in the role list") in found
    with app.app_context():
        same = current_runtime().registry.validate({NAME: broken})     # what `clusterflow validate` reports
    assert {(p.element_id, p.message) for p in same} == found
    ok = post_json(client_of(app, "dina"), "/designer/validate", {"files": {NAME: EXAMPLE.decode()}})
    assert ok.get_json()["problems"] == []


def test_validation_warns_when_another_tools_extension_was_lost(app):
    camunda = EXAMPLE.replace(b"xmlns:spiffworkflow=",
                              b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:spiffworkflow=')
    camunda = camunda.replace(b'<bpmn:endEvent id="end_approved"',
                              b'<bpmn:endEvent camunda:asyncAfter="true" id="end_approved"')
    with app.app_context():
        version = deploy_text(camunda, "with camunda")
    client = client_of(app, "dina")
    lost = post_json(client, "/designer/validate", {"files": {NAME: EXAMPLE.decode()}, "based_on": version})
    [warning] = lost.get_json()["warnings"]
    assert warning["element_id"] == "end_approved"
    assert warning["message"] == "@camunda:asyncAfter was in the file as opened and is now missing"
    kept = post_json(client, "/designer/validate", {"files": {NAME: camunda.decode()}, "based_on": version})
    assert [w["message"] for w in kept.get_json()["warnings"]] == [
        "kept as they are, not used by the engine: @camunda:asyncAfter"]


def test_deploying_needs_a_reason_and_valid_files(app):
    client = client_of(app, "dina")
    no_reason = post_json(client, "/designer/deploy", {"files": {NAME: with_due(5).decode()}, "reason": " "})
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"] == {"reason": ["1 to 1000 characters"]}
    unknown_form = with_due(5).decode().replace("document_review_decision", "nope")
    broken = post_json(client, "/designer/deploy", {"files": {NAME: unknown_form}, "reason": "r"})
    assert broken.status_code == 422 and broken.get_json()["problems"]
    done = post_json(client, "/designer/deploy", {"files": {NAME: with_due(5).decode()}, "reason": "five days"})
    assert done.status_code == 200 and (done.get_json()["version"], done.get_json()["created"]) == (2, True)
    with app.app_context(), unit_of_work(write=False) as uow:
        event = uow.session.query(Event).filter_by(action="deployed").order_by(Event.id.desc()).first()
    assert (event.actor, event.data["reason"], event.data["version"]) == ("dina", "five days", 2)
    with app.app_context(), pytest.raises(InvalidInput):
        deploy_text(with_due(6), reason="")
    with app.app_context(), pytest.raises(DeploymentRefused):
        deploy_text(EXAMPLE.replace(b"document_review_decision", b"no_such_form"))


def test_compare_marks_added_changed_and_removed_elements(app):
    with app.app_context():
        deploy_text(with_notify_after_gateway(), "notify the applicant")
        with unit_of_work(write=False) as uow:
            result = catalogue.compare(uow.session, "document_review", 2, 1)
            back = catalogue.compare(uow.session, "document_review", None, None)
    assert (result.old, result.new) == (1, 2) and "notify_applicant" in result.diagram
    assert {e.element_id for e in result.diff.added} == {"notify_applicant", "flow_notify_wait"}
    assert {e.element_id for e in result.diff.changed} == {"flow_approved", "wait_permit", "lane_expert"}
    assert (back.old, back.new) == (1, 2)
    page = client_of(app, "dina").get("/designer/compare?process=document_review&a=1&b=2").get_data(as_text=True)
    assert 'data-element-id="notify_applicant"' in page and "targetRef" in page


def test_a_safe_case_moves_to_the_new_version_and_runs_its_new_task(app):
    with app.app_context():
        runtime = current_runtime()
        case = start("document_review", {"document_number": 1}).instance_id
        [task] = open_tasks(case)
        deploy_text(with_notify_after_gateway(), "notify the applicant")
        with unit_of_work(write=False) as uow:
            [check] = migration.cases_on_version(uow.session, runtime, 1, DESIGNER)
        assert check.safe and check.to_version == 2 and "added notify_applicant" in check.changes
        timers = snapshot(case)["timers"]
        runtime.clock.advance(days=1)
        moved = migration.migrate_case(case, 2, "the applicant must be told", actor=DESIGNER, uow=unit_of_work(),
                                       runtime=runtime, clock=runtime.clock)
        assert (moved.from_version, moved.to_version) == (1, 2)
        with unit_of_work(write=False) as uow:
            instance = uow.session.get(ProcessInstance, case)
            event = uow.session.query(Event).filter_by(instance_id=case, action="instance_migrated").one()
        assert instance.version_id == 2
        assert (event.actor, event.data["from"], event.data["to"], event.data["reason"]) == \
            ("dina", 1, 2, "the applicant must be told")
        [same] = open_tasks(case)
        assert (same.id, same.due_at) == (task.id, task.due_at)     # the task and its due date stay as they were
        assert snapshot(case)["timers"] == timers                     # and the 5-day timer still counts from the start
        complete(task.id, {"decision": "approve"})
        with unit_of_work(write=False) as uow:
            workflow = restore_workflow(runtime, uow.session.get(ProcessInstance, case))
        assert runtime.engine.current_data(workflow)["notified"] is True       # the new task ran
        assert [m.name for m in runtime.engine.waiting_messages(workflow)] == ["permit_issued"]


def test_a_case_at_a_changed_task_is_refused_with_the_reason(app):
    with app.app_context():
        runtime = current_runtime()
        case = start("document_review", {"document_number": 1}).instance_id
        deploy_text(with_due(5), "five days")
        before = snapshot(case)
        with pytest.raises(migration.MigrationRefused) as refused:
            migration.migrate_case(case, 2, "try", actor=DESIGNER, uow=unit_of_work(), runtime=runtime,
                                   clock=runtime.clock)
        assert refused.value.reasons == ["'بررسی سند' is active in this case and was changed (extensions)"]
        assert snapshot(case) == before
        with pytest.raises(Forbidden):
            migration.migrate_case(case, 2, "try", actor=EXPERT, uow=unit_of_work(), runtime=runtime,
                                   clock=runtime.clock)
    page = client_of(app, "dina").get("/designer/versions/1/cases").get_data(as_text=True)
    assert 'data-testid="refused"' in page and "is active in this case and was changed" in page


def test_forms_of_a_version_are_edited_with_a_live_preview_and_checked_before_saving(app, tmp_path):
    forms_dir = tmp_path / "forms"
    with app.app_context(), unit_of_work(write=False) as uow:
        uses = {u.form_id: u for u in form_designs.forms_of_version(uow.session, 1, forms_dir)}
    assert set(uses) == {"document_review_start", "document_review_decision", "document_review_escalation"}
    assert uses["document_review_decision"].used_by == (("document_review", "review_document", "بررسی سند"),)

    client = client_of(app, "dina")
    text = (forms_dir / "document_review_decision.json").read_text(encoding="utf-8")
    changed = text.replace('"fields": [', '"fields": [{"name": "note", "type": "text", "label": '
                                          '{"fa": "یادداشت بازبین", "en": "Reviewer note"}}, ', 1)
    preview = post_json(client, "/designer/forms/document_review_decision/preview", {"text": changed}).get_json()
    assert preview["problems"] == []
    assert "یادداشت بازبین" in preview["html"] and 'name="note"' in preview["html"]
    picks = text.replace('"fields": [', '"fields": [{"name": "who", "type": "user", "role": "cda", "label": '
                                        '{"fa": "عامل", "en": "Agent"}}, {"name": "code", "type": "choice", '
                                        '"options_from": {"case": "ranking", "value": "code"}, "label": '
                                        '{"fa": "کد", "en": "Code"}}, ', 1)
    preview = post_json(client, "/designer/forms/document_review_decision/preview", {"text": picks}).get_json()
    assert preview["problems"] == [] and 'name="who"' in preview["html"] and 'name="code"' in preview["html"]
    wrong_rule = changed.replace('"fields": [', '"rules": [{"kind": "sum_equals", "field": "nope", "parts": ["x"], '
                                               '"message": {"fa": "x", "en": "x"}}], "fields": [', 1)
    refused = post_json(client, "/designer/forms/document_review_decision", {"text": wrong_rule})
    assert refused.status_code == 422
    assert any("rule #1 (sum_equals)" in p and "'nope'" in p for p in refused.get_json()["problems"])
    bad = changed.replace('"type": "text"', '"type": "txet"', 1)
    refused = post_json(client, "/designer/forms/document_review_decision", {"text": bad})
    assert refused.status_code == 422 and any("txet" in p for p in refused.get_json()["problems"])
    assert (forms_dir / "document_review_decision.json").read_text(encoding="utf-8") == text
    saved = post_json(client, "/designer/forms/document_review_decision", {"text": changed})
    assert saved.status_code == 200
    assert json.loads((forms_dir / "document_review_decision.json").read_text())["fields"][0]["name"] == "note"
    assert post_json(client_of(app, "sup"), "/designer/forms/document_review_decision",
                     {"text": changed}).status_code == 403
    with app.app_context():
        with pytest.raises(form_designs.FormRefused):
            form_designs.check_form_text("new_form", '{"id": "new_form"}')
        visit = {"id": "site_visit", "title": {"fa": "بازدید", "en": "Visit"},
                 "fields": [{"name": "done", "type": "boolean", "label": {"fa": "انجام شد", "en": "Done"}}]}
        form_designs.save_form("site_visit", json.dumps(visit),
                               actor=DESIGNER, directory=forms_dir, uow=unit_of_work(), runtime=current_runtime(),
                               clock=current_runtime().clock)
        assert "site_visit" in current_runtime().registry.forms    # the validator knows the new form
        current_runtime().registry.forms.discard("site_visit")


def test_version_files_download_as_zip_or_one_file(app):
    client = client_of(app, "dina")
    with app.app_context(), unit_of_work(write=False) as uow:
        assert catalogue.version_files(uow.session, 1) == {NAME: EXAMPLE.decode()}
    archive = zipfile.ZipFile(io.BytesIO(client.get("/designer/versions/1/files.zip").data))
    assert archive.namelist() == [NAME] and archive.read(NAME) == EXAMPLE
    one = client.get(f"/designer/versions/1/file?name={NAME}")
    assert one.status_code == 200 and one.data == EXAMPLE and NAME in one.headers["Content-Disposition"]
    assert client.get("/designer/versions/1/file?name=other.bpmn").status_code == 404
    assert client.get("/designer/versions/9/files.zip").status_code == 404
