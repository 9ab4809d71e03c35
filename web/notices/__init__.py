"""Notices: the bell's page (read, mark read) and each person's notice preferences (the profile page)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from .. import unit_of_work
from ..runtime import current_runtime
from ..security import current_actor
from ..services.errors import InvalidInput
from ..services.notify import reading
from . import jobs  # noqa: F401 - registers the notification job kinds with the worker
from .texts import notice_text

bp = Blueprint("notices", __name__)


@bp.get("/notices")
@login_required
def index():  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        notices = reading.latest(uow.session, current_actor().username)
    items = [(n, *notice_text(n.kind, n.params or {})) for n in notices]
    return render_template("notices/index.html", items=items)


@bp.post("/notices/read")
@login_required
def mark_read():  # type: ignore[no-untyped-def]
    raw = request.form.get("notice", "")
    ids = [int(raw)] if raw.isdigit() else None
    reading.mark_read(current_actor().username, ids, uow=unit_of_work(), clock=current_runtime().clock)
    return redirect(url_for("notices.index"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():  # type: ignore[no-untyped-def]
    username = current_actor().username
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        wanted = reading.Preferences(
            email=request.form.get("email"), email_on=request.form.get("email_on") == "1",
            digest=request.form.get("digest") == "1", phone=request.form.get("phone"),
            sms_on=request.form.get("sms_on") == "1")
        try:
            reading.save_preferences(username, wanted, uow=unit_of_work())
            flash(_("Your notice settings were saved."), "success")
            return redirect(url_for("notices.profile"))
        except InvalidInput as exc:
            errors = exc.errors
            prefs = wanted
    else:
        with unit_of_work(write=False) as uow:
            prefs = reading.preferences(uow.session, username)
    return render_template("notices/profile.html", prefs=prefs, errors=errors), 422 if errors else 200
