"""Who is signed in to the browser pages: sessions (Flask-Login) and CSRF; security headers on every
answer; trusting a reverse proxy's X-Forwarded-* headers. The API checks its bearer tokens itself
(web/api/auth.py).

A browser session ends when the user signs out (anywhere), changes the password, is deactivated or is
signed out everywhere by an administrator (the user's session generation moves on), after
``SESSION_IDLE_MINUTES`` without a request, and ``SESSION_MAX_HOURS`` after signing in.
"""
from __future__ import annotations

from flask import Flask, abort, current_app, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import db
from .runtime import current_runtime
from .services.actors import Actor
from .services.auth import SignedIn, load_session_user

GENERATION, STARTED, SEEN = "cf_generation", "cf_started", "cf_seen"
SEEN_RESOLUTION = 60  # seconds: the last-seen time is rewritten (and the cookie re-sent) at most this often
# no inline script anywhere (data for scripts travels in <script type="application/json"> blocks, which
# never run); inline style attributes stay allowed: the templates and bpmn-js set a few
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:", "font-src 'self' data:", "connect-src 'self'", "object-src 'none'",
    "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

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
    now = current_runtime().clock.now().timestamp()
    started, seen = session.get(STARTED), session.get(SEEN)
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    longest = current_app.config["SESSION_MAX_HOURS"] * 3600
    if not (user_id.isascii() and user_id.isdigit()) or not isinstance(started, (int, float)) \
            or not isinstance(seen, (int, float)) or now - seen > idle or now - started > longest:
        _forget_user()
        return None
    loaded = load_session_user(db.session, int(user_id), session.get(GENERATION))
    if loaded is None:
        _forget_user()
        return None
    if now - seen >= SEEN_RESOLUTION:
        session[SEEN] = now
    return SessionUser(int(user_id), *loaded)


def _forget_user() -> None:
    for key in ("_user_id", "_fresh", "_id", GENERATION, STARTED, SEEN):
        session.pop(key, None)


def begin_session(signed_in: SignedIn) -> None:
    """A fresh browser session for a user who just signed in (no fixation: the old one is dropped; the
    language chosen before signing in is kept)."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    now = current_runtime().clock.now().timestamp()
    session.update({GENERATION: signed_in.session_generation, STARTED: now, SEEN: now})
    login_user(SessionUser(signed_in.user_id, signed_in.actor, signed_in.display_name))


def _security_headers(response):  # type: ignore[no-untyped-def]
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


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
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:  # trust X-Forwarded-For/-Proto/-Host/-Port/-Prefix from this many reverse proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,  # type: ignore[method-assign]
                                x_port=proxies, x_prefix=proxies)
    app.after_request(_security_headers)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    csrf.init_app(app)
