"""Flask test-client helpers: sign in as a user the way a browser does (with the CSRF token)."""
from __future__ import annotations

import re

from web import unit_of_work
from web.runtime import current_runtime
from web.services.users import create_user

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "a-long-enough-password"


def make_user(username: str, roles: list[str], provinces: list[str]) -> None:
    create_user(username, PASSWORD, role_ids=roles, province_ids=provinces, uow=unit_of_work(),
                clock=current_runtime().clock)


def csrf_token(client, path: str = "/login", **kwargs) -> str:
    page = client.get(path, **kwargs)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, username: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})
