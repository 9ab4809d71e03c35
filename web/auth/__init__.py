"""Sign in, sign out, choose the language."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from .. import unit_of_work
from ..i18n import LANGUAGES
from ..runtime import current_runtime
from ..security import begin_session
from ..services.auth import BadCredentials, TooManyAttempts, authenticate, sign_out_everywhere
from ..services.firms.gate import firm_may_reach
from .firms import bp as firms_bp
from .redirects import is_local_path, safe_next

__all__ = ["bp", "is_local_path", "safe_next"]

bp = Blueprint("auth", __name__)
bp.register_blueprint(firms_bp)   # sign-in by code, self-registration, a password of one's own


@bp.before_app_request
def firms_gate():  # type: ignore[no-untyped-def]
    """A firm representative reaches only the pages made for them; every other page is 404 (the API checks
    its bearer tokens itself, web/api/auth.py)."""
    if request.path.startswith("/api/") or not current_user.is_authenticated:
        return None
    if current_user.actor.for_firms and not firm_may_reach(request.endpoint):
        abort(404)
    return None


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
