"""The task page: the case's context, the form, submit."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tasks", __name__)


@bp.get("/tasks/<task_id>")
def show(task_id: str):  # type: ignore[no-untyped-def]
    return task_id
