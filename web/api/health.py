"""Liveness and database reachability, for load balancers and `make run` checks."""
from __future__ import annotations

from sqlalchemy import text

from ..extensions import db
from .parsing import ApiBlueprint
from .schemas import HealthSchema

bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="Service health")


@bp.route("/health", methods=["GET"])
@bp.doc(security=[])
@bp.response(200, HealthSchema)
def health():  # type: ignore[no-untyped-def]
    """Whether the service and its database answer"""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
