"""Configuration from CLUSTERFLOW_* environment variables, with embedded defaults."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

PREFIX = "CLUSTERFLOW_"


class ConfigError(Exception):
    """The environment is misconfigured; the message says which variable and what is wrong."""


def instance_dir(environ: Mapping[str, str] | None = None) -> str | None:
    """``CLUSTERFLOW_INSTANCE_DIR`` (the SQLite database and kept secret by default), or Flask's default:
    ``instance/`` in a checkout, ``<prefix>/var/web-instance`` for an installed package."""
    env = os.environ if environ is None else environ
    folder = env.get(PREFIX + "INSTANCE_DIR")
    return str(Path(folder).resolve()) if folder else None


def load_config(instance_path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings for the app factory.

    ``CLUSTERFLOW_ENV`` (``production`` demands an explicit secret key and logs JSON lines;
    default ``development``),
    ``CLUSTERFLOW_DATABASE_URL`` (default: SQLite in the instance folder),
    ``CLUSTERFLOW_SECRET_KEY`` (default outside production: a random key kept in the instance folder),
    ``CLUSTERFLOW_DATA_DIR`` (uploaded files; default: instance/files),
    ``CLUSTERFLOW_HOST`` / ``CLUSTERFLOW_PORT`` (default 127.0.0.1:5000),
    ``CLUSTERFLOW_SCRIPT_TIME_LIMIT`` (seconds a BPMN script may run; default 1),
    ``CLUSTERFLOW_LOG_FORMAT`` (``json`` lines or ``text``; default json in production),
    ``CLUSTERFLOW_LOG_LEVEL`` (default INFO),
    ``CLUSTERFLOW_SCRIPT_MEMORY_LIMIT`` (megabytes one evaluation may build; default 64),
    ``CLUSTERFLOW_SESSION_IDLE_MINUTES`` (a browser session ends after this long without a request; default 60),
    ``CLUSTERFLOW_SESSION_MAX_HOURS`` (... and this long after signing in, whatever happens; default 12),
    ``CLUSTERFLOW_PROXY_COUNT`` (how many reverse proxies in front set X-Forwarded-*; default 0: trust none).

    :raise ConfigError: a value is malformed, or production mode lacks a secret key.
    """
    env = os.environ if environ is None else environ
    instance = Path(instance_path)
    mode = env.get(PREFIX + "ENV", "development").strip().lower() or "development"
    if mode not in MODES:
        raise ConfigError(f"{PREFIX}ENV must be one of {', '.join(MODES)}, not {mode!r}")
    production = mode == "production"
    database_url = env.get(PREFIX + "DATABASE_URL") or f"sqlite:///{instance / 'clusterflow.sqlite'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    secret = env.get(PREFIX + "SECRET_KEY")
    if production and not secret:
        raise ConfigError(f"{PREFIX}SECRET_KEY must be set in production mode ({PREFIX}ENV=production); "
                          "use a long random value, e.g. from `python -c 'import secrets; print(secrets.token_hex(32))'`")
    log_format = env.get(PREFIX + "LOG_FORMAT", "json" if production else "text").strip().lower()
    if log_format not in ("json", "text"):
        raise ConfigError(f"{PREFIX}LOG_FORMAT must be json or text, not {log_format!r}")
    return {
        "ENV_MODE": mode,
        "LOG_FORMAT": log_format,
        "LOG_LEVEL": env.get(PREFIX + "LOG_LEVEL", "INFO").strip().upper(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": secret or _instance_secret(instance),
        "DATA_DIR": env.get(PREFIX + "DATA_DIR") or str(instance / "files"),
        "HOST": env.get(PREFIX + "HOST", "127.0.0.1"),
        "PORT": _number(env, "PORT", "5000", int),
        "SCRIPT_TIME_LIMIT": _number(env, "SCRIPT_TIME_LIMIT", "1.0", float),
        # readiness (/api/v1/health/ready) also needs a live worker (timers, jobs, e-mail)
        "READY_NEEDS_WORKER": env.get(PREFIX + "READY_NEEDS_WORKER", "").strip().lower() in ("1", "true", "yes"),
        "SCRIPT_MEMORY_LIMIT_MB": _number(env, "SCRIPT_MEMORY_LIMIT", "64", int),
        # a request body larger than this is refused (413) before it is read: attachments are at most 20 MiB
        "MAX_CONTENT_LENGTH": _number(env, "MAX_REQUEST_BYTES", str(25 * 1024 * 1024), int),
        # the public address printed on letters for their verification (default: the request's host)
        "BASE_URL": env.get(PREFIX + "BASE_URL") or None,
        "PROCESSES_DIR": env.get(PREFIX + "PROCESSES_DIR") or str(shipped_dir("processes")),
        # the production web server (`clusterflow serve --production`, gunicorn): processes x threads
        "WORKERS": _number(env, "WORKERS", "2", int),
        "THREADS": _number(env, "THREADS", "4", int),
        "SESSION_IDLE_MINUTES": _number(env, "SESSION_IDLE_MINUTES", "60", float),
        "SESSION_MAX_HOURS": _number(env, "SESSION_MAX_HOURS", "12", float),
        "PROXY_COUNT": _number(env, "PROXY_COUNT", "0", int),
        # a case-list export of more rows than this is written by the worker (when one runs), then downloaded
        "EXPORT_BACKGROUND_ROWS": _number(env, "EXPORT_BACKGROUND_ROWS", "20000", int),
        "EXPORT_KEEP_HOURS": _number(env, "EXPORT_KEEP_HOURS", "24", float),
    }


MODES = ("development", "production")


def check_database_url(url: str) -> None:
    """:raise ConfigError: ``url`` is not a database URL SQLAlchemy can use."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    shown = masked_url(url)
    try:
        dialect = make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConfigError(f"{PREFIX}DATABASE_URL is not a usable database URL ({shown!r}): {exc}") from None
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        raise ConfigError(f"{PREFIX}DATABASE_URL {shown!r} needs a database driver that is not installed "
                          f"({exc}); use postgresql://… or sqlite:///…") from None


def masked_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``, for messages and logs."""
    credentials, at, host = url.rpartition("@")
    if not at:
        return url
    scheme, slashes, user = credentials.partition("//") if "//" in credentials else ("", "", credentials)
    return f"{scheme}{slashes}{user.split(':', 1)[0]}:***@{host}"


def shipped_dir(name: str) -> Path:
    """The repository's ``processes``/``examples`` folder, or the copy an installed package bundles."""
    web = Path(__file__).resolve().parent
    checkout = web.parent / name
    return checkout if checkout.is_dir() else web / "bundled" / name


def _number(env: Mapping[str, str], name: str, default: str, kind: type) -> Any:
    raw = env.get(PREFIX + name, default)
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name} must be a number, not {raw!r}") from None


def _instance_secret(instance: Path) -> str:
    # A stable random key per installation, so sessions survive restarts without configuration.
    path = instance / "secret_key"
    try:
        if path.exists():
            return path.read_text().strip()
        instance.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        path.chmod(0o600)
    except OSError as exc:
        raise ConfigError(f"cannot keep a secret key in {path} ({exc.strerror}); set {PREFIX}SECRET_KEY, "
                          f"or {PREFIX}INSTANCE_DIR to a writable folder") from None
    return key
