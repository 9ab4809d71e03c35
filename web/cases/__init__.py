"""Supervisors: the case list (with CSV/XLSX export), one case's page, and actions on cases."""
from __future__ import annotations

import json

from flask import (Blueprint, Response, current_app, flash, redirect, render_template, request, send_file,
                   stream_with_context, url_for)
from flask_babel import gettext as _
from flask_login import login_required

from .. import unit_of_work
from ..i18n import current_language
from ..runtime import current_runtime
from ..input_guard import small_int
from ..security import current_actor
from ..services import admin, case_view, cases, exports
from ..services.errors import InvalidInput
from ..services.firms import joint_actions as firm_figures
from . import export_jobs  # noqa: F401 - registers the background export with the worker
from .export import MIMETYPES, export_csv, export_settings, export_xlsx

bp = Blueprint("cases", __name__)


def _filters() -> cases.CaseFilters:
    args = request.args

    def number(name: str, default: int | None) -> int | None:
        return small_int(args.get(name), default)  # 0 (too large): refused by the range check

    return cases.CaseFilters(
        province=args.get("province") or None, stage=args.get("stage") or None, status=args.get("status") or None,
        cluster=args.get("cluster") or None, process_id=args.get("process") or None, version=number("version", None),
        overdue=args.get("overdue") == "1", failed=args.get("failed") == "1",
        started_from=args.get("from") or None, started_to=args.get("to") or None,
        sort=args.get("sort", "-started"), page=number("page", 1), per_page=number("per_page", 25))


@bp.get("/cases")
@login_required
def index():  # type: ignore[no-untyped-def]
    filters, errors = _filters(), {}
    with unit_of_work(write=False) as uow:
        try:
            page = cases.list_cases(uow.session, current_actor(), filters, current_runtime().clock)
        except InvalidInput as exc:
            errors = exc.errors
            page = cases.list_cases(uow.session, current_actor(), cases.CaseFilters(), current_runtime().clock)
    status = 422 if errors else 200
    return render_template("cases/index.html", page=page, filters=filters, errors=errors), status


@bp.get("/cases/export.<any(csv, xlsx):kind>")
@login_required
def export(kind: str):  # type: ignore[no-untyped-def]
    """Every case in scope, streamed: rows are read and written a batch at a time while the answer is sent.
    A large export while a worker runs is written in the background instead: its progress page answers."""
    actor, filters, clock = current_actor(), _filters(), current_runtime().clock
    cases.check_filters(actor, filters, clock)   # bad filters answer before the stream begins
    job_id = exports.queue_if_large(actor, filters, kind, current_language(), uow=unit_of_work(), clock=clock,
                                    settings=export_settings(current_app.config))
    if job_id is not None:
        return redirect(url_for("cases.export_status", job_id=job_id), 303)
    writer = export_csv if kind == "csv" else export_xlsx

    def body():  # type: ignore[no-untyped-def]
        with unit_of_work(write=False) as uow:
            yield from writer(cases.iter_cases(uow.session, actor, filters, clock))

    if kind == "csv":
        return Response(stream_with_context(body()), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=cases.csv"})
    return Response(stream_with_context(body()), mimetype=MIMETYPES["xlsx"],
                    headers={"Content-Disposition": "attachment; filename=cases.xlsx"})


@bp.get("/exports/<int:job_id>")
@login_required
def export_status(job_id: int):  # type: ignore[no-untyped-def]
    """A background export's progress (the page reloads itself until the file is ready), then its link."""
    with unit_of_work(write=False) as uow:
        status = exports.export_status(uow.session, current_actor(), job_id, current_runtime().clock.now())
    return render_template("cases/export_status.html", export=status)


@bp.get("/exports/<int:job_id>/download")
@login_required
def export_download(job_id: int):  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        path, kind = exports.export_file(uow.session, current_actor(), job_id, current_runtime().clock.now(),
                                         export_settings(current_app.config))
    return send_file(path, mimetype=MIMETYPES[kind], as_attachment=True, download_name=f"cases.{kind}")


@bp.get("/cases/<int:instance_id>")
@login_required
def show(instance_id: int):  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        view = case_view.load_case(uow.session, current_runtime(), current_actor(), instance_id,
                                   current_language())
        firms = firm_figures.summary(uow.session, current_actor(), view.instance)
    actor = current_actor()
    return render_template("cases/show.html", view=view, firms=firms, can_act=bool(actor.roles & admin.ADMIN_ROLES))


@bp.get("/cases/<int:instance_id>/data.json")
@login_required
def data_json(instance_id: int):  # type: ignore[no-untyped-def]
    """The case's current data as JSON, a download for supervisors (pages show it through its forms)."""
    with unit_of_work(write=False) as uow:
        data = case_view.case_data(uow.session, current_runtime(), current_actor(), instance_id)
    body = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=case-{instance_id}.json"})


@bp.post("/cases/<int:instance_id>/<any(suspend, resume, terminate):action>")
@login_required
def change_status(instance_id: int, action: str):  # type: ignore[no-untyped-def]
    try:
        admin.change_status(instance_id, action, request.form.get("reason"), actor=current_actor(),
                            uow=unit_of_work(), clock=current_runtime().clock)
        flash(_("Done; the reason is in the case's history."), "success")
    except InvalidInput:
        flash(_("Please give a reason."), "danger")
    return redirect(url_for("cases.show", instance_id=instance_id))


@bp.post("/cases/<int:instance_id>/tasks/<task_id>/reassign")
@login_required
def reassign(instance_id: int, task_id: str):  # type: ignore[no-untyped-def]
    try:
        admin.reassign(task_id, request.form.get("to", "").strip(), request.form.get("reason"),
                       actor=current_actor(), uow=unit_of_work(), clock=current_runtime().clock)
        flash(_("The task was handed over."), "success")
    except InvalidInput as exc:
        flash(_("Please give a reason and a colleague who holds the task's role.")
              if exc.errors else str(exc), "danger")
    return redirect(url_for("cases.show", instance_id=instance_id))


@bp.post("/cases/<int:instance_id>/retry")
@login_required
def retry(instance_id: int):  # type: ignore[no-untyped-def]
    raw = request.form.get("corrections", "").strip()
    try:
        corrections = json.loads(raw) if raw else None
        if corrections is not None and not isinstance(corrections, dict):
            raise ValueError
    except ValueError:
        flash(_("Corrections must be a JSON object, e.g. {\"days\": 3}."), "danger")
        return redirect(url_for("cases.show", instance_id=instance_id))
    runtime = current_runtime()
    try:
        admin.retry(instance_id, corrections, request.form.get("reason"), actor=current_actor(),
                    uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
        flash(_("The step ran again successfully."), "success")
    except InvalidInput:
        flash(_("Please give a reason."), "danger")
    return redirect(url_for("cases.show", instance_id=instance_id))
