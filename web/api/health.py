"""Liveness and readiness, for load balancers, orchestrators and `make run` checks.

``/health`` answers when the service and its database answer (kept as it was);
``/health/live`` only says the process serves requests (restart it when this fails);
``/health/ready`` runs every readiness check (database, and what other parts add, such as
the worker's heartbeat; see ``web.services.health``) and answers 503 when one fails.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import text

from ..extensions import db
from ..services.health import check_readiness, readiness_checks
from .parsing import ApiBlueprint
from .schemas import HealthSchema, ReadinessSchema

bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="Service health")


@bp.route("/health", methods=["GET"])
@bp.doc(security=[])
@bp.response(200, HealthSchema)
def health():  # type: ignore[no-untyped-def]
    """Whether the service and its database answer"""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/health/live", methods=["GET"])
@bp.doc(security=[])
@bp.response(200, HealthSchema)
def live():  # type: ignore[no-untyped-def]
    """Whether the process serves requests (no dependency is checked)"""
    return {"status": "ok"}


@bp.route("/health/ready", methods=["GET"])
@bp.doc(security=[])
@bp.response(200, ReadinessSchema)
@bp.alt_response(503, schema=ReadinessSchema, description="A check failed; `checks` says which")
def ready():  # type: ignore[no-untyped-def]
    """Whether the service can work now: every readiness check (database, worker, ...) passes"""
    result = check_readiness(readiness_checks(current_app))
    body = {"status": "ready" if result.ready else "unavailable", "checks": result.checks}
    return body, (200 if result.ready else 503)
