"""Configuration from CLUSTERFLOW_* environment variables, with embedded defaults."""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any, Mapping

PREFIX = "CLUSTERFLOW_"


def load_config(instance_path: str, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings for the app factory.

    ``CLUSTERFLOW_DATABASE_URL`` (default: SQLite in the instance folder),
    ``CLUSTERFLOW_SECRET_KEY`` (default: a random key kept in the instance folder),
    ``CLUSTERFLOW_DATA_DIR`` (uploaded files; default: instance/files),
    ``CLUSTERFLOW_HOST`` / ``CLUSTERFLOW_PORT`` (default 127.0.0.1:5000),
    ``CLUSTERFLOW_SCRIPT_TIME_LIMIT`` (seconds a BPMN script may run; default 1),
    ``CLUSTERFLOW_SESSION_IDLE_MINUTES`` (a browser session ends after this long without a request; default 60),
    ``CLUSTERFLOW_SESSION_MAX_HOURS`` (... and this long after signing in, whatever happens; default 12),
    ``CLUSTERFLOW_PROXY_COUNT`` (how many reverse proxies in front set X-Forwarded-*; default 0: trust none).
    """
    env = os.environ if environ is None else environ
    instance = Path(instance_path)
    database_url = env.get(PREFIX + "DATABASE_URL") or f"sqlite:///{instance / 'clusterflow.sqlite'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": env.get(PREFIX + "SECRET_KEY") or _instance_secret(instance),
        "DATA_DIR": env.get(PREFIX + "DATA_DIR") or str(instance / "files"),
        "HOST": env.get(PREFIX + "HOST", "127.0.0.1"),
        "PORT": int(env.get(PREFIX + "PORT", "5000")),
        "SCRIPT_TIME_LIMIT": float(env.get(PREFIX + "SCRIPT_TIME_LIMIT", "1.0")),
        # a request body larger than this is refused (413) before it is read: attachments are at most 20 MiB
        "MAX_CONTENT_LENGTH": int(env.get(PREFIX + "MAX_REQUEST_BYTES", str(25 * 1024 * 1024))),
        "SESSION_IDLE_MINUTES": float(env.get(PREFIX + "SESSION_IDLE_MINUTES", "60")),
        "SESSION_MAX_HOURS": float(env.get(PREFIX + "SESSION_MAX_HOURS", "12")),
        "PROXY_COUNT": int(env.get(PREFIX + "PROXY_COUNT", "0")),
        "PROCESSES_DIR": env.get(PREFIX + "PROCESSES_DIR") or str(Path(__file__).resolve().parent.parent / "processes"),
    }


def _instance_secret(instance: Path) -> str:
    # A stable random key per installation, so sessions survive restarts without configuration.
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
