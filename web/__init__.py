"""The clusterflow web application (Flask app factory)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from flask import Flask

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
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)

    from .runtime import init_runtime

    init_runtime(app, clock or SystemClock())

    from . import errors
    from .api import bp as api_bp

    errors.init_app(app)
    app.register_blueprint(api_bp)
    return app


def unit_of_work(*, write: bool = True) -> UnitOfWork:
    """A unit of work on the current app's database."""
    return UnitOfWork(db.engine, write=write)
