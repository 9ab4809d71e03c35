"""Readiness: whether this server can do its work now (its database answers, its helpers run).

Checks are named callables that return ``None`` when all is well and a short problem text
otherwise (raising counts as a problem too). The app keeps them in ``app.extensions``; the
database check is always there, and other parts add theirs at start-up, e.g. the worker's
heartbeat::

    from web.services.health import add_readiness_check
    add_readiness_check(app, "worker", lambda: None if heartbeat_is_recent() else "no worker heartbeat")
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sqlalchemy import text
from sqlalchemy.engine import Engine

Check = Callable[[], "str | None"]
EXTENSION = "clusterflow_readiness_checks"
OK = "ok"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Readiness:
    ready: bool
    checks: dict[str, str]  # name -> "ok" or the problem


def readiness_checks(app: Any) -> dict[str, Check]:
    """The app's checks by name (a dict the caller may add to)."""
    return app.extensions.setdefault(EXTENSION, {})


def add_readiness_check(app: Any, name: str, check: Check) -> None:
    """Make readiness depend on ``check`` too (a later check of the same name replaces it)."""
    readiness_checks(app)[name] = check


def database_check(engine: Engine) -> Check:
    def check() -> str | None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return None

    return check


def check_readiness(checks: Mapping[str, Check]) -> Readiness:
    """Run every check; the service is ready when all of them pass."""
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            problem = check()
        except Exception:  # noqa: BLE001 - a failing check is an answer, not an error
            # the answer is public: the details (hosts, drivers) go to the log only
            log.exception("readiness check %r failed", name)
            problem = "failed (see the server log)"
        results[name] = problem or OK
    return Readiness(ready=all(result == OK for result in results.values()), checks=results)
