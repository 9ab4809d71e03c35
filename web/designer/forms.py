"""The forms beside a process: which a version uses, a JSON editor with a live preview, saving."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, jsonify, render_template
from flask_babel import gettext as _

from forms.loader import DEFINITIONS_DIR

from .. import unit_of_work
from ..runtime import current_runtime
from ..security import current_actor
from ..services import form_designs
from .payload import FormTextSchema, load


def forms_dir() -> Path:
    """Where form definitions are read and written (``FORMS_DIR``; default forms/definitions)."""
    return Path(current_app.config.get("FORMS_DIR") or DEFINITIONS_DIR)


def version_forms(version_id: int):  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        uses = form_designs.forms_of_version(uow.session, version_id, forms_dir())
    return render_template("designer/forms.html", version_id=version_id, uses=uses)


def edit_form(form_id: str):  # type: ignore[no-untyped-def]
    text, exists = form_designs.form_source(form_id, forms_dir())
    return render_template("designer/form_edit.html", form_id=form_id, text=text, exists=exists)


def preview_form(form_id: str):  # type: ignore[no-untyped-def]
    text = load(FormTextSchema())["text"]
    try:
        form = form_designs.check_form_text(form_id, text)
    except form_designs.FormRefused as exc:
        return jsonify({"problems": [str(p) for p in exc.problems]})
    return jsonify({"problems": [], "html": render_template("designer/form_preview.html", form=form)})


def save_form(form_id: str):  # type: ignore[no-untyped-def]
    text, runtime = load(FormTextSchema())["text"], current_runtime()
    try:
        form_designs.save_form(form_id, text, actor=current_actor(), directory=forms_dir(), uow=unit_of_work(),
                               runtime=runtime, clock=runtime.clock)
    except form_designs.FormRefused as exc:
        return jsonify({"message": _("The form was not saved."), "problems": [str(p) for p in exc.problems]}), 422
    return jsonify({"message": _("The form was saved. Every case shows it from now on."), "problems": []})


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/versions/<int:version_id>/forms", "version_forms", version_forms)
    bp.add_url_rule("/forms/<form_id>", "edit_form", edit_form)
    bp.add_url_rule("/forms/<form_id>/preview", "preview_form", preview_form, methods=["POST"])
    bp.add_url_rule("/forms/<form_id>", "save_form", save_form, methods=["POST"])
