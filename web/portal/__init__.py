"""The firms' portal: the public page of a province's clusters, a firm representative's home and survey
answers, and the CDA's page of a cluster case's firms (survey responses, registrations, announcements)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import unit_of_work
from ..i18n import current_language, digits
from ..runtime import current_runtime
from ..security import current_actor
from ..services.errors import InvalidInput
from ..services.firms import joint_actions, portal, survey

bp = Blueprint("portal", __name__)


@bp.get("/clusters/<province>")
def clusters(province: str):  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        page = portal.public_clusters(uow.session, province)
    return render_template("portal/clusters.html", page=page)


@bp.get("/firm")
@login_required
def home():  # type: ignore[no-untyped-def]
    actor = current_actor()
    if not actor.for_firms:
        abort(404)
    with unit_of_work(write=False) as uow:
        homes = portal.firm_homes(uow.session, actor, current_runtime().clock)
    return render_template("portal/home.html", homes=homes)


@bp.get("/firm/surveys/<int:survey_case_id>")
@login_required
def survey_answers(survey_case_id: int):  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        answers = survey.survey_answers(uow.session, current_actor(), survey_case_id, current_language())
    return render_template("portal/survey.html", answers=answers)


def _case_page(case_id: int, form: dict[str, str] | None = None, errors: dict | None = None,
               status: int = 200) -> tuple[str, int]:
    with unit_of_work(write=False) as uow:
        view = joint_actions.case_participation(uow.session, current_actor(), case_id, current_language())
    return render_template("portal/case_firms.html", view=view, form=form or {}, errors=errors or {}), status


@bp.get("/cases/<int:case_id>/firms")
@login_required
def case_firms(case_id: int):  # type: ignore[no-untyped-def]
    return _case_page(case_id)


@bp.post("/cases/<int:case_id>/firms/announcements")
@login_required
def announce(case_id: int):  # type: ignore[no-untyped-def]
    runtime = current_runtime()
    form = {"title": request.form.get("title", ""), "body": request.form.get("body", "")}
    try:
        joint_actions.post_announcement(case_id, form["title"], form["body"], actor=current_actor(),
                                        uow=unit_of_work(), clock=runtime.clock)
    except InvalidInput as exc:
        errors = {}
        if "title" in exc.errors:
            errors["title"] = [_("Give the announcement a title (at most 200 characters).")]
        if "body" in exc.errors:
            errors["body"] = [_("Write the announcement's text (at most 4,000 characters).")]
        return _case_page(case_id, form, errors, 422)
    flash(_("The announcement is posted to the cluster's firms."), "success")
    return redirect(url_for("portal.case_firms", case_id=case_id))


@bp.post("/cases/<int:case_id>/firms/joint-actions/<int:action_id>/done")
@login_required
def action_done(case_id: int, action_id: int):  # type: ignore[no-untyped-def]
    runtime = current_runtime()
    upload = request.files.get("document")
    document = (upload.stream, upload.filename) if upload is not None and upload.filename else None
    try:
        asked = joint_actions.mark_done(case_id, action_id, request.form.get("report"), actor=current_actor(),
                                        uow=unit_of_work(), runtime=runtime, clock=runtime.clock, document=document,
                                        data_dir=_data_dir())
    except InvalidInput as exc:
        if "report" in exc.errors:
            return _case_page(case_id, {}, {"report": [_("The report is too long (at most 4,000 characters).")]}, 422)
        return _case_page(case_id, {}, {"document": [_("This file cannot be kept: %(reason)s",
                                                       reason="; ".join(m for ms in exc.errors.values() for m in ms))]},
                          422)
    flash(_("The joint action is done; %(count)s firms are asked for their feedback.", count=digits(asked)), "success")
    return redirect(url_for("portal.case_firms", case_id=case_id))


@bp.get("/firm/joint-actions/<int:action_id>/document")
@login_required
def action_document(action_id: int):  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        attachment, path = joint_actions.delivery_document(uow.session, _data_dir(), current_actor(), action_id)
    return send_file(path, mimetype=attachment.content_type, as_attachment=True, download_name=attachment.filename,
                     max_age=0)


def _data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])
