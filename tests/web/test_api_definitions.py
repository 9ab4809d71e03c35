"""The REST API for process definitions: the catalogue, one version's files, deploying uploaded files."""
from __future__ import annotations

import io

import pytest

from engine.xmlsafe import MAX_FILE_BYTES

from .api_helpers import api, bearer
from .browser_helpers import make_user
from .helpers import ROOT, deploy, start

EXAMPLE = ROOT / "examples" / "document_review.bpmn"
TALLY = ROOT / "processes" / "approval_tally.dmn"
XML_FIXTURES = ROOT / "tests" / "engine" / "fixtures" / "validation" / "xml"
USERS = {"dina": ["process_designer"], "root": ["admin"], "sup": ["supervisor"], "sara": ["cluster_expert"]}


@pytest.fixture
def deployed(sqlite_app):
    """Version 1 (the example) with two running cases; a designer, an administrator and two others."""
    with sqlite_app.app_context():
        for name, roles in USERS.items():
            make_user(name, roles, ["tehran"])
        deploy(EXAMPLE)
        for number in (1, 2):
            start("document_review", {"document_number": number})
    return sqlite_app.test_client(), {name: bearer(sqlite_app, name) for name in USERS}


def upload(*files: tuple[str, bytes], reason: str | None = None) -> dict:
    form: dict = {"files": [(io.BytesIO(data), name) for name, data in files]}
    if reason is not None:
        form["reason"] = reason
    return form


def changed_example(old: str = 'value="add_working_days(3)"', new: str = 'value="add_working_days(6)"') -> bytes:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new).encode("utf-8")


def catalogue(client, token) -> dict:
    answer = api(client, "GET", "/process-definitions", token=token)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


# -- reading ---------------------------------------------------------------------------------------------

def test_catalogue_lists_processes_with_versions_and_running_cases(deployed):
    client, tokens = deployed
    found = catalogue(client, tokens["dina"])
    assert found["decisions"] == []
    [process] = found["processes"]
    assert (process["id"], process["name"]) == ("document_review", "بررسی سند (فرایند نمونه)")
    [version] = process["versions"]
    assert (version["version"], version["deployed_by"], version["reason"], version["running"], version["suspended"]) \
        == (1, "designer", "test", 2, 0)
    assert [name.rsplit("/", 1)[-1] for name in version["files"]] == ["document_review.bpmn"]
    assert version["deployed_at"].endswith("+00:00")
    assert catalogue(client, tokens["root"]) == found                                   # administrators may look
    for user in ("sup", "sara"):
        refused = api(client, "GET", "/process-definitions", token=tokens[user])
        assert refused.status_code == 403 and refused.get_json()["error"] == "Forbidden", user


def test_a_versions_files(deployed):
    client, tokens = deployed
    shown = api(client, "GET", "/process-definitions/{process_id}/versions/{version}", token=tokens["dina"],
                process_id="document_review", version=1)
    assert shown.status_code == 200
    body = shown.get_json()
    assert (body["version"], body["process_id"], body["name"], body["deployed_by"], body["reason"]) == \
        (1, "document_review", "بررسی سند (فرایند نمونه)", "designer", "test")
    [file] = body["files"]
    assert file["name"].endswith("document_review.bpmn") and file["content"] == EXAMPLE.read_text(encoding="utf-8")
    for process_id, version in (("document_review", 2), ("other_process", 1), ("approval_tally", 1)):
        missing = api(client, "GET", "/process-definitions/{process_id}/versions/{version}", token=tokens["dina"],
                      process_id=process_id, version=version)
        assert missing.status_code == 404 and missing.get_json()["error"] == "ProcessNotFound", process_id
    refused = api(client, "GET", "/process-definitions/{process_id}/versions/{version}", token=tokens["sara"],
                  process_id="document_review", version=1)
    assert refused.status_code == 403


# -- deploying -------------------------------------------------------------------------------------------

