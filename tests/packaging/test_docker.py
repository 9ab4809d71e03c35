"""The container files, read (there is no Docker engine in the suite): assets built in a Node stage,
the wheel installed in a slim stage run by a non-root user, and a compose stack of PostgreSQL, web
(gunicorn) and worker."""
from __future__ import annotations

import re

import yaml

from tests.conftest import ROOT

DOCKER = ROOT / "docker"


def stages(dockerfile: str) -> list[tuple[str, str]]:
    """(base image, body) of each FROM stage."""
    parts = re.split(r"^FROM\s+(\S+).*$", dockerfile, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2]))


def test_dockerfile_builds_assets_with_node_and_runs_the_wheel_as_a_non_root_user():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    built = stages(dockerfile)
    node = [body for image, body in built if image.startswith("node:")]
    assert node and "npm ci" in node[0]
    final_image, final = built[-1]
    assert final_image.startswith("python:") and "slim" in final_image
    assert re.search(r"pip install /tmp/dist/clusterflow-\*\.whl", final)     # the wheel, not the sources
    assert "COPY --from=" in final and "COPY web" not in final
    [user] = re.findall(r"^USER\s+(\S+)", final, flags=re.MULTILINE)
    assert user not in ("root", "0") and "useradd" in final and user in final
    assert re.search(r"CMD \[\"clusterflow\", \"serve\", \"--production\"\]", final)
    # everything setup.py's build step reads is in the build stage
    for needed in ("setup.py", "package-lock.json", "processes", "examples", "node_modules"):
        assert needed in dockerfile


def test_compose_runs_postgres_web_and_worker_from_one_command():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "web", "worker"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["web"]["command"] == ["clusterflow", "serve", "--production"]
    assert services["worker"]["command"] == ["clusterflow", "worker"]
    for name in ("web", "worker", "migrate"):
        service = services[name]
        assert service["build"]["dockerfile"] == "docker/Dockerfile" and service["build"]["context"] == ".."
        env = service["environment"]
        assert env["CLUSTERFLOW_ENV"] == "production" and "@postgres/" in env["CLUSTERFLOW_DATABASE_URL"]
        assert "CLUSTERFLOW_SECRET_KEY" in env
    # the schema is upgraded once, before web and worker start
    assert services["migrate"]["command"] == ["clusterflow", "db", "upgrade"]
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "/api/v1/health/ready" in " ".join(services["web"]["healthcheck"]["test"])
