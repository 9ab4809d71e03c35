"""Sign in, sign out, choose the language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from .. import unit_of_work
from ..i18n import LANGUAGES
from ..runtime import current_runtime
from ..security import SessionUser
from ..services.auth import BadCredentials, TooManyAttempts, authenticate

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # only same-site paths: never redirect a user to another host after sign-in
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("inbox.index")


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "")
    try:
        signed_in = authenticate(username, request.form.get("password", ""), request.remote_addr or "-",
                                 uow=unit_of_work(), clock=current_runtime().clock)
    except TooManyAttempts:
        flash(_("Too many failed sign-in attempts. Try again in 15 minutes."), "danger")
        return render_template("auth/login.html", next=request.form.get("next", ""), username=username), 429
    except BadCredentials:
        flash(_("Wrong user name or password."), "danger")
        return render_template("auth/login.html", next=request.form.get("next", ""), username=username), 401
    language = session.get("lang")
    session.clear()  # a fresh session on sign-in: no fixation (the language chosen before is kept)
    if language:
        session["lang"] = language
    login_user(SessionUser(signed_in.user_id, signed_in.actor, signed_in.display_name))
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():  # type: ignore[no-untyped-def]
    choice = request.form.get("lang")
    if choice in LANGUAGES:
        session["lang"] = choice
    return redirect(_safe_next(request.form.get("next")))
