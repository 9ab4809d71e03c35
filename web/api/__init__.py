"""The REST API under /api/v1."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from ..extensions import db

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/health")
def health():  # type: ignore[no-untyped-def]
    """Liveness and database reachability, for load balancers and `make run` checks."""
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
