"""Calling the engine from services: restoring an instance's workflow, and the engine's errors as service errors."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import object_session
from engine.errors import InvalidTaskData, MessageNotDeliverable, TaskError, TaskNotReady, UnknownProcess

from ..models import ProcessInstance
from ..runtime import Runtime
from .closures import refresh_calendar
from .errors import Conflict, InvalidInput, ProcessFailed, ProcessNotFound, TaskAlreadyCompleted


def restore_workflow(runtime: Runtime, instance: ProcessInstance,
                     closures: tuple[int, int | None] | None = None) -> Any:
    """The live workflow of a stored instance, on the version it is pinned to (the calendar's closures current).

    ``closures``: the closures' marker when the caller read it in this transaction (``closures.MARKER_COLUMNS``).
    """
    session = object_session(instance)
    if session is not None:
        refresh_calendar(runtime, session, closures)
    return runtime.engine.loads(instance.state, runtime.spec_set_of(instance), instance.process_id)


@contextmanager
def engine_errors() -> Iterator[None]:
    """Turn the engine's named errors into the service layer's (and so into HTTP answers)."""
    try:
        yield
    except TaskNotReady as exc:
        raise TaskAlreadyCompleted(str(exc)) from exc
    except InvalidTaskData as exc:
        raise InvalidInput(str(exc)) from exc
    except TaskError as exc:
        raise ProcessFailed(str(exc), exc.element_id) from exc
    except MessageNotDeliverable as exc:
        raise Conflict(str(exc)) from exc
    except UnknownProcess as exc:
        raise ProcessNotFound(str(exc)) from exc
