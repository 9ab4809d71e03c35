"""Sign in, sign out, choose the language."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from .. import unit_of_work
from ..i18n import LANGUAGES
from ..runtime import current_runtime
from ..security import begin_session
from ..services.auth import BadCredentials, TooManyAttempts, authenticate, sign_out_everywhere

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, default: str | None = None) -> str:
    """``target`` if it is a path on this site, else ``default`` (the inbox): never another host."""
    if target and is_local_path(target):
        return target
    return default or url_for("inbox.index")


def is_local_path(target: str) -> bool:
    # no scheme or host, no "//" or "/\\" (browsers read both as another host), no control characters
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return False
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return render_template("auth/login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "")
    try:
        signed_in = authenticate(username, request.form.get("password", ""), request.remote_addr or "-",
                                 uow=unit_of_work(), clock=current_runtime().clock)
    except TooManyAttempts as exc:
        flash(_("Too many failed sign-in attempts from here. Wait %(seconds)s seconds and try again.",
                seconds=exc.retry_after), "danger")
        return render_template("auth/login.html", next=request.form.get("next", ""), username=username), 429, \
            {"Retry-After": str(exc.retry_after)}
    except BadCredentials:
        flash(_("Wrong user name or password."), "danger")
        return render_template("auth/login.html", next=request.form.get("next", ""), username=username), 401
    begin_session(signed_in)  # a fresh session on sign-in: no fixation
    return redirect(safe_next(request.form.get("next")))


@bp.post("/logout")
@login_required
def logout():  # type: ignore[no-untyped-def]
    """Sign out: every browser session of this user ends, here and on other devices."""
    sign_out_everywhere(int(current_user.get_id()), uow=unit_of_work())
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language():  # type: ignore[no-untyped-def]
    choice = request.form.get("lang")
    if choice in LANGUAGES:
        session["lang"] = choice
    return redirect(safe_next(request.form.get("next")))
