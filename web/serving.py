"""Serving the app: waitress for `make run` and Windows, gunicorn for production on Linux.

``clusterflow serve --production`` builds the app once (so a misconfiguration fails at once,
in one line), then forks gunicorn workers from it: ``CLUSTERFLOW_WORKERS`` processes of
``CLUSTERFLOW_THREADS`` threads each. Plain gunicorn works too, with the same settings::

    gunicorn -c python:web.gunicorn_conf 'web:create_app()'
"""
from __future__ import annotations

import logging
import os
from typing import Any, Mapping

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from . import unit_of_work
from .config import PREFIX
from .runtime import current_runtime

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 2
DEFAULT_THREADS = 4


def gunicorn_settings(host: str, port: int, workers: int, threads: int) -> dict[str, Any]:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "accesslog": None,           # the app writes one access line per request, with its request id
        "errorlog": "-",
        "timeout": 120,              # a large export or deployment may take a while
        "graceful_timeout": 30,
        # X-Forwarded-* only from a proxy on this host (the compose stack publishes the port directly)
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    }


def settings_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """gunicorn settings from CLUSTERFLOW_HOST, _PORT, _WORKERS, _THREADS (for web.gunicorn_conf)."""
    env = os.environ if environ is None else environ
    return gunicorn_settings(env.get(PREFIX + "HOST", "127.0.0.1"), int(env.get(PREFIX + "PORT", "5000")),
                             int(env.get(PREFIX + "WORKERS", str(DEFAULT_WORKERS))),
                             int(env.get(PREFIX + "THREADS", str(DEFAULT_THREADS))))


def serve_waitress(app: Flask, host: str, port: int, threads: int) -> None:
    from waitress import serve

    serve(app, host=host, port=port, threads=threads)


def warm(app: Flask) -> None:
    """Parse the deployed processes once, before the workers fork (they share them); a database not yet
    upgraded only leaves the parsing to the first requests."""
    with app.app_context():
        try:
            with unit_of_work(write=False) as uow:
                count = current_runtime().warm(uow.session)
        except SQLAlchemyError as exc:
            log.warning("deployed processes not parsed before serving: %s", exc.__class__.__name__)
        else:
            log.info("%d deployed process versions parsed before serving", count)


def serve_gunicorn(app: Flask, settings: Mapping[str, Any]) -> None:
    """Run gunicorn with ``app`` loaded in this process and inherited by each worker."""
    from gunicorn.app.base import BaseApplication

    from .extensions import db

    def post_fork(server: Any, worker: Any) -> None:
        # connections opened before the fork belong to the parent; each worker opens its own
        with app.app_context():
            db.engine.dispose(close=False)

    warm(app)

    class Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in {**settings, "post_fork": post_fork}.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    Gunicorn().run()
