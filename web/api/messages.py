"""Messages from other systems: an agency's answer, the parent organization's permit."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from .. import unit_of_work
from ..runtime import current_runtime
from ..services import messages
from .auth import api_actor, require_token
from .parsing import ApiBlueprint
from .schemas import OutcomeSchema

bp = ApiBlueprint("api_messages", __name__, url_prefix="/api/v1", description="Messages to waiting cases")
bp.before_request(require_token)


class MessageSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255),
                         metadata={"description": "The BPMN message name, e.g. inquiry_answered"})
    correlation = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=255)), load_default=dict,
                              metadata={"description": "Values that pick the waiting case, e.g. {\"inquiry_key\": ...}"})
    payload = fields.Raw(load_default=None, metadata={"description": "The message's content (any JSON)"})


@bp.route("/messages", methods=["POST"])
@bp.arguments(MessageSchema)
@bp.response(200, OutcomeSchema)
@bp.answers(400, 401, 404, 409, 422)
def send(body: dict):  # type: ignore[no-untyped-def]
    """Deliver a message to the one case in the caller's provinces waiting for it with these correlation values

    404 when no such case waits; 409 when several do (give more correlation values); 422 when the case's
    process refuses the payload. Nothing is changed on an error.
    """
    runtime = current_runtime()
    return messages.deliver_message(body["name"], body["correlation"], body["payload"], actor=api_actor(),
                                    uow=unit_of_work(), runtime=runtime, clock=runtime.clock)
