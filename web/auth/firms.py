"""Firms' representatives: signing in with a one-time code, registering themselves, setting a password.

Nested in the auth blueprint (endpoints ``auth.firm_auth.*``). The session a code opens is the one a
password opens (``begin_session``).
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import unit_of_work
from ..runtime import current_runtime
from ..security import begin_session
from ..services.errors import InvalidInput
from ..services.firms import registration, signin
from ..services.firms.otp import TooManyCodes
from .redirects import safe_next

bp = Blueprint("firm_auth", __name__)
APPLICATION = "cf_firm_application"   # the registration details between the two steps (signed cookie)
FIELDS = ("full_name", "national_id", "mobile", "company_id")


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _address() -> str:
    return request.remote_addr or "-"


@bp.route("/login/code", methods=["GET", "POST"])
def sign_in_code():  # type: ignore[no-untyped-def]
    nxt = request.values.get("next", "")
    mobile = request.form.get("mobile", "").strip()
    if request.method == "GET":
        return render_template("auth/code.html", step="mobile", next=nxt, mobile="", errors={})
    clock = current_runtime().clock
    if request.form.get("step") == "code":
        try:
            signed_in = signin.sign_in_with_code(mobile, request.form.get("code", ""), _address(), secret=_secret(),
                                                 uow=unit_of_work(), clock=clock)
        except InvalidInput as exc:
            step = "code" if "code" in exc.errors else "mobile"
            return render_template("auth/code.html", step=step, next=nxt, mobile=mobile, errors=exc.errors), 422
        begin_session(signed_in)
        return redirect(safe_next(nxt))
    try:
        sent = signin.request_sign_in_code(mobile, _address(), secret=_secret(), uow=unit_of_work(), clock=clock)
    except InvalidInput as exc:
        return render_template("auth/code.html", step="mobile", next=nxt, mobile=mobile, errors=exc.errors), 422
    except TooManyCodes as exc:
        return render_template("auth/code.html", step="mobile", next=nxt, mobile=mobile,
                               errors={"mobile": [str(exc)]}), 429, {"Retry-After": str(exc.retry_after)}
    flash(_("If this number belongs to an account, a code was sent to it by SMS."), "info")
    return render_template("auth/code.html", step="code", next=nxt, mobile=sent.mobile, errors={})


@bp.route("/register", methods=["GET", "POST"])
def register():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        session.pop(APPLICATION, None)
        return render_template("auth/register.html", step="details", form={}, errors={})
    runtime = current_runtime()
    if request.form.get("step") == "code":
        form = session.get(APPLICATION)
        if not isinstance(form, dict):
            return redirect(url_for("auth.firm_auth.register"))
        try:
            done = registration.register(form, request.form.get("code", ""), secret=_secret(), uow=unit_of_work(),
                                         runtime=runtime, clock=runtime.clock)
        except InvalidInput as exc:
            step = "code" if "code" in exc.errors else "details"
            return render_template("auth/register.html", step=step, form=form, errors=exc.errors), 422
        session.pop(APPLICATION, None)
        return render_template("auth/register.html", step="done", form=form, firm_name=done.firm_name, errors={})
    form = {name: request.form.get(name, "").strip()[:200] for name in FIELDS}
    try:
        sent = registration.request_registration_code(form, _address(), secret=_secret(), uow=unit_of_work(),
                                                      clock=runtime.clock)
    except InvalidInput as exc:
        return render_template("auth/register.html", step="details", form=form, errors=exc.errors), 422
    except TooManyCodes as exc:
        return render_template("auth/register.html", step="details", form=form,
                               errors={"mobile": [str(exc)]}), 429, {"Retry-After": str(exc.retry_after)}
    session[APPLICATION] = {**form, "mobile": sent.mobile}
    return render_template("auth/register.html", step="code", form=session[APPLICATION], errors={})


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():  # type: ignore[no-untyped-def]
    username = current_user.actor.username
    if request.method == "GET":
        return render_template("auth/password.html", username=username, errors={})
    try:
        signed_in = signin.set_own_password(int(current_user.get_id()), request.form.get("password", ""),
                                            request.form.get("password2", ""), uow=unit_of_work())
    except InvalidInput as exc:
        return render_template("auth/password.html", username=username, errors=exc.errors), 422
    begin_session(signed_in)
    flash(_("Your password was saved."), "success")
    return redirect(url_for("inbox.index"))
