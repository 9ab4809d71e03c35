"""One-off closures: days off an administrator declares without a deploy (air pollution, national mourning).

Each is stored with who declared it and why. The engine's calendar is pure and knows nothing of the
database: :func:`refresh_calendar` hands it the stored closures, and is called before every engine
call that may count working days (restoring a workflow, starting one). It costs one small query and
reloads only when the closures changed, so every worker follows a new closure on its next action.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar import HolidayDataMissing, from_jalali, to_jalali
from engine.clock import Clock

from ..models import Closure
from ..runtime import Runtime
from .actors import Actor
from .errors import Conflict, Forbidden, InvalidInput
from .uow import UnitOfWork

DECLARING_ROLES = frozenset({"admin"})
MAX_REASON = 1000


@dataclass(frozen=True)
class ClosureView:
    day: date
    jalali: str
    reason: str
    declared_by: str
    declared_at: datetime


def _view(row: Closure) -> ClosureView:
    return ClosureView(row.day, to_jalali(row.day), row.reason, row.declared_by, row.declared_at)


def declare_closure(day: str | date, reason: str | None, *, actor: Actor, uow: UnitOfWork, runtime: Runtime,
                    clock: Clock) -> ClosureView:
    """Close the offices on ``day`` (a date or Jalali ``YYYY/MM/DD``) for ``reason``: it is no working day.

    Due dates counted in working days from then on skip it (those already set stay as they are).

    :raise Forbidden: the actor is not an administrator.
    :raise InvalidInput: a bad day, a day outside the official calendar's years, or no reason.
    :raise Conflict: the day is already a declared closure.
    """
    if not (actor.system or actor.roles & DECLARING_ROLES):
        raise Forbidden("closures are declared by administrators")
    errors: dict[str, list[str]] = {}
    if isinstance(day, str):
        try:
            day = from_jalali(day)
        except ValueError as exc:
            errors["day"] = [str(exc)]
    if isinstance(day, date):
        try:
            runtime.engine.calendar.holiday_name(day)
        except HolidayDataMissing as exc:
            errors["day"] = [str(exc)]
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        errors["reason"] = [f"a reason of 1 to {MAX_REASON} characters is required"]
    if errors:
        raise InvalidInput("; ".join(f"{field}: {messages[0]}" for field, messages in errors.items()), errors)
    assert isinstance(day, date)
    with uow:
        existing = uow.session.scalar(select(Closure).where(Closure.day == day))
        if existing is not None:
            raise Conflict(f"{to_jalali(day)} is already closed: {existing.reason} ({existing.declared_by})")
        row = Closure(day=day, reason=reason, declared_by=actor.username, declared_at=clock.now())
        uow.session.add(row)
        uow.session.flush()
        view = _view(row)
        uow.commit()
    with uow:
        refresh_calendar(runtime, uow.session)
    return view


def list_closures(uow: UnitOfWork) -> list[ClosureView]:
    """Every declared closure, earliest day first."""
    with uow:
        return [_view(row) for row in uow.session.scalars(select(Closure).order_by(Closure.day))]


# (count, max id) of the closures: asked on every change of a case, so built once; MARKER_COLUMNS lets a query
# the change runs anyway (the completion's locking query) bring it along
MARKER_COLUMNS = (select(func.count(Closure.id)).scalar_subquery(), select(func.max(Closure.id)).scalar_subquery())
_MARKER = select(*MARKER_COLUMNS)


def refresh_calendar(runtime: Runtime, session: Session, marker: tuple[int, int | None] | None = None) -> None:
    """Give the engine's calendar the stored closures, when they changed since it last got them.

    ``marker``: the closures' (count, max id) when the caller read them in this transaction (MARKER_COLUMNS).
    """
    marker = tuple(session.execute(_MARKER).one()) if marker is None else tuple(marker)
    if marker == runtime.closures_marker:
        return
    rows = session.scalars(select(Closure)).all()
    runtime.engine.calendar.set_closures({row.day: row.reason for row in rows})
    runtime.closures_marker = marker
