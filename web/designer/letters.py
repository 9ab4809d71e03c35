"""Letter templates in the designers' area: the kinds, an editor that reports problems at their lines, a PDF preview."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import unit_of_work
from ..runtime import current_runtime
from ..security import current_actor
from ..services.errors import InvalidInput
from ..services.letters import letter_kinds
from ..services.letters import designs as letter_designs


def index():  # type: ignore[no-untyped-def]
    return render_template("designer/letters.html", kinds=letter_kinds())


def edit(kind_id: str):  # type: ignore[no-untyped-def]
    kind = letter_designs.kind_of(kind_id)
    return render_template("designer/letter_edit.html", kind=kind, text=letter_designs.template_source(kind_id),
                           problems=[])


def save(kind_id: str):  # type: ignore[no-untyped-def]
    kind = letter_designs.kind_of(kind_id)
    text = request.form.get("template", "")
    runtime = current_runtime()
    try:
        if request.form.get("action") == "preview":
            pdf = letter_designs.preview(kind_id, text, None, runtime.clock.now())
            return Response(pdf, mimetype="application/pdf",
                            headers={"Content-Disposition": f"inline; filename=preview-{kind.id}.pdf"})
        letter_designs.save_template(kind_id, text, actor=current_actor(), uow=unit_of_work(), clock=runtime.clock)
    except InvalidInput as exc:
        return render_template("designer/letter_edit.html", kind=kind, text=text,
                               problems=exc.errors.get("template", [str(exc)])), 422
    flash(_("The template was saved. Letters issued from now on use it."), "success")
    return redirect(url_for("designer.edit_letter", kind_id=kind_id))


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/letters", "letters", index)
    bp.add_url_rule("/letters/<kind_id>", "edit_letter", edit)
    bp.add_url_rule("/letters/<kind_id>", "save_letter", save, methods=["POST"])
