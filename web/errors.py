"""One place that turns named errors into HTTP answers (JSON or HTML by what the client accepts)."""
from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from .extensions import db
from .services.errors import DeploymentRefused, InvalidInput, ProcessFailed, ServiceError


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or best == "application/json"


def error_body(exc: ServiceError) -> dict:
    body: dict = {"error": type(exc).__name__, "message": str(exc)}
    if isinstance(exc, InvalidInput) and exc.errors:
        body["errors"] = exc.errors
    if isinstance(exc, ProcessFailed) and exc.element_id:
        body["element_id"] = exc.element_id
    if isinstance(exc, DeploymentRefused):
        body["problems"] = [
            {"file": p.file, "line": p.line, "element_id": p.element_id, "message": p.message} for p in exc.problems
        ]
    return body


def init_app(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):  # type: ignore[no-untyped-def]
        body = error_body(exc)
        if _wants_json():
            return jsonify(body), exc.status
        return f"<h1>{exc.status}</h1><p>{_escape(body['message'])}</p>", exc.status

    @app.errorhandler(500)
    def _internal_error(exc: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        if _wants_json():
            return jsonify({"error": "InternalError", "message": "internal error"}), 500
        return "<h1>500</h1>", 500

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        if _wants_json():
            return jsonify({"error": exc.name, "message": exc.description}), exc.code
        return exc


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
