"""The catalogue of deployed versions, file downloads, and the visual compare of two versions."""
from __future__ import annotations

import posixpath
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request

from .. import unit_of_work
from ..input_guard import small_int
from ..security import current_actor
from ..services import catalogue, designs


def index():  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        found = catalogue.catalogue(uow.session)
        drafts = designs.list_drafts(uow.session, current_actor())
    return render_template("designer/index.html", catalogue=found, drafts=drafts, upload_problems=[])


def download_zip(version_id: int):  # type: ignore[no-untyped-def]
    with unit_of_work(write=False) as uow:
        data = catalogue.version_zip(uow.session, version_id)
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f"attachment; filename=version-{version_id}.zip"})


def download_file(version_id: int):  # type: ignore[no-untyped-def]
    name = request.args.get("name", "")
    with unit_of_work(write=False) as uow:
        text = catalogue.version_file(uow.session, version_id, name)
    filename = posixpath.basename(name)
    return Response(text.encode("utf-8"), mimetype="application/xml; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename, safe='')}"})


def compare():  # type: ignore[no-untyped-def]
    def number(key: str) -> int | None:
        return small_int(request.args.get(key), None, invalid=None)

    with unit_of_work(write=False) as uow:
        result = catalogue.compare(uow.session, request.args.get("process", ""), number("a"), number("b"))
    return render_template("designer/compare.html", comparison=result)


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/", "index", index)
    bp.add_url_rule("/versions/<int:version_id>/files.zip", "download_zip", download_zip)
    bp.add_url_rule("/versions/<int:version_id>/file", "download_file", download_file)
    bp.add_url_rule("/compare", "compare", compare)
