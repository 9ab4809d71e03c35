"""The REST API under /api/v1: JSON in and out, bearer tokens, described by OpenAPI at /api/v1/openapi.json.

The views are thin: flask-smorest parses each request with a marshmallow schema, the view calls
one service, and the same schemas dump the answer and generate the OpenAPI document. Errors are
the service layer's named errors, answered by ``web.errors`` like everywhere else.
"""
from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from . import auth, cases, definitions, health, instances, messages, tasks
from .schemas import ErrorSchema

PREFIX = "/api/v1"
BEARER = {"type": "http", "scheme": "bearer",
          "description": "A token from POST /api/v1/auth/token, valid for 8 hours"}
BLUEPRINTS = (health.bp, auth.bp, tasks.bp, instances.bp, cases.bp, definitions.bp, messages.bp)


class ClusterflowApi(Api):
    """flask-smorest's Api, documenting our error shape and leaving error answers to ``web.errors``."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self) -> None:
        # flask-smorest would answer every HTTPException of the whole app (HTML pages included)
        # in its own shape; web.errors already answers them, in the user's language.
        pass


def init_app(app: Flask) -> ClusterflowApi:
    """Register the API's blueprints and its OpenAPI document on ``app`` (one Api per app)."""
    from ..security import csrf

    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = ClusterflowApi(app, spec_kwargs={
        "title": "clusterflow", "version": "1", "openapi_version": "3.1.0",
        "info": {"description": "Tasks, forms and cases of the ISIPO business-cluster development service. "
                                "Send `Accept-Language: en` for English messages and form titles "
                                "(Persian by default)."},
        "security": [{"bearerAuth": []}],
    })
    api.spec.components.security_scheme("bearerAuth", BEARER)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
        csrf.exempt(blueprint)  # bearer tokens only, never cookies (see web.api.auth)
    app.after_request(auth.add_bearer_challenge)
    return api
