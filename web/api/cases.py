"""Supervising cases: the case list with its filters, and suspending, resuming or terminating a case."""
from __future__ import annotations

from .. import unit_of_work
from ..runtime import current_runtime
from ..services import admin, cases
from .auth import api_actor, require_token
from .parsing import ApiBlueprint
from .schemas import CasePageSchema, CaseQuerySchema, CaseStatusSchema, ReasonSchema

bp = ApiBlueprint("api_cases", __name__, url_prefix="/api/v1", description="Supervising cases")
bp.before_request(require_token)


@bp.route("/process-instances", methods=["GET"])
@bp.arguments(CaseQuerySchema, location="query", as_kwargs=False)
@bp.response(200, CasePageSchema)
@bp.answers(401, 403, 422)
def list_cases(filters: cases.CaseFilters):  # type: ignore[no-untyped-def]
    """The case list of supervising roles: cases in my provinces (all for national roles)

    The same filters as the web case list; `from` and `to` are Jalali dates (YYYY/MM/DD, inclusive).
    403 for roles that supervise nothing; 422 with messages per field for a malformed filter.
    """
    with unit_of_work(write=False) as uow:
        return cases.list_cases(uow.session, api_actor(), filters, current_runtime().clock)


def status_change(action: str):  # type: ignore[no-untyped-def]
    """Route ``POST /process-instances/<id>/<action>`` with a reason to ``view``, which names the action."""
    def decorator(view):  # type: ignore[no-untyped-def]
        view = bp.answers(400, 401, 403, 404, 409, 422)(view)
        view = bp.response(200, CaseStatusSchema)(view)
        view = bp.arguments(ReasonSchema)(view)
        return bp.route(f"/process-instances/<int:instance_id>/{action}", methods=["POST"])(view)

    return decorator


def _change_status(instance_id: int, action: str, reason: str) -> dict:
    status = admin.change_status(instance_id, action, reason, actor=api_actor(), uow=unit_of_work(),
                                 clock=current_runtime().clock)
    return {"id": instance_id, "status": status}


@status_change("suspend")
def suspend(body: dict, instance_id: int):  # type: ignore[no-untyped-def]
    """Suspend a running case: it shows in no inbox and fires no timer until resumed

    For supervisors and administrators (403 otherwise); the reason goes to the case's history (422 without one);
    404 for an unknown case or one of another province; 409 when the case is not running.
    """
    return _change_status(instance_id, "suspend", body["reason"])


@status_change("resume")
def resume(body: dict, instance_id: int):  # type: ignore[no-untyped-def]
    """Resume a suspended case

    As for suspending; 409 when the case is not suspended.
    """
    return _change_status(instance_id, "resume", body["reason"])


@status_change("terminate")
def terminate(body: dict, instance_id: int):  # type: ignore[no-untyped-def]
    """End a running or suspended case for good: its open tasks are withdrawn, it waits for nothing more

    As for suspending; 409 when the case has already ended.
    """
    return _change_status(instance_id, "terminate", body["reason"])
