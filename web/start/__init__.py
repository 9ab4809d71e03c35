"""Starting a case from the browser (e.g. a province's yearly identification round)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import unit_of_work
from ..i18n import current_language, sorted_provinces
from ..reference import provinces
from ..runtime import current_runtime
from ..security import current_actor
from ..services import starting, submissions
from ..services.errors import DuplicateCase, InvalidInput
from ..tasks.form_input import read_form

bp = Blueprint("start", __name__)


def _province_choices() -> list:
    actor = current_actor()
    return sorted_provinces(p for p in provinces().values() if actor.national or p.id in actor.provinces)


def _options(option, choices: list, province: str | None) -> dict:  # type: ignore[no-untyped-def]
    """Who may be picked in the start form: people of the chosen province (or the only one)."""
    if province is None and len(choices) == 1:
        province = choices[0].id
    with unit_of_work(write=False) as uow:
        return submissions.field_options(uow.session, option.form, province, {}, current_language(),
                                         current_runtime().clock)


@bp.get("/start")
@login_required
def index():  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        options = starting.start_options(uow.session, current_actor())
    return render_template("start/index.html", options=options)


@bp.route("/start/<process_id>", methods=["GET", "POST"])
@login_required
def start(process_id: str):  # type: ignore[no-untyped-def]
    actor, runtime = current_actor(), current_runtime()
    with unit_of_work(write=False) as uow:
        option = starting.start_option(uow.session, actor, process_id)
    choices = _province_choices()
    if request.method == "GET":
        return render_template("start/form.html", option=option, data={}, errors={}, provinces=choices,
                               province=None, field_options=_options(option, choices, None))
    data = read_form(option.form, request.form)
    province = request.form.get("province") or None
    if province is not None and province not in {p.id for p in choices}:
        abort(403)
    try:
        outcome = starting.start_with_form(process_id, data, province, actor=actor, locale=current_language(),
                                           uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
    except (InvalidInput, DuplicateCase) as exc:
        return render_template("start/form.html", option=option, data=data, errors=exc.errors, provinces=choices,
                               province=province, field_options=_options(option, choices, province)), exc.status
    flash(_("The case was started."), "success")
    if outcome.next_task_for_actor:
        return redirect(url_for("tasks.show", task_id=outcome.next_task_for_actor))
    return redirect(url_for("inbox.index"))
