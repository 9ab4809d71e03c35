"""Configuration from CLUSTERFLOW_* environment variables, with embedded defaults."""
from __future__ import annotations

from web.config import load_config


def test_embedded_defaults(tmp_path):
    config = load_config(str(tmp_path), environ={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'clusterflow.sqlite'}"
    assert (config["HOST"], config["PORT"]) == ("127.0.0.1", 5000)
    assert config["DATA_DIR"] == str(tmp_path / "files")
    # a random secret is made once and kept, so sessions survive restarts
    assert len(config["SECRET_KEY"]) == 64
    assert load_config(str(tmp_path), environ={})["SECRET_KEY"] == config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_overrides(tmp_path):
    config = load_config(str(tmp_path), environ={
        "CLUSTERFLOW_DATABASE_URL": "postgresql://u:p@db.local/cf",
        "CLUSTERFLOW_SECRET_KEY": "s3cret",
        "CLUSTERFLOW_DATA_DIR": "/srv/files",
        "CLUSTERFLOW_HOST": "0.0.0.0",
        "CLUSTERFLOW_PORT": "8080",
        "CLUSTERFLOW_SCRIPT_TIME_LIMIT": "0.5",
    })
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.local/cf"
    assert (config["SECRET_KEY"], config["DATA_DIR"]) == ("s3cret", "/srv/files")
    assert (config["HOST"], config["PORT"], config["SCRIPT_TIME_LIMIT"]) == ("0.0.0.0", 8080, 0.5)
    assert not (tmp_path / "secret_key").exists()


def test_health_endpoint(sqlite_app):
    response = sqlite_app.test_client().get("/api/v1/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
