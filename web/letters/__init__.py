"""Official letters: the PDF for those who may see the case, and the public verification page."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_login import login_required

from .. import unit_of_work
from ..security import current_actor
from ..services.letters.access import letter_for
from ..services.letters.pdf import letter_pdf
from ..services.letters.verification import public_letter

bp = Blueprint("letters", __name__)


def verify_url(code: str) -> str:
    """The public address of a letter's check, as printed on it (CLUSTERFLOW_BASE_URL when set)."""
    base = current_app.config.get("BASE_URL")
    path = url_for("letters.verify", code=code)
    return base.rstrip("/") + path if base else request.host_url.rstrip("/") + path


@bp.get("/letters/<int:letter_id>.pdf")
@login_required
def pdf(letter_id: int):  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        letter = letter_for(uow.session, current_actor(), letter_id)
        body = letter_pdf(letter, verify_url(letter.verify_code))
        name = f"letter-{letter.year}-{letter.number}.pdf"
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": f"inline; filename={name}"})


@bp.get("/verify/<code>")
def verify(code: str):  # type: ignore[no-untyped-def]
    """Anyone holding a letter checks it here: number, date, subject and issuer, nothing personal."""
    if len(code) > 32:
        abort(404)
    with unit_of_work(write=False) as uow:
        letter = public_letter(uow.session, code)
    if letter is None:
        return render_template("letters/verify.html", letter=None, code=code), 404
    return render_template("letters/verify.html", letter=letter, code=code)
