"""Running cases of a version, and moving them to a newer version where it is safe."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import unit_of_work
from ..input_guard import small_int
from ..i18n import digits
from ..runtime import current_runtime
from ..security import current_actor
from ..services import migration
from ..services.errors import InvalidInput


def version_cases(version_id: int):  # type: ignore[no-untyped-def]
    target = request.args.get("to", "")
    with unit_of_work(write=False) as uow:
        checks = migration.cases_on_version(uow.session, current_runtime(), version_id, current_actor(),
                                            small_int(target, None, invalid=None))
    return render_template("designer/cases.html", version_id=version_id, checks=checks)


def migrate_case(version_id: int, instance_id: int):  # type: ignore[no-untyped-def]
    runtime = current_runtime()
    to_version = request.form.get("to", "")
    try:
        result = migration.migrate_case(instance_id, small_int(to_version, 0) or 0,
                                        request.form.get("reason"), actor=current_actor(), uow=unit_of_work(),
                                        runtime=runtime, clock=runtime.clock)
        flash(_("Case %(case)s now runs on version %(version)s.", case=digits(result.instance_id),
                version=digits(result.to_version)), "success")
    except migration.MigrationRefused as exc:
        flash(_("The case was not moved: %(reasons)s", reasons="; ".join(exc.reasons)), "danger")
    except InvalidInput:
        flash(_("Please give a reason."), "danger")
    return redirect(url_for("designer.version_cases", version_id=version_id))


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/versions/<int:version_id>/cases", "version_cases", version_cases)
    bp.add_url_rule("/versions/<int:version_id>/cases/<int:instance_id>/migrate", "migrate_case", migrate_case,
                    methods=["POST"])
