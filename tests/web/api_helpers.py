"""Test-client helpers for the REST API: tokens, and requests named by their OpenAPI route.

``api(client, "POST", "/tasks/{task_id}/claim", task_id=...)`` names the route exactly as the
OpenAPI document does (without the /api/v1 prefix), so a test can check that every documented
route is called somewhere (see ``test_every_documented_route_is_exercised``).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from web import unit_of_work
from web.models import User
from web.services.auth import issue_token, password_stamp

PREFIX = "/api/v1"


def user_id(username: str) -> int:
    with unit_of_work(write=False) as uow:
        return uow.session.scalar(select(User.id).where(User.username == username))


def bearer(app, username: str) -> str:
    """A valid token for ``username``, issued as the token route would (without a password check)."""
    with app.app_context(), unit_of_work(write=False) as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        return issue_token(app.config["SECRET_KEY"], user.id, password_stamp(user.password_hash))


def api(client, method: str, route: str, *, token: str | None = None, json: Any = None, body: str | None = None,
        form: dict | None = None, lang: str | None = None, query: dict | None = None, headers: dict | None = None,
        **params: Any):
    """One API request; ``body`` sends raw text as application/json (for malformed JSON), ``form`` a
    multipart body (files as ``(stream, file name)`` pairs)."""
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    if lang is not None:
        sent["Accept-Language"] = lang
    kwargs: dict[str, Any] = {"headers": sent, "query_string": query}
    if json is not None:
        kwargs["json"] = json
    elif body is not None:
        kwargs.update(data=body, content_type="application/json")
    elif form is not None:
        kwargs.update(data=form, content_type="multipart/form-data")
    return client.open(PREFIX + route.format(**params), method=method, **kwargs)
