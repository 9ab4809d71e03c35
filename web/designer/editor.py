"""The web modeler: open a version or a draft, save drafts, validate, deploy, upload files."""
from __future__ import annotations

import posixpath

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import unit_of_work
from ..input_guard import small_int
from ..i18n import digits, role_name
from ..models import DesignDraft
from ..reference import roles
from ..runtime import current_runtime
from ..security import current_actor
from ..services import catalogue, designs
from ..services.errors import DeploymentRefused
from .payload import FilesSchema, load, problem_dicts, problems_answer

MAX_UPLOAD_FILES = designs.MAX_FILES
BLANK_NAME = "new_process.bpmn"
BLANK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
                  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="definitions_new_process" targetNamespace="https://clusterflow.example/processes">
  <bpmn:process id="new_process" name="new process" isExecutable="true">
    <bpmn:startEvent id="start_event" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram_new_process">
    <bpmndi:BPMNPlane id="plane_new_process" bpmnElement="new_process">
      <bpmndi:BPMNShape id="start_event_di" bpmnElement="start_event">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _modeler(files: dict[str, str], *, based_on: int | None, draft: DesignDraft | None = None,
             current: str | None = None) -> str:
    runtime = current_runtime()
    names = sorted(files)
    opened = current if current in files else next((n for n in names if n.lower().endswith(".bpmn")), names[0])
    setup = {
        "files": files, "current": opened, "based_on": based_on,
        "draft": {"id": draft.id, "name": draft.name} if draft is not None else None,
        "roles": [{"id": role_id, "label": f"{role_name(role_id)} ({role_id})"} for role_id in roles()],
        "forms": sorted(runtime.registry.forms or ()),
        "urls": {"save": url_for("designer.save_draft"), "validate": url_for("designer.validate"),
                 "deploy": url_for("designer.deploy"), "form": url_for("designer.edit_form", form_id="FORM_ID"),
                 "catalogue": url_for("designer.index")},
    }
    suggested = draft.name if draft is not None else (
        _("Changes to version %(version)s", version=digits(based_on)) if based_on else posixpath.splitext(opened)[0])
    return render_template("designer/modeler.html", setup=setup, suggested_name=suggested, draft=draft,
                           based_on=based_on)


def new_model():  # type: ignore[no-untyped-def]
    version = small_int(request.args.get("version"), None, invalid=None)
    if version is None:
        return _modeler({BLANK_NAME: BLANK}, based_on=None)
    with unit_of_work(write=False) as uow:
        files = catalogue.version_files(uow.session, version)
    return _modeler(files, based_on=version, current=request.args.get("file"))


def open_draft(draft_id: int):  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        draft = designs.get_draft(uow.session, draft_id, current_actor())
    return _modeler(dict(draft.files), based_on=draft.based_on, draft=draft, current=request.args.get("file"))


def save_draft():  # type: ignore[no-untyped-def]
    body, actor, runtime = load(FilesSchema()), current_actor(), current_runtime()
    with unit_of_work(write=False) as uow:
        base = designs.base_files(uow.session, draft_id=body["draft_id"], version_id=body["based_on"], actor=actor)
    try:
        draft = designs.save_draft(body["name"], body["files"], based_on=body["based_on"],
                                   draft_id=body["draft_id"], actor=actor, uow=unit_of_work(), clock=runtime.clock)
    except designs.FilesRefused as exc:
        return problems_answer(_("The files were not saved."), exc.problems)
    warnings = designs.extension_warnings(body["files"], base)
    return jsonify({"id": draft.id, "name": draft.name, "url": url_for("designer.open_draft", draft_id=draft.id),
                    "warnings": problem_dicts(warnings), "message": _("Draft saved.")})


def validate():  # type: ignore[no-untyped-def]
    body, actor = load(FilesSchema()), current_actor()
    with unit_of_work(write=False) as uow:
        base = designs.base_files(uow.session, draft_id=body["draft_id"], version_id=body["based_on"], actor=actor)
    try:
        designs.check_files(body["files"])
    except designs.FilesRefused as exc:
        return jsonify({"problems": problem_dicts(exc.problems), "warnings": []})
    report = designs.validate_design(body["files"], current_runtime(), base=base)
    return jsonify({"problems": problem_dicts(report.problems), "warnings": problem_dicts(report.warnings)})


def deploy():  # type: ignore[no-untyped-def]
    body, actor, runtime = load(FilesSchema()), current_actor(), current_runtime()
    try:
        result = designs.deploy_design(body["files"], body["reason"], actor=actor, uow=unit_of_work(),
                                       runtime=runtime, clock=runtime.clock)
    except (DeploymentRefused, designs.FilesRefused) as exc:
        return problems_answer(_("The files have problems and were not deployed."), exc.problems)
    message = (_("Deployed as version %(version)s. Running cases stay on their versions; new cases take this one.",
                 version=digits(result.version)) if result.created
               else _("These files are already deployed as version %(version)s.", version=digits(result.version)))
    return jsonify({"version": result.version, "created": result.created, "processes": result.process_ids,
                    "message": message, "catalogue": url_for("designer.index")})


def upload():  # type: ignore[no-untyped-def]
    actor, runtime = current_actor(), current_runtime()
    uploads = request.files.getlist("files")[:MAX_UPLOAD_FILES + 1]
    try:
        files = designs.read_uploads((f.filename or "", f.stream.read(designs.MAX_FILE_BYTES + 1)) for f in uploads)
        name = request.form.get("name", "").strip() or posixpath.splitext(min(files))[0]
        draft = designs.save_draft(name, files, based_on=None, draft_id=None, actor=actor, uow=unit_of_work(),
                                   clock=runtime.clock)
    except designs.FilesRefused as exc:
        with unit_of_work(write=False) as uow:
            found = catalogue.catalogue(uow.session)
            drafts = designs.list_drafts(uow.session, actor)
        return render_template("designer/index.html", catalogue=found, drafts=drafts,
                               upload_problems=exc.problems), 422
    flash(_("The files were uploaded as draft “%(name)s”.", name=draft.name), "success")
    return redirect(url_for("designer.open_draft", draft_id=draft.id))


def delete_draft(draft_id: int):  # type: ignore[no-untyped-def]
    designs.delete_draft(draft_id, actor=current_actor(), uow=unit_of_work())
    flash(_("The draft was deleted."), "success")
    return redirect(url_for("designer.index"))


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/model", "new_model", new_model)
    bp.add_url_rule("/drafts/<int:draft_id>", "open_draft", open_draft)
    bp.add_url_rule("/drafts", "save_draft", save_draft, methods=["POST"])
    bp.add_url_rule("/drafts/<int:draft_id>/delete", "delete_draft", delete_draft, methods=["POST"])
    bp.add_url_rule("/validate", "validate", validate, methods=["POST"])
    bp.add_url_rule("/deploy", "deploy", deploy, methods=["POST"])
    bp.add_url_rule("/upload", "upload", upload, methods=["POST"])
