"""The task page: the case's context, the form, drafts, attachments, comments, submit."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import unit_of_work
from ..i18n import current_language
from ..runtime import current_runtime
from ..security import current_actor
from ..services import attachments, submissions, task_page
from ..services.errors import InvalidInput
from ..services.firms import joint_actions as firm_figures
from .form_input import read_form, uploaded_files

bp = Blueprint("tasks", __name__)


def _data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])


def _render(task_id: str, errors: dict | None = None, posted: dict | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    runtime = current_runtime()
    with unit_of_work(write=False) as uow:
        page = task_page.load_task_page(uow.session, runtime, current_actor(), task_id, current_language())
        options = submissions.field_options(uow.session, page.form if page.may_complete else None,
                                            page.task.province, page.data, current_language(), runtime.clock)
        firms = firm_figures.summary(uow.session, current_actor(), page.instance, page.task.element_id)
    if posted is not None:
        page.data = {**page.data, **posted}
    return render_template("tasks/show.html", page=page, errors=errors or {}, field_options=options,
                           firms=firms), status


@bp.get("/tasks/<task_id>")
@login_required
def show(task_id: str):  # type: ignore[no-untyped-def]
    return _render(task_id)


@bp.post("/tasks/<task_id>")
@login_required
def submit(task_id: str):  # type: ignore[no-untyped-def]
    runtime, actor = current_runtime(), current_actor()
    with unit_of_work(write=False) as uow:
        task, form = task_page.task_form(uow.session, actor, task_id)
    data = read_form(form, request.form)
    if request.form.get("action") == "draft":
        task_page.save_draft(task_id, data, actor=actor, uow=unit_of_work(), clock=runtime.clock)
        flash(_("Draft saved. Only you can see it."), "success")
        return redirect(url_for("tasks.show", task_id=task_id))
    for name, files in uploaded_files(form, request.files).items():
        try:
            ids = _store_files(files, task.instance_id, task_id, name)
        except InvalidInput as exc:
            return _render(task_id, errors={name: exc.errors.get("file", [str(exc)])}, posted=data, status=422)
        multiple = form.field(name).options.get("multiple")
        data[name] = (list(data.get(name) or []) + ids) if multiple else ids[-1]
    try:
        outcome = task_page.complete_with_form(task_id, data, actor=actor, locale=current_language(),
                                               uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    except InvalidInput as exc:
        return _render(task_id, errors=exc.errors or {"_schema": [str(exc)]}, posted=data, status=422)
    flash(_("Done. The task was completed."), "success")
    if outcome.next_task_for_actor:
        return redirect(url_for("tasks.show", task_id=outcome.next_task_for_actor))
    return redirect(url_for("inbox.index"))


def _store_files(files: list, instance_id: int, task_id: str, field: str) -> list[str]:
    """Store a field's uploads (kept even if the form then has errors, so the user need not upload again)."""
    runtime = current_runtime()
    stored = attachments.store_uploads([(f.stream, f.filename or "") for f in files], _data_dir(),
                                       instance_id=instance_id, task_id=task_id, field=field,
                                       actor=current_actor(), uow=unit_of_work(), clock=runtime.clock)
    return [item.id for item in stored]


@bp.post("/tasks/<task_id>/comments")
@login_required
def comment(task_id: str):  # type: ignore[no-untyped-def]
    try:
        task_page.add_comment(task_id, request.form.get("comment", ""), actor=current_actor(), uow=unit_of_work(),
                              clock=current_runtime().clock)
    except InvalidInput:
        flash(_("A comment needs some text (at most 4000 characters)."), "warning")
    return redirect(url_for("tasks.show", task_id=task_id) + "#comments")


@bp.get("/attachments/<attachment_id>")
@login_required
def download(attachment_id: str):  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        attachment, path = attachments.open_attachment(uow.session, _data_dir(), attachment_id, current_actor())
    return send_file(path, mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.filename, max_age=0)
