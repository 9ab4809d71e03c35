"""Liveness, and readiness (database and worker heartbeat), for load balancers and `make run` checks."""
from __future__ import annotations

import marshmallow as ma
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..runtime import current_runtime
from ..services.work.heartbeat import worker_status
from .parsing import ApiBlueprint
from .schemas import HealthSchema

bp = ApiBlueprint("api", __name__, url_prefix="/api/v1", description="Service health")


class ReadySchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"description": "ok, or unavailable"})
    database = ma.fields.Boolean(required=True)
    workers = ma.fields.Integer(required=True, metadata={"description": "workers seen alive in the last 30 s"})
    worker_last_seen = ma.fields.DateTime(allow_none=True)


@bp.route("/health", methods=["GET"])
@bp.doc(security=[])
@bp.response(200, HealthSchema)
def health():  # type: ignore[no-untyped-def]
    """Whether the service and its database answer"""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/ready", methods=["GET"])
@bp.doc(security=[])
@bp.response(200, ReadySchema)
@bp.alt_response(503, schema=ReadySchema, description="The database does not answer or no worker is alive")
def ready():  # type: ignore[no-untyped-def]
    """Whether the service can do its work: the database answers and a worker (timers, jobs) is alive"""
    try:
        status = worker_status(db.session, current_runtime().clock.now())
    except SQLAlchemyError:
        db.session.rollback()
        return ReadySchema().dump({"status": "unavailable", "database": False, "workers": 0}), 503
    answer = {"status": "ok" if status.alive else "unavailable", "database": True, "workers": status.alive,
              "worker_last_seen": status.last_seen}
    return (answer, 200) if status.alive else (ReadySchema().dump(answer), 503)
