"""Administrators' one-off closures (air pollution, national mourning): the list, and the form to declare one."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import unit_of_work
from ..i18n import jalali
from ..runtime import current_runtime
from ..security import current_actor
from ..services import closures
from ..services.errors import Conflict, InvalidInput

bp = Blueprint("closures", __name__)


def _page(form: dict[str, str], errors: dict[str, list[str]], status: int = 200):  # type: ignore[no-untyped-def]
    listed = closures.list_closures(unit_of_work(write=False))
    return render_template("closures/index.html", closures=listed, form=form, errors=errors), status


@bp.get("/admin/closures")
@login_required
def index():  # type: ignore[no-untyped-def]
    if not current_actor().roles & closures.DECLARING_ROLES:
        abort(403)
    return _page({}, {})


@bp.post("/admin/closures")
@login_required
def declare():  # type: ignore[no-untyped-def]
    actor, runtime = current_actor(), current_runtime()
    if not actor.roles & closures.DECLARING_ROLES:
        abort(403)
    form = {"day": request.form.get("day", ""), "reason": request.form.get("reason", "")}
    try:
        closure = closures.declare_closure(form["day"], form["reason"], actor=actor, uow=unit_of_work(),
                                           runtime=runtime, clock=runtime.clock)
    except InvalidInput as exc:
        errors = {}
        if "day" in exc.errors:
            errors["day"] = [_("Write a Jalali date, e.g. 1405/09/03, within the years of the official calendar.")]
        if "reason" in exc.errors:
            errors["reason"] = [_("Say why the offices are closed.")]
        return _page(form, errors, 422)
    except Conflict:
        return _page(form, {"day": [_("That day is already closed.")]}, 409)
    flash(_("The offices are closed on %(day)s.", day=jalali(closure.day)), "success")
    return redirect(url_for("closures.index"))
