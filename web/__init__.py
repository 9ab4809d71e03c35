"""The clusterflow web application (Flask app factory)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from engine.clock import Clock, SystemClock

from .config import load_config
from .extensions import db, migrate
from .services.uow import UnitOfWork, configure_sqlite

MIGRATIONS = str(Path(__file__).resolve().parent / "migrations")


def create_app(config: Mapping[str, Any] | None = None, *, clock: Clock | None = None) -> Flask:
    """Build an app. ``config`` overrides settings (tests pass a database URL); ``clock`` the time source."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(app.instance_path))
    if config:
        app.config.update(config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    app.json.ensure_ascii = False  # Persian text as it is in JSON answers and templates' tojson
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)

    from .runtime import init_runtime

    init_runtime(app, clock or SystemClock())

    from . import api, errors, i18n, security
    from .auth import bp as auth_bp
    from .cases import bp as cases_bp
    from .closures import bp as closures_bp
    from .designer import bp as designer_bp
    from .inbox import bp as inbox_bp
    from .reports import bp as reports_bp
    from .start import bp as start_bp
    from .tasks import bp as tasks_bp

    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    for blueprint in (auth_bp, inbox_bp, tasks_bp, start_bp, cases_bp, reports_bp, designer_bp, closures_bp):
        app.register_blueprint(blueprint)
    api.init_app(app)  # the REST API; bearer tokens only, so exempt from CSRF
    app.context_processor(_navigation)
    return app


def _navigation() -> dict[str, Any]:
    """The time and the inbox counts, for the navigation bar of every page."""
    from flask_login import current_user

    from .runtime import current_runtime
    from .services.inbox import counts

    clock = current_runtime().clock
    if not current_user.is_authenticated:
        return {"now": clock.now()}
    try:
        with unit_of_work(write=False) as uow:
            return {"now": clock.now(), "nav_counts": counts(uow.session, current_user.actor, clock)}
    except SQLAlchemyError:  # an error page must still render when the database is the problem
        return {"now": clock.now()}


def unit_of_work(*, write: bool = True) -> UnitOfWork:
    """A unit of work on the current app's database."""
    return UnitOfWork(db.engine, write=write)
