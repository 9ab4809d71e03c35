"""API sign-in: a bearer token for a user name and password, and reading it on every request.

The API never accepts the browser's session cookie: it is exempt from CSRF protection, so a
cookie must not be enough to act (a bearer token cannot be sent by another site's page).
"""
from __future__ import annotations

from flask import current_app, g, request
from werkzeug.exceptions import NotFound, Unauthorized

from .. import unit_of_work
from ..extensions import db
from ..runtime import current_runtime
from ..services.actors import Actor
from ..services.firms.gate import firm_may_reach
from ..services.auth import (
    TOKEN_MAX_AGE,
    authenticate,
    issue_token,
    load_actor,
    read_token,
)
from ..services.uow import lone_read
from .parsing import ApiBlueprint
from .schemas import TokenRequestSchema, TokenSchema

bp = ApiBlueprint("api_auth", __name__, url_prefix="/api/v1", description="Signing in")


@bp.route("/auth/token", methods=["POST"])
@bp.doc(security=[])
@bp.arguments(TokenRequestSchema)
@bp.response(200, TokenSchema)
@bp.answers(400, 401, 422, 429)
def token(credentials: dict):  # type: ignore[no-untyped-def]
    """A bearer token for a user name and password

    After a few wrong passwords for a user name from one address (or many from one address), further
    attempts from that address wait a little longer each time: 429 with a `Retry-After` header (seconds)
    until then. Attempts from other addresses are not held up.
    """
    signed_in = authenticate(credentials["username"], credentials["password"], request.remote_addr or "-",
                             uow=unit_of_work(), clock=current_runtime().clock)
    return {"token": issue_token(current_app.config["SECRET_KEY"], signed_in.user_id, signed_in.stamp),
            "token_type": "Bearer",
            "expires_in": TOKEN_MAX_AGE}


def require_token() -> None:
    """``before_request`` of the API's blueprints: a valid token of an active user, else 401."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    token = read_token(current_app.config["SECRET_KEY"], value.strip()) \
        if scheme.lower() == "bearer" and value.strip() else None
    loaded = None
    if token is not None:
        with lone_read(db.engine) as connection:   # one query on every request: no ORM session, no snapshot
            loaded = load_actor(connection, *token)
    if loaded is None:
        raise Unauthorized("a valid bearer token of an active user is needed")
    if loaded[0].for_firms and not firm_may_reach(request.endpoint):
        raise NotFound()   # a firm representative's token reaches only its firms' tasks and cases
    g.api_actor = loaded[0]


def api_actor() -> Actor:
    """The actor whose token came with this request (set by :func:`require_token`)."""
    return g.api_actor


def add_bearer_challenge(response):  # type: ignore[no-untyped-def]
    """``after_request``: tell API clients answered 401 how to authenticate (RFC 6750)."""
    if response.status_code == 401 and request.path.startswith("/api/"):
        response.headers.setdefault("WWW-Authenticate", 'Bearer realm="clusterflow"')
    return response
