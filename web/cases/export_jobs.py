"""The worker's case-list export: a file too large for one request, written in the language of the one who asked."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale

from ..services.exports import EXPORT_JOB, write_export
from ..services.work.jobs import JobContext, job_kind
from .export import export_settings, write


@job_kind(EXPORT_JOB)
def case_export(ctx: JobContext) -> None:
    with force_locale(ctx.payload.get("language") or "fa"):
        write_export(ctx, export_settings(current_app.config), write)
