"""The inbox: my open tasks, claim / unclaim / hand over, tasks I completed."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import unit_of_work
from ..runtime import current_runtime
from ..auth import safe_next
from ..input_guard import small_int
from ..security import current_actor
from ..services import inbox, instances
from ..services.errors import InvalidInput

bp = Blueprint("inbox", __name__)


def _filters() -> inbox.InboxFilters:
    args = request.args

    def number(name: str, default: int) -> int:
        return small_int(args.get(name), default) or 0  # 0 (too large): refused by the range check

    return inbox.InboxFilters(
        tab=args.get("tab", "open"), process_id=args.get("process") or None, stage=args.get("stage") or None,
        cluster=args.get("cluster") or None, due=args.get("due") or None, q=args.get("q") or None,
        sort=args.get("sort", "due"), page=number("page", 1), per_page=number("per_page", 25))


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    return redirect(url_for("inbox.index") if current_user.is_authenticated else url_for("auth.login"))


@bp.get("/inbox")
@login_required
def index():  # type: ignore[no-untyped-def]
    actor = current_actor()
    filters = _filters()
    runtime = current_runtime()
    with unit_of_work(write=False) as uow:
        try:
            page = inbox.list_tasks(uow.session, actor, filters, runtime.clock)
        except InvalidInput:
            flash(_("Some filters were not understood and were reset."), "warning")
            filters = inbox.InboxFilters(tab=filters.tab if filters.tab in ("open", "completed") else "open")
            page = inbox.list_tasks(uow.session, actor, filters, runtime.clock)
        processes = inbox.process_choices(uow.session)
    return render_template("inbox/index.html", page=page, filters=filters, processes=processes)


def _task_action(task_id: str, action: str) -> None:
    runtime = current_runtime()
    actor = current_actor()
    if action == "claim":
        instances.claim_task(task_id, actor=actor, uow=unit_of_work(), clock=runtime.clock)
        flash(_("The task is now yours; colleagues no longer see it."), "success")
    elif action == "unclaim":
        instances.unclaim_task(task_id, actor=actor, uow=unit_of_work(), clock=runtime.clock)
        flash(_("The task is back with everyone who holds its role."), "success")
    else:
        instances.hand_over_task(task_id, request.form.get("to", "").strip(), actor=actor, uow=unit_of_work(),
                                 clock=runtime.clock)
        flash(_("The task was handed over."), "success")


@bp.post("/tasks/<task_id>/<any(claim, unclaim, handover):action>")
@login_required
def task_action(task_id: str, action: str):  # type: ignore[no-untyped-def]
    try:
        _task_action(task_id, action)
    except InvalidInput as exc:
        flash(next(iter(exc.errors.values()))[0] if exc.errors else str(exc), "danger")
    return redirect(safe_next(request.form.get("next")))
