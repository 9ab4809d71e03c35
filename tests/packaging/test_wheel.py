"""The package is the product: a wheel built from the repository, installed into a fresh virtual
environment outside it, migrates its database and serves the Persian UI with every vendor asset.

Slow by nature (a wheel build with npm assets and an install with dependencies; about a minute
on a quiet machine, pip's cache is reused); the steps' durations are printed, not asserted.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import ROOT, missing
from web.assets import FILES, NODE_MODULES

pytestmark = pytest.mark.packaging
SIGN_IN_FA = "ورود"  # the Persian "Sign in" from web/translations/fa


def _run(args: list, what: str, timings: dict, **kwargs) -> subprocess.CompletedProcess:
    started = time.monotonic()
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    timings[what] = round(time.monotonic() - started, 1)
    assert result.returncode == 0, f"{what} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _copy_sources(target: Path) -> None:
    """The working tree's files as git sees them (tracked and new, not ignored): no build output, no .venv."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    if NODE_MODULES.is_dir():  # reuse the checkout's npm packages; without them the build runs `npm ci`
        (target / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
    elif shutil.which("npm") is None:
        missing("npm is needed to build the wheel's front-end assets")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(virtual environment, its site-packages) with the wheel built from this checkout installed."""
    if shutil.which("git") is None:
        missing("git is needed to copy the checkout's files")
    base = tmp_path_factory.mktemp("wheel")
    source, dist, venv = base / "src", base / "dist", base / "venv"
    _copy_sources(source)
    timings: dict[str, float] = {}
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", dist, source], "build", timings)
    [wheel] = dist.glob("clusterflow-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", venv], "venv", timings)
    python = venv / "bin" / "python"
    # this environment's pip installs into the new one: no pip bootstrap, and pip's cache is shared
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--prefer-binary", wheel], "install", timings)
    print(f"\nwheel {wheel.name}: seconds per step {timings}")
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], "site", timings,
                     cwd=base).stdout.strip())
    return venv, site


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read(), answer.headers.get_content_type()
    except urllib.error.HTTPError as error:
        return error.code, b"", ""


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])
        if tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"])


def _files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def _snapshot(site: Path) -> set[str]:
    return {str(p.relative_to(site)) for p in (site / "web").rglob("*") if "__pycache__" not in p.parts}


def test_installed_wheel_serves_the_persian_ui_with_every_vendor_asset(installed, tmp_path):
    venv, site = installed
    assert not (site / "web").resolve().is_relative_to(ROOT.resolve())
    before = _snapshot(site)
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CLUSTERFLOW_", "PYTHON", "FLASK_"))}
    env.update(CLUSTERFLOW_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}", CLUSTERFLOW_SECRET_KEY="packaging",
               CLUSTERFLOW_DATA_DIR=str(tmp_path / "files"), CLUSTERFLOW_PORT=str(port))
    clusterflow = venv / "bin" / "clusterflow"
    _run([clusterflow, "db", "upgrade"], "db upgrade", {}, cwd=tmp_path, env=env)
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen([clusterflow, "serve"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # wait for the server to listen
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if _get(f"{base}/api/v1/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.2)

        status, body, _ = _get(f"{base}/login")
        page = body.decode()
        assert status == 200
        assert re.search(r'<html lang="fa" dir="rtl"', page) and SIGN_IN_FA in page  # Persian, from the shipped .mo

        references = _References()
        references.feed(page)
        wanted = {url for url in references.urls if url.startswith("/static/")}
        assert any("/static/vendor/" in url for url in wanted)
        # every vendor file web/assets.py ships, folders compared file by file with node_modules
        vendor = site / "web" / "static" / "vendor"
        for src, dest in FILES:
            if src.endswith("/"):
                shipped = _files_under(vendor / dest)
                if NODE_MODULES.is_dir():
                    assert shipped == _files_under(NODE_MODULES / src), dest
                assert shipped, dest
                wanted |= {f"/static/vendor/{dest}{name}" for name in shipped}
            else:
                wanted.add(f"/static/vendor/{dest}")
        # and every vendor file any template names (pages behind the sign-in included)
        for template in (ROOT / "web" / "templates").rglob("*.html"):
            for name in re.findall(r"['\"](vendor/[^'\"]+[^/'\"])['\"]", template.read_text(encoding="utf-8")):
                wanted.add(f"/static/{name}")
        failed = {url: code for url in sorted(wanted) if (code := _get(base + url)[0]) != 200}
        assert failed == {}
        # the web font the Persian pages use, as its CSS names it
        css = _get(f"{base}/static/vendor/vazirmatn/Vazirmatn-Variable-font-face.css")[1].decode()
        fonts = re.findall(r"url\(['\"]?([^'\")]+\.woff2)", css)
        assert fonts and all(_get(f"{base}/static/vendor/vazirmatn/{font}")[0] == 200 for font in fonts)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert _snapshot(site) == before  # nothing written into site-packages at run time
