"""Fixtures for real-browser tests.

- ``chromium_path`` (session): Debian's Chromium, ``/usr/bin/chromium`` or ``$CLUSTERFLOW_CHROMIUM``;
  skipped when missing on a developer machine, a failure under ``CI=true``.
- ``browser`` (session): Playwright driving that Chromium, headless.
- ``live_server``: a fresh app and SQLite database per test, served by waitress on 127.0.0.1;
  ``live_server.clock`` is a FrozenClock set to the real time at start (move it with ``advance``);
  seed data inside ``with live_server.context():`` through the service layer (tests/web helpers).
- ``context`` / ``page``: a new browser context per test (locale fa-IR, Tehran time) whose relative
  URLs go to ``live_server``. A failing test leaves ``failed-<test>.png`` in artifacts/screenshots/.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from engine.clock import FrozenClock
from tests.conftest import build_app, missing

from . import ROOT, SCREENSHOTS

# Flags known to work for Debian's Chromium on these machines (closed network, root, no GPU, no screen);
# Playwright adds --headless and a fresh temporary --user-data-dir itself.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    configured = os.environ.get("CLUSTERFLOW_CHROMIUM")
    path = configured or "/usr/bin/chromium"
    found = shutil.which(path)
    if found is None:
        where = f"CLUSTERFLOW_CHROMIUM={configured}" if configured else path
        missing(f"Chromium is not installed ({where}; apt-get install chromium)")
    return found


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Browser]:
    playwright = sync_playwright().start()
    try:
        try:
            launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS)
        except Exception as exc:  # noqa: BLE001 - any launch failure means "no usable browser"
            missing(f"Chromium at {chromium_path} could not be started: {exc}")
        yield launched
        launched.close()
    finally:
        playwright.stop()


@dataclass
class LiveServer:
    app: Flask
    url: str
    clock: FrozenClock

    def context(self):  # type: ignore[no-untyped-def]
        """The app context to seed or inspect data in (service layer, tests/web/helpers)."""
        return self.app.app_context()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    from waitress import create_server, wasyncore

    from web.extensions import db

    if not (ROOT / "web" / "static" / "vendor" / ".copied").exists():
        missing("the front-end assets are not in web/static/vendor (run `make assets`)")
    clock = FrozenClock(datetime.now(timezone.utc))
    app = build_app(f"sqlite:///{tmp_path / 'e2e.sqlite'}", clock, tmp_path)
    app.config.update(TESTING=False, SECRET_KEY="e2e-secret-key")  # behave as deployed: CSRF, error pages
    server = create_server(app, host="127.0.0.1", port=0, threads=4)  # as `clusterflow serve`, on loopback
    thread = threading.Thread(target=server.run, name="e2e-waitress", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.effective_port}", clock)
    finally:
        # close every socket from inside the server's own loop, so the loop ends by itself
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    ctx = browser.new_context(base_url=live_server.url, locale="fa-IR", timezone_id="Asia/Tehran",
                              viewport={"width": 1280, "height": 800})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and not page.is_closed():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        try:
            page.screenshot(path=str(SCREENSHOTS / f"failed-{name}.png"), full_page=True)
        except Exception:  # noqa: BLE001 - a screenshot must not hide the test's own failure
            pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
