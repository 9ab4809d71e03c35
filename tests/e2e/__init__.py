"""Real-browser tests: the app served by waitress on loopback, driven by Debian's Chromium through Playwright.

Helpers for the tests (fixtures are in ``conftest.py``)::

    from tests.e2e import PASSWORD, screenshot, sign_in
"""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.browser_helpers import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

__all__ = ["PASSWORD", "SCREENSHOTS", "screenshot", "sign_in"]


def sign_in(page: Page, username: str, password: str = PASSWORD, *, path: str = "/login") -> None:
    """Sign in through the login form and wait until the app has let the user in.

    ``path`` may carry ``?next=...``; afterwards the page shows wherever the app sent the user.
    Fails (after Playwright's expect timeout) when the app keeps the user on the sign-in page.
    """
    page.goto(path)
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("form[action$='/login'] button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login(\?|$)"))


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG in artifacts/screenshots/ (kept by CI); returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / (name if name.endswith(".png") else f"{name}.png")
    page.screenshot(path=str(path), full_page=True)
    return path
