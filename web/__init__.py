"""The clusterflow web application (Flask app factory)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from engine.clock import Clock, SystemClock

from . import logs
from .config import ConfigError, check_database_url, instance_dir, load_config
from .extensions import db, migrate
from .services.health import add_readiness_check, database_check
from .services.uow import UnitOfWork, configure_sqlite

MIGRATIONS = str(Path(__file__).resolve().parent / "migrations")


def create_app(config: Mapping[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    """Build an app. ``config`` overrides settings (tests pass a database URL); ``clock`` the time source."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_dir())
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    check_database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.testing:  # tests keep pytest's log capture
        logs.configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    logs.init_app(app)  # first, so every later hook and handler logs with the request id
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    from . import input_guard

    input_guard.init_app(app)  # before any route: ids in paths are range-checked, request JSON is bounded
    app.json.ensure_ascii = False  # Persian text as it is in JSON answers and templates' tojson
    try:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the instance folder {app.instance_path} ({exc.strerror}); "
                          "set CLUSTERFLOW_INSTANCE_DIR to a writable folder") from None

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        add_readiness_check(app, "database", database_check(db.engine))

    from .runtime import init_runtime

    init_runtime(app, clock or SystemClock())
    if app.config.get("READY_NEEDS_WORKER"):   # readiness waits for a worker's heartbeat too
        from sqlalchemy.orm import Session

        from .services.work.heartbeat import worker_check

        add_readiness_check(app, "worker", worker_check(lambda: Session(db.engine),
                                                        app.extensions["clusterflow.runtime"].clock))

    from . import api, errors, i18n, security
    from .auth import bp as auth_bp
    from .cases import bp as cases_bp
    from .closures import bp as closures_bp
    from .designer import bp as designer_bp
    from .inbox import bp as inbox_bp
    from .letters import bp as letters_bp
    from .notices import bp as notices_bp
    from .portal import bp as portal_bp
    from .reports import bp as reports_bp
    from .start import bp as start_bp
    from .tasks import bp as tasks_bp

    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    for blueprint in (auth_bp, inbox_bp, tasks_bp, start_bp, cases_bp, reports_bp, designer_bp,
                      letters_bp, notices_bp, closures_bp, portal_bp):
        app.register_blueprint(blueprint)
    api.init_app(app)  # the REST API; bearer tokens only, so exempt from CSRF
    app.context_processor(_navigation)
    return app


def _navigation() -> dict[str, Any]:
    """The time and the inbox counts, for the navigation bar of every page."""
    from flask_login import current_user

    from .runtime import current_runtime
    from .services.inbox import counts
    from .services.notify.reading import unread_count

    clock = current_runtime().clock
    if not current_user.is_authenticated:
        return {"now": clock.now()}
    try:
        with unit_of_work(write=False) as uow:
            return {"now": clock.now(), "nav_counts": counts(uow.session, current_user.actor, clock),
                    "nav_unread": unread_count(uow.session, current_user.actor.username)}
    except SQLAlchemyError:  # an error page must still render when the database is the problem
        return {"now": clock.now()}


def unit_of_work(*, write: bool = True) -> UnitOfWork:
    """A unit of work on the current app's database."""
    return UnitOfWork(db.engine, write=write)