def test_deploy_uploaded_files_as_a_new_version_then_again_unchanged(deployed):
    client, tokens = deployed
    files = (("document_review.bpmn", changed_example()), ("approval_tally.dmn", TALLY.read_bytes()))
    created = api(client, "POST", "/process-definitions", token=tokens["dina"],
                  form=upload(*files, reason="مهلت بررسی شش روز"))
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["version"], body["process_ids"], body["created"]) == (2, ["document_review"], True)
    assert len(body["content_hash"]) == 64

    found = catalogue(client, tokens["dina"])
    [process] = found["processes"]
    assert [(v["version"], v["deployed_by"], v["reason"], v["running"]) for v in process["versions"]] == [
        (2, "dina", "مهلت بررسی شش روز", 0), (1, "designer", "test", 2)]            # newest first
    assert process["versions"][0]["files"] == ["approval_tally.dmn", "document_review.bpmn"]
    [decision] = found["decisions"]
    assert decision["id"] == "approval_tally" and [v["version"] for v in decision["versions"]] == [2]
    tally = api(client, "GET", "/process-definitions/{process_id}/versions/{version}", token=tokens["root"],
                process_id="approval_tally", version=2).get_json()
    assert [f["name"] for f in tally["files"]] == ["approval_tally.dmn", "document_review.bpmn"]

    again = api(client, "POST", "/process-definitions", token=tokens["dina"], form=upload(*files))
    assert again.status_code == 200
    assert again.get_json() == {**body, "created": False}
    assert catalogue(client, tokens["dina"]) == found                                  # nothing new
    plain = api(client, "POST", "/process-definitions", token=tokens["dina"],
                form=upload(("document_review.bpmn", changed_example(new='value="add_working_days(4)"'))))
    assert plain.status_code == 201 and plain.get_json()["version"] == 3
    assert catalogue(client, tokens["dina"])["processes"][0]["versions"][0]["reason"] is None   # reason optional


def test_deploy_refuses_unsafe_files_listing_every_problem(deployed):
    client, tokens = deployed
    before = catalogue(client, tokens["dina"])
    files = [(n, (XML_FIXTURES / n).read_bytes()) for n in ("billion_laughs.bpmn", "external_entity.bpmn")]
    files += [("notes.bpmn", b"not xml at all"), ("readme.txt", b"<a/>"), ("huge.bpmn", b" " * (MAX_FILE_BYTES + 1)),
              ("latin1.bpmn", "<a>é</a>".encode("latin-1")), ("document_review.bpmn", EXAMPLE.read_bytes())]
    refused = api(client, "POST", "/process-definitions", token=tokens["dina"], form=upload(*files, reason="x"))
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["error"] == "DeploymentRefused" and body["message"] == "فایل‌ها ایراد دارند و استقرار نیافتند."
    problems = {p["file"]: p["message"] for p in body["problems"]}
    assert set(problems) == {"billion_laughs.bpmn", "external_entity.bpmn", "notes.bpmn", "readme.txt",
                             "huge.bpmn", "latin1.bpmn"}
    assert "DOCTYPE/entity declarations are not allowed" in problems["billion_laughs.bpmn"]
    assert "DOCTYPE/entity declarations are not allowed" in problems["external_entity.bpmn"]
    assert "malformed XML" in problems["notes.bpmn"] and "only .bpmn and .dmn" in problems["readme.txt"]
    assert "larger than 5 MiB" in problems["huge.bpmn"] and "not UTF-8" in problems["latin1.bpmn"]
    assert all(set(p) == {"file", "line", "element_id", "message"} for p in body["problems"])
    assert catalogue(client, tokens["dina"]) == before


def test_deploy_refuses_unknown_roles_and_forms_with_their_elements(deployed):
    client, tokens = deployed
    before = catalogue(client, tokens["dina"])
    text = changed_example('value="cluster_expert"', 'value="astronaut"').decode("utf-8")
    text = text.replace('value="document_review_decision"', 'value="no_such_form"')
    refused = api(client, "POST", "/process-definitions", token=tokens["dina"],
                  form=upload(("document_review.bpmn", text.encode("utf-8"))))
    assert refused.status_code == 422
    problems = refused.get_json()["problems"]
    assert any("astronaut" in p["message"] and p["element_id"] == "lane_expert" and p["line"] for p in problems)
    assert any("no_such_form" in p["message"] and p["element_id"] == "review_document" for p in problems)
    assert catalogue(client, tokens["dina"]) == before


@pytest.mark.parametrize("user, form, status, fields", [
    ("root", "example", 403, None),                        # an administrator is no designer
    ("sup", "example", 403, None),
    ("sara", "nothing", 403, None),                        # refused before the body is read
    ("dina", "nothing", 422, {"files"}),
    ("dina", "text", 422, {"files.0"}),                     # a text field, not a file
    ("dina", "long reason", 422, {"reason"}),
])
def test_deploy_refusals_deploy_nothing(deployed, user, form, status, fields):
    client, tokens = deployed
    before = catalogue(client, tokens["dina"])
    example = upload(("document_review.bpmn", changed_example()))
    forms = {"example": example, "nothing": {}, "text": {"files": "<definitions/>"},
             "long reason": {**example, "reason": "x" * 1001}}
    refused = api(client, "POST", "/process-definitions", token=tokens[user], form=forms[form])
    assert refused.status_code == status
    assert refused.get_json()["error"] == ("Forbidden" if status == 403 else "InvalidInput")
    if fields:
        assert set(refused.get_json()["errors"]) == fields
    assert catalogue(client, tokens["dina"]) == before
