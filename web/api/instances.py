"""Cases: start one, read one."""
from __future__ import annotations

from flask import url_for

from .. import unit_of_work
from ..i18n import current_language
from ..runtime import current_runtime
from ..services import starting
from ..services.instance_view import describe_instance
from .auth import api_actor, require_token
from .parsing import ApiBlueprint
from .schemas import InstanceSchema, StartSchema

bp = ApiBlueprint("api_instances", __name__, url_prefix="/api/v1", description="Cases (process instances)")
bp.before_request(require_token)


@bp.route("/process-instances", methods=["POST"])
@bp.arguments(StartSchema)
@bp.response(201, InstanceSchema, headers={"Location": {"description": "The new case's URL",
                                                         "schema": {"type": "string"}}})
@bp.answers(400, 401, 403, 404, 409, 422)
def start(body: dict):  # type: ignore[no-untyped-def]
    """Start a case of a process with its start form's data, in a province

    As in the web app: only holders of the start lane's role may start a process (else 404, as for an
    unknown process); a province not the caller's gives 403; start-form errors (fields, the form's rules,
    unknown users) give 422 per field. A process run once per province and year (the identification round)
    answers 409 with the message at `year` when that case exists; a supervisor may start a repeat by giving
    `repeat_reason` in the data.
    """
    runtime = current_runtime()
    view = starting.start_and_describe(body["process_id"], body["data"], body["province"], actor=api_actor(),
                                       locale=current_language(), uow=unit_of_work(), runtime=runtime,
                                       clock=runtime.clock)
    return view, 201, {"Location": url_for(".show_instance", instance_id=view.instance.id)}


@bp.route("/process-instances/<int:instance_id>", methods=["GET"])
@bp.response(200, InstanceSchema)
@bp.answers(401, 404)
def show_instance(instance_id: int):  # type: ignore[no-untyped-def]
    """A case: its state, open tasks and history

    Only for those who may see the case (its province, and a role in it or a supervising role); 404 otherwise.
    """
    with unit_of_work(write=False) as uow:
        return describe_instance(uow.session, api_actor(), instance_id, runtime=current_runtime())
