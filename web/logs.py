"""Logs an operator can follow: one request id per request, JSON lines on demand.

Each request takes the caller's ``X-Request-ID`` (a proxy's, say) when it is a sane token,
or gets a new one; the response echoes it, and every log line written while the request
runs carries it as ``request_id``, whichever logger wrote the line. One access line per
request (method, path, status, duration) ends it.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone
from typing import IO, Any

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
HANDLER_NAME = "clusterflow"
# attributes every LogRecord has; anything else was passed with extra= and goes into the JSON line
_RECORD_FIELDS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id"}

access_log = logging.getLogger("clusterflow.access")


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        line.update({key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class _Stderr:
    """Whatever sys.stderr is when a line is written (a CLI runner may swap it), not when logging was set up."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(fmt: str = "text", level: str = "INFO", stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) as text or JSON lines; replaces an earlier call's handler."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or _Stderr())
    handler.set_name(HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(logging.getLevelNamesMapping().get(level.upper(), logging.INFO))
    # the engine's step-by-step trace (every task state change) is not for operators, as in `clusterflow worker`;
    # LOG_LEVEL=DEBUG shows it
    logging.getLogger("spiff").setLevel(logging.NOTSET if level.upper() == "DEBUG" else logging.WARNING)
    return handler


def init_app(app: Flask) -> None:
    """Give each request an id, echo it, and write one access line per request."""

    @app.before_request
    def _assign_request_id() -> None:
        offered = request.headers.get(HEADER, "")
        g.request_id = offered if VALID_ID.match(offered) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        request_id = current_request_id()
        if request_id:
            response.headers[HEADER] = request_id
            started = g.get("request_started", time.perf_counter())
            access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "remote_addr": request.remote_addr,
            })
        return response
