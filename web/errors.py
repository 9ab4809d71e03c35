"""One place that turns named errors into HTTP answers, in the user's language.

JSON for the API and for clients that prefer it, an HTML page otherwise. The
``message`` is translated; ``detail`` keeps the service's precise English text
for logs and developers.
"""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from .extensions import db
from .services import errors as e
from .services.auth import BadCredentials, TooManyAttempts

MESSAGES = {
    e.TaskNotFound: _l("This task does not exist or is not visible to you."),
    e.InstanceNotFound: _l("This case does not exist or is not visible to you."),
    e.ProcessNotFound: _l("No such process is deployed."),
    e.UserNotFound: _l("No such user."),
    e.ExportNotFound: _l("This export does not exist, has expired, or was asked for by someone else."),
    e.NotYourTask: _l("This task belongs to another role or is held by a colleague."),
    e.Forbidden: _l("You may not do this."),
    e.TaskAlreadyCompleted: _l("This task was already completed or withdrawn; nothing was changed."),
    e.DuplicateCase: _l("Such a case already exists for this province and year; nothing was started."),
    e.ConcurrentUpdate: _l("Someone else changed this case at the same moment; nothing was changed. Reload and try again."),
    e.Conflict: _l("This conflicts with the current state; nothing was changed."),
    e.InvalidInput: _l("Some of the input is not valid; nothing was changed."),
    e.ProcessFailed: _l("The process could not continue with this input; nothing was changed."),
    e.DeploymentRefused: _l("The files have problems and were not deployed."),
    e.NotFound: _l("Not found."),
    BadCredentials: _l("Wrong user name or password."),
    TooManyAttempts: _l("Too many failed sign-in attempts from here. Wait a little and try again."),
}
HTTP_MESSAGES = {
    400: _l("The request was not understood."),
    401: _l("Please sign in."),
    403: _l("You may not do this."),
    404: _l("Not found."),
    405: _l("This action is not allowed here."),
    413: _l("The upload is too large."),
    429: _l("Too many requests. Try again later."),
    500: _l("Something went wrong on our side; nothing was changed."),
}


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or best == "application/json"


def translated(exc: e.ServiceError) -> str:
    for cls in type(exc).__mro__:
        if cls in MESSAGES:
            return str(MESSAGES[cls])
    return str(exc)


def error_body(exc: e.ServiceError) -> dict:
    body: dict = {"error": type(exc).__name__, "message": translated(exc), "detail": str(exc)}
    if isinstance(exc, (e.InvalidInput, e.DuplicateCase)) and exc.errors:
        body["errors"] = exc.errors
    if isinstance(exc, e.ProcessFailed) and exc.element_id:
        body["element_id"] = exc.element_id
    if isinstance(exc, e.DeploymentRefused):
        body["problems"] = [
            {"file": p.file, "line": p.line, "element_id": p.element_id, "message": p.message} for p in exc.problems
        ]
    return body


def _page(status: int, message: str, detail: str | None = None):  # type: ignore[no-untyped-def]
    return render_template("error.html", status=status, message=message, detail=detail), status


def init_app(app: Flask) -> None:
    @app.errorhandler(e.ServiceError)
    def _service_error(exc: e.ServiceError):  # type: ignore[no-untyped-def]
        body = error_body(exc)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TooManyAttempts) else {}
        if wants_json():
            return jsonify(body), exc.status, headers
        page, status = _page(exc.status, body["message"], body.get("detail"))
        return page, status, headers

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        message = str(HTTP_MESSAGES.get(exc.code or 500, exc.description or exc.name))
        if wants_json():
            return jsonify({"error": exc.name, "message": message, "detail": exc.description}), exc.code
        return _page(exc.code or 500, message)

    @app.errorhandler(Exception)
    def _internal_error(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error")
        db.session.rollback()
        if wants_json():
            return jsonify({"error": "InternalError", "message": str(HTTP_MESSAGES[500])}), 500
        try:
            return _page(500, str(HTTP_MESSAGES[500]))
        except Exception:  # noqa: BLE001 - the error page itself failed: still no traceback for the user
            app.logger.exception("the error page failed")
            return str(HTTP_MESSAGES[500]), 500, {"Content-Type": "text/plain; charset=utf-8"}
