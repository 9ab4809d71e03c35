"""Who is signed in to the browser pages: sessions (Flask-Login) and CSRF. The API checks its bearer tokens itself (web/api/auth.py)."""
from __future__ import annotations


from flask import Flask, abort, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect

from .extensions import db
from .services.actors import Actor
from .services.auth import load_actor

login_manager = LoginManager()
csrf = CSRFProtect()


class SessionUser(UserMixin):
    """The signed-in user for one request (plain values, no ORM object kept across requests)."""

    def __init__(self, user_id: int, actor: Actor, display_name: str | None) -> None:
        self.id = user_id
        self.actor = actor
        self.display_name = display_name or actor.username

    def get_id(self) -> str:
        return str(self.id)


class SessionInterface(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the request came over HTTPS (or the config says always)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or (request.is_secure if request else False)


@login_manager.user_loader
def _load_user(user_id: str) -> SessionUser | None:
    if not user_id.isdigit():
        return None
    loaded = load_actor(db.session, int(user_id))
    return SessionUser(int(user_id), *loaded) if loaded else None


def current_actor() -> Actor:
    """The signed-in actor; 401 when nobody is."""
    if not current_user.is_authenticated:
        abort(401)
    return current_user.actor


def init_app(app: Flask) -> None:
    # Flask's defaults are None for these, so set them unless a deployment chose otherwise
    for key, value in (("SESSION_COOKIE_HTTPONLY", True), ("SESSION_COOKIE_SAMESITE", "Lax"),
                       ("REMEMBER_COOKIE_HTTPONLY", True), ("REMEMBER_COOKIE_SAMESITE", "Lax")):
        if app.config.get(key) is None:
            app.config[key] = value
    app.config["WTF_CSRF_TIME_LIMIT"] = app.config.get("WTF_CSRF_TIME_LIMIT")  # None: valid for the session
    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    csrf.init_app(app)
