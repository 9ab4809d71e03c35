"""The API's schemas for process definitions: the catalogue, one version's files, deploying uploads."""
from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate
from werkzeug.datastructures import FileStorage

from ..services import designs


class UploadedFile(Upload):
    """A file part of a multipart body (a text part of the same name is refused)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise ma.ValidationError("not a file")
        return value


class DeployFormSchema(ma.Schema):
    files = fields.List(UploadedFile(), required=True, validate=validate.Length(min=1), metadata={
        "description": "The .bpmn and .dmn files of the new version (repeat the field for each); "
                       "the set must be self-contained"})
    reason = fields.String(load_default=None, validate=validate.Length(max=designs.MAX_REASON),
                           metadata={"description": "Why; kept with the version"})


class DeployedSchema(ma.Schema):
    version = fields.Integer(required=True)
    content_hash = fields.String(required=True)
    process_ids = fields.List(fields.String(), required=True)
    created = fields.Boolean(required=True, metadata={
        "description": "false when the very same files were deployed before (that version is answered)"})


class VersionSummarySchema(ma.Schema):
    version = fields.Integer(attribute="id", required=True)
    deployed_by = fields.String(allow_none=True)
    deployed_at = fields.AwareDateTime(required=True)
    reason = fields.String(allow_none=True)
    files = fields.List(fields.String(), required=True, metadata={"description": "File names"})
    running = fields.Integer(required=True, metadata={"description": "Cases running on this version"})
    suspended = fields.Integer(required=True, metadata={"description": "Suspended cases on this version"})


class DefinitionSchema(ma.Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    versions = fields.List(fields.Nested(VersionSummarySchema), required=True,
                           metadata={"description": "The versions that define it, newest first"})


class CatalogueSchema(ma.Schema):
    """Deployed processes and decisions (dumped from ``web.services.catalogue.Catalogue``)."""

    processes = fields.List(fields.Nested(DefinitionSchema), required=True)
    decisions = fields.List(fields.Nested(DefinitionSchema), required=True)

    @ma.pre_dump
    def _with_versions(self, found: Any, **kwargs: Any) -> dict[str, Any]:
        def entry(e: Any) -> dict[str, Any]:
            return {"id": e.id, "name": e.name, "versions": [found.version(v) for v in e.versions]}

        return {"processes": [entry(e) for e in found.processes], "decisions": [entry(e) for e in found.decisions]}


class FileSchema(ma.Schema):
    name = fields.String(required=True)
    content = fields.String(required=True, metadata={"description": "The XML text"})


class DefinitionVersionSchema(ma.Schema):
    """A version that defines a process or decision (``web.services.definition_files.VersionFiles``)."""

    version = fields.Integer(required=True)
    process_id = fields.String(attribute="definition_id", required=True)
    name = fields.String(required=True)
    deployed_by = fields.String(allow_none=True)
    deployed_at = fields.AwareDateTime(required=True)
    reason = fields.String(allow_none=True)
    files = fields.List(fields.Nested(FileSchema), required=True,
                        metadata={"description": "Every file of the version, by name"})

    @ma.pre_dump
    def _named_files(self, found: Any, **kwargs: Any) -> dict[str, Any]:
        return {**vars(found), "files": [{"name": n, "content": t} for n, t in found.files]}
