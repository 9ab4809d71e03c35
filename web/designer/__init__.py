"""The process designers' area: catalogue, web modeler, drafts, deploy, compare, migrate, forms.

Pages and the modeler's JSON calls are for process designers (administrators
may look); every change is checked again by the services (role ``process_designer``).
"""
from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from . import cases, catalogue, editor, forms, letters

VIEWER_ROLES = frozenset({"process_designer", "admin"})

bp = Blueprint("designer", __name__, url_prefix="/designer")


@bp.before_request
@login_required
def _designers_only() -> None:
    if current_user.actor.roles.isdisjoint(VIEWER_ROLES):
        abort(403)


for module in (catalogue, editor, cases, forms, letters):
    module.register(bp)
