"""A small HTTP client for the benchmarks (standard library only): keep-alive, a session cookie, sign-in."""
from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Client:
    def __init__(self, port: int, token: str | None = None) -> None:
        self.port, self.token, self.cookie = port, token, ""
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                if attempt == 2:
                    raise
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data

    def get(self, path: str) -> tuple[int, bytes]:
        return self.request("GET", path)

    def post_json(self, path: str, payload: Any) -> tuple[int, Any]:
        status, data = self.request("POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json"})
        return status, json.loads(data) if data else None

    def get_json(self, path: str) -> tuple[int, Any]:
        status, data = self.get(path)
        return status, json.loads(data) if data else None

    def login(self, username: str, password: str) -> None:
        _, page = self.get("/login")
        token = CSRF.search(page.decode()).group(1)  # type: ignore[union-attr]
        body = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
        status, _ = self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        if status not in (200, 302, 303):
            raise RuntimeError(f"sign-in of {username} failed: {status}")

    def sign_in_api(self, username: str, password: str) -> None:
        status, answer = self.post_json("/api/v1/auth/token", {"username": username, "password": password})
        if status != 200:
            raise RuntimeError(f"token for {username}: {status} {answer}")
        self.token = answer["token"]


def process_cpu_seconds(pids: list[int]) -> float:
    """User + system CPU these processes have used so far (those gone are left out)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def family(pid: int) -> list[int]:
    """A process and its descendants."""
    out = [pid]
    for one in out:
        try:
            out += [int(c) for c in Path(f"/proc/{one}/task/{one}/children").read_text().split()]
        except OSError:
            pass
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The production web server in a child process: ``clusterflow serve --production`` (gunicorn, ``workers``
    processes of ``threads`` threads), or with ``production=False`` waitress (``clusterflow serve``)."""

    def __init__(self, database_url: str, secret: str, workdir: Path, threads: int = 8, *,
                 production: bool = False, workers: int = 2, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        env = dict(os.environ, CLUSTERFLOW_DATABASE_URL=database_url, CLUSTERFLOW_SECRET_KEY=secret,
                   CLUSTERFLOW_DATA_DIR=str(workdir / "files"), CLUSTERFLOW_WORKERS=str(workers),
                   CLUSTERFLOW_THREADS=str(threads), **(env or {}))
        self.log = open(workdir / f"server-{self.port}.log", "wb")  # noqa: SIM115
        command = [str(Path(sys.executable).parent / "clusterflow"), "serve", "--port", str(self.port),
                   "--threads", str(threads)]
        self.process = subprocess.Popen(command + (["--production"] if production else []),
                                        cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server stopped; see {self.log.name}") from None
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def pids(self) -> list[int]:
        """The server process and its children (gunicorn's workers)."""
        return family(self.process.pid)

    def cpu_seconds(self) -> float:
        """User + system CPU the server's processes have used so far (workers included)."""
        return process_cpu_seconds(self.pids())

    def peak_rss_mb(self) -> dict[int, float]:
        """Each server process's peak resident memory so far (MB)."""
        out = {}
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        out[pid] = int(line.split()[1]) / 1024
            except OSError:
                pass
        return out

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
