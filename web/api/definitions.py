"""Process definitions: the catalogue of deployed versions, one version's files, deploying uploaded files.

Reading is for process designers and administrators, as the web designer area; deploying is for
process designers only (``web.services.designs.require_designer``, as the web modeler).
"""
from __future__ import annotations

from functools import wraps
from typing import Any

from werkzeug.datastructures import CombinedMultiDict

from .. import unit_of_work
from ..designer import VIEWER_ROLES
from ..runtime import current_runtime, encode_files
from ..services import catalogue, definition_files, deployment, designs
from ..services.errors import DeploymentRefused, Forbidden
from .auth import api_actor, require_token
from .definition_schemas import (
    CatalogueSchema,
    DefinitionVersionSchema,
    DeployedSchema,
    DeployFormSchema,
)
from .parsing import ApiBlueprint, ApiParser


class MultipartParser(ApiParser):
    """Reads a multipart body's text fields and files together, as one ``form`` location."""

    def load_form(self, req: Any, schema: Any) -> Any:
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class DefinitionsBlueprint(ApiBlueprint):
    ARGUMENTS_PARSER = MultipartParser()


bp = DefinitionsBlueprint("api_definitions", __name__, url_prefix="/api/v1",
                          description="Process definitions (deployed BPMN and DMN files)")
bp.before_request(require_token)


def _viewers_only() -> None:
    actor = api_actor()
    if not actor.system and actor.roles.isdisjoint(VIEWER_ROLES):
        raise Forbidden("the process catalogue is for process designers and administrators")


def designers_only(view):  # type: ignore[no-untyped-def]
    """Refuse non-designers (403) before their request body is read."""
    @wraps(view)  # keeps flask-smorest's documentation of the view
    def checked(*args, **kwargs):  # type: ignore[no-untyped-def]
        designs.require_designer(api_actor())
        return view(*args, **kwargs)

    return checked


@bp.route("/process-definitions", methods=["GET"])
@bp.response(200, CatalogueSchema)
@bp.answers(401, 403)
def list_definitions():  # type: ignore[no-untyped-def]
    """Every deployed process and decision with the versions that define it, newest first

    For process designers and administrators (403 otherwise). `running` and `suspended` count the cases
    on each version.
    """
    _viewers_only()
    with unit_of_work(write=False) as uow:
        return catalogue.catalogue(uow.session)


@bp.route("/process-definitions", methods=["POST"])
@designers_only
@bp.arguments(DeployFormSchema, location="form", content_type="multipart/form-data")
@bp.response(201, DeployedSchema)
@bp.alt_response(200, schema=DeployedSchema, description="The very same files were deployed before: "
                                                         "that version, with `created: false`")
@bp.answers(400, 401, 403, 413, 422)
def deploy(form: dict):  # type: ignore[no-untyped-def]
    """Deploy uploaded .bpmn and .dmn files as a new version; running cases stay on theirs

    For process designers only (403 otherwise). 201 with the new version; 200 with `created: false`
    when the very same files were deployed before. 422 `DeploymentRefused` with `problems` listing every
    problem found (not XML, DOCTYPE or entity declarations, larger than 5 MiB, unknown roles or forms,
    invalid BPMN); nothing is deployed then.
    """
    uploads = form["files"][:designs.MAX_FILES + 1]     # one more, for check_files to refuse too many
    try:
        files = designs.read_uploads((f.filename or "", f.stream.read(designs.MAX_FILE_BYTES + 1)) for f in uploads)
    except designs.FilesRefused as exc:
        raise DeploymentRefused(exc.problems) from exc
    runtime = current_runtime()
    result = deployment.deploy(encode_files(files), actor=api_actor().username,
                               reason=(form["reason"] or "").strip() or None, uow=unit_of_work(),
                               runtime=runtime, clock=runtime.clock)
    return result, 201 if result.created else 200


@bp.route("/process-definitions/<process_id>/versions/<int:version>", methods=["GET"])
@bp.response(200, DefinitionVersionSchema)
@bp.answers(401, 403, 404)
def show_version(process_id: str, version: int):  # type: ignore[no-untyped-def]
    """A version that defines the process (or decision), with every file of the version

    404 when the version does not exist or does not define it.
    """
    _viewers_only()
    with unit_of_work(write=False) as uow:
        return definition_files.definition_version(uow.session, process_id, version)
